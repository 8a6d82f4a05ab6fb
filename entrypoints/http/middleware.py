"""Pure ASGI middleware (no BaseHTTPMiddleware: it costs a task per request)."""

from __future__ import annotations

import contextlib
import json
import os
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.ports import REQUEST_ID
from entrypoints.http.rate_limits import RATE_LIMIT
from entrypoints.http.rate_limits import headers as rate_limit_headers

# Where `RequestScopes` keeps the request's open context managers (see `enter_for_request`).
REQUEST_SCOPES = "meridian.request_scopes"


class RequestScopes:
    """Leaves, once the response is sent, the context managers the request's dependencies
    entered with `enter_for_request` (units of work: their connections go back to the pool).

    FastAPI's dependencies with `yield` do the same, but each costs an exit stack, a
    generator-based context manager and a shielded cancel scope: about a tenth of a
    millisecond per request, a tenth of what a simple read costs in all.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entered: list[AbstractAsyncContextManager[Any]] = []
        scope[REQUEST_SCOPES] = entered
        try:
            await self.app(scope, receive, send)
        except BaseException as error:
            await _leave(entered, error)
            raise
        await _leave(entered, None)


async def _leave(
    entered: list[AbstractAsyncContextManager[Any]], error: BaseException | None
) -> None:
    """Leave the entered context managers, last first; every one is left even if some fail."""
    failure: BaseException | None = None
    while entered:
        manager = entered.pop()
        try:
            if error is None:
                await manager.__aexit__(None, None, None)
            else:
                await manager.__aexit__(type(error), error, error.__traceback__)
        except BaseException as exit_error:  # noqa: BLE001 - leave the others, re-raise below
            failure = failure or exit_error
    if failure is not None and error is None:
        raise failure


async def leave_request_scopes(scope: Scope, error: BaseException | None = None) -> None:
    """Leave what the request entered so far, before the response is sent (its units of work
    give their connections back); `RequestScopes` then has nothing left to leave."""
    await _leave(scope.get(REQUEST_SCOPES) or [], error)


async def enter_for_request(scope: Scope, manager: AbstractAsyncContextManager[Any]) -> Any:
    """Enter `manager` for the rest of the request: `RequestScopes` leaves it after the response."""
    entered: list[AbstractAsyncContextManager[Any]] | None = scope.get(REQUEST_SCOPES)
    if entered is None:
        raise RuntimeError("the RequestScopes middleware is not installed")
    value = await manager.__aenter__()
    entered.append(manager)
    return value


# A request id the client may choose: short, and safe to echo in a header and a log line.
_REQUEST_ID_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-"
)
MAX_REQUEST_ID_LENGTH = 128


def _client_request_id(value: bytes) -> str | None:
    text = value.decode("latin-1")
    if 0 < len(text) <= MAX_REQUEST_ID_LENGTH and _REQUEST_ID_CHARACTERS.issuperset(text):
        return text
    return None


class RequestIds:
    """Gives each request an id: the client's `X-Request-Id` when it sends a usable one (up to
    128 letters, digits, `.`, `_`, `:` or `-`), a new random one otherwise. The response echoes
    it, and it is the current REQUEST_ID while the request is served: every log line and every
    job the request enqueues carries it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = _client_request_id(value)
                break
        if request_id is None:
            request_id = os.urandom(16).hex()
        header = (b"x-request-id", request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


class RateLimitHeaders:
    """Adds `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` to the response of a
    request that was counted (see entrypoints/http/rate_limits.py). Installed only when rate
    limits are on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                count = scope.get(RATE_LIMIT)
                if count is not None:
                    message["headers"] = [*message.get("headers", ()), *rate_limit_headers(count)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuses request bodies over `limit` bytes with 413, whether announced or streamed.

    Paths under `exempt_prefixes` (file part uploads) are left to routes that bound their
    bodies themselves.
    """

    def __init__(self, app: ASGIApp, limit: int, exempt_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.limit = limit
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (
            self.exempt_prefixes and scope["path"].startswith(self.exempt_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        streamed = scope.get("http_version") not in ("1.0", "1.1")
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    announced = 0
                if announced > self.limit:
                    await self._reject(send)
                    return
            elif name == b"transfer-encoding":
                streamed = True
        if not streamed:
            # HTTP/1.x without Transfer-Encoding: the body is the announced length (checked
            # above) or empty, and the server reads no further. Nothing to watch.
            await self.app(scope, receive, send)
            return
        received = 0
        response_started = False
        rejected = False

        async def limited_receive() -> Message:
            nonlocal received, rejected
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Answer now: the framework would turn any error raised while it reads the
                    # body into a generic 400, and whatever it sends afterwards is dropped.
                    if not response_started and not rejected:
                        rejected = True
                        await self._reject(send)
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if rejected:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, limited_receive, guarded_send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": "RequestBodyTooLarge",
                "detail": f"Request bodies are limited to {self.limit} bytes.",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
