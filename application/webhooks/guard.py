"""Where webhook requests may go: the SSRF guard on endpoint URLs."""

from __future__ import annotations

import urllib.parse

from application.webhooks.ports import AddressResolver
from domain.webhook import address_refusal, url_text_refusal


class UrlGuard:
    """Refuses webhook targets that could reach inside the network (SSRF).

    Checked when an endpoint is saved and again before every attempt, because DNS can change.
    At save, a host that does not resolve (yet) is accepted: a merchant may save an endpoint
    before its DNS is live. One that resolves to a refused address never is.
    """

    def __init__(
        self, resolver: AddressResolver, *, require_https: bool, allow_loopback: bool
    ) -> None:
        self.resolver = resolver
        self.require_https = require_https
        self.allow_loopback = allow_loopback

    async def refusal(self, url: str, *, unresolved_ok: bool = False) -> str | None:
        """Why `url` is refused, or None. With `unresolved_ok`, a host that does not resolve is
        not a reason (the endpoint is being saved, not sent to)."""
        refused, _ = await self.vet(url, unresolved_ok=unresolved_ok)
        return refused

    async def vet(self, url: str, *, unresolved_ok: bool = False) -> tuple[str | None, list[str]]:
        """Why `url` is refused (None if it is not), and the addresses its host resolved to."""
        refused = url_text_refusal(url)
        if refused is not None:
            return refused, []
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError:
            return "Not a valid URL.", []
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return "The URL must start with https://.", []
        if scheme == "http" and self.require_https:
            return "Only https URLs are accepted.", []
        host = parts.hostname
        if not host:
            return "The URL needs a host.", []
        if parts.username is not None or parts.password is not None:
            return "Credentials in the URL are not allowed.", []
        if port == 0:
            return "Not a valid port.", []
        try:
            addresses = await self.resolver.resolve(host)
        except ValueError:
            # A name the resolver cannot encode (a label over 63 characters): it never will.
            return f"The host {host!r} is not a valid host name (it cannot resolve).", []
        except (LookupError, OSError):
            addresses = []
        if not addresses:
            return (None if unresolved_ok else f"The host {host!r} does not resolve."), []
        for address in addresses:
            reason = address_refusal(address, allow_loopback=self.allow_loopback)
            if reason is not None:
                return f"{host} resolves to {address}: {reason}", []
        return None, list(addresses)
