"""The HTTP/1.1 protocol `meridian api` serves with: uvicorn's httptools protocol, with a cap on
the size of each request's head.

The parser keeps every byte of a head until it ends (httptools has no limit of its own, and
h11's is answered with a bare 400), so a client sending a 100 MB header would have all of it
read and kept. Here the bytes of a head are counted before the parser sees them: past the cap
the request gets a 431 in the API's error shape and the connection is closed, whatever else the
client still sends.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("meridian.http")

# Seconds a refused connection is still read (and what arrives dropped) after the 431, so
# that the client reads the answer instead of a reset (a socket closed with unread data
# resets the connection).
LINGER = 2.0


def _refusal(limit: int) -> bytes:
    body = json.dumps(
        {
            "error": "RequestHeaderFieldsTooLarge",
            "detail": f"The request line and headers exceed {limit} bytes.",
        }
    ).encode()
    return b"".join(
        [
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class HeadLimitedProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` refusing a request whose head exceeds `max_head_size` bytes."""

    max_head_size: int = 32 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Bytes of the current head fed to the parser; None while a body is read.
        self._head_bytes: int | None = 0
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after the 431: dropped
        while data:
            if self._head_bytes is None:
                super().data_received(data)
                return
            room = self.max_head_size - self._head_bytes
            if room <= 0:
                self._refuse()
                return
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            super().data_received(piece)
            if self.transport.is_closing():
                return

    def on_headers_complete(self) -> None:
        self._head_bytes = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_bytes = 0

    def _refuse(self) -> None:
        self._refused = True
        log.warning(
            "%s: request refused, its head is over %d bytes", self.client, self.max_head_size
        )
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined request is still being answered: no room for another response.
            self.transport.close()
            return
        self.transport.write(_refusal(self.max_head_size))
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER, self.transport.close)
        else:
            self.transport.close()


def head_limited_protocol(max_head_size: int) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's `http=`, capping request heads at `max_head_size`."""
    return type("HeadLimitedProtocol", (HeadLimitedProtocol,), {"max_head_size": max_head_size})
