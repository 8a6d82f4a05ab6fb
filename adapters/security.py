"""Token generation and digests (standard library only)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


class HmacTokenHasher:
    """Tokens are `prefix` + 43 url-safe random characters; stored as HMAC-SHA256 keyed by the secret."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def generate(self, prefix: str) -> str:
        return prefix + secrets.token_urlsafe(32)

    def digest(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()
