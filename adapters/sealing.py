"""Recorded responses sealed at rest: AES-256-GCM under a key derived from the secret."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.idempotency.ports import SealBroken

# A sealed body starts with this marker (a NUL cannot start a JSON body), then the nonce.
MARKER = b"\x00s1"
NONCE_BYTES = 12


class AesGcmSealer:
    """The ResponseSealer port. The key is derived from the secret for this use only (HKDF), so
    it is not the key that signs anything else; the record's context is the associated data."""

    def __init__(self, secret: str, purpose: bytes = b"meridian idempotency responses") -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            secret.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, data: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return MARKER + nonce + self._aead.encrypt(nonce, data, context)

    def open(self, data: bytes, context: bytes) -> bytes:
        if not data.startswith(MARKER):
            # Recorded before responses were sealed (kept at most a day): as it was stored.
            return data
        start = len(MARKER)
        nonce, sealed = data[start : start + NONCE_BYTES], data[start + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, sealed, context)
        except InvalidTag as error:
            raise SealBroken("the recorded response cannot be opened") from error
