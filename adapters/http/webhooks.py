"""Outbound webhooks over HTTP: the WebhookSender port on httpx, and a DNS resolver."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx

from domain.webhook import RESPONSE_EXCERPT_BYTES, AttemptOutcome


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0.0, (at - (now or datetime.now(UTC))).total_seconds())


# The address a send's new connections go to, by host name (set around one request).
_PINNED: ContextVar[tuple[str, str] | None] = ContextVar("meridian_webhook_pinned", default=None)


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Opens connections to the address the URL guard checked rather than resolving the host
    again: between the check and the connection, DNS could have changed (rebinding). TLS still
    names the host, so the certificate is checked against it."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        pinned = _PINNED.get()
        if pinned is not None and pinned[0] == host:
            host = pinned[1]
        return await self._backend.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class HttpxWebhookSender:
    """POSTs with a total timeout, follows no redirect (a 3xx is a failed attempt), ignores proxy
    environment variables, and reads at most 2 KiB of the response."""

    def __init__(self, timeout: float = 10.0, max_connections: int = 100) -> None:
        self.timeout = timeout
        self.max_connections = max_connections
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _get_client(self) -> httpx.AsyncClient:
        # One pooled client per event loop (tests run several loops in one process).
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            limits = httpx.Limits(max_connections=self.max_connections)
            transport = httpx.AsyncHTTPTransport(limits=limits)
            # httpx has no setting for the network backend: its pool is rebuilt with one that
            # connects to pinned addresses (with the TLS context and limits httpx would use).
            transport._pool = httpcore.AsyncConnectionPool(
                ssl_context=httpx.create_ssl_context(),
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                network_backend=_PinnedBackend(),
            )
            self._client = httpx.AsyncClient(
                transport=transport,
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                trust_env=False,
            )
            self._loop = loop
        return self._client

    async def send(
        self, url: str, headers: Mapping[str, str], body: bytes, *, address: str | None = None
    ) -> AttemptOutcome:
        started = time.monotonic()
        host = urllib.parse.urlsplit(url).hostname
        token = _PINNED.set((host, address) if host and address else None)
        try:
            return await self._send(url, headers, body, started)
        finally:
            _PINNED.reset(token)

    async def _send(
        self, url: str, headers: Mapping[str, str], body: bytes, started: float
    ) -> AttemptOutcome:
        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            # The overall deadline also bounds a receiver that trickles its answer.
            async with asyncio.timeout(self.timeout):
                async with self._get_client().stream(
                    "POST", url, content=body, headers=dict(headers)
                ) as response:
                    received = bytearray()
                    async for chunk in response.aiter_bytes():
                        received += chunk
                        if len(received) >= RESPONSE_EXCERPT_BYTES:
                            break
                    text = bytes(received[:RESPONSE_EXCERPT_BYTES]).decode("utf-8", "replace")
                    return AttemptOutcome(
                        http_code=response.status_code,
                        response=text,
                        retry_after=parse_retry_after(response.headers.get("retry-after")),
                        duration_ms=elapsed(),
                    )
        except (TimeoutError, httpx.TimeoutException):
            return AttemptOutcome(None, f"Timed out after {self.timeout:g} s.", None, elapsed())
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            return AttemptOutcome(None, f"{type(error).__name__}: {error}", None, elapsed())

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class SystemAddressResolver:
    """The operating system's resolver (getaddrinfo), off the event loop's thread."""

    async def resolve(self, host: str) -> list[str]:
        host = host.strip("[]")
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise LookupError(host)
        return addresses
