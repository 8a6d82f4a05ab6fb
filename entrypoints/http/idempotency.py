"""`Idempotency-Key` on writes (Stripe's semantics), over `IdempotencyService`.

- The `Idempotency` middleware sees a POST, PATCH or DELETE carrying the header: it checks the
  key, reads the body, fingerprints the request and leaves an `IdempotentRequest` in the scope.
  Requests without the header pass straight through.
- The route's `Authenticator`, once the subject is admitted (authenticated, within its rate
  limits, allowed), claims the key: a replay is answered from the record at once; a key that is
  running (409) or was used for another request (422) is refused. Refusals before the claim
  (401, 403, 429) are never recorded.
- The write unit of work the route then opens holds its commits (`HeldUnitOfWork`).
- When the route has answered, the middleware holds the response back: a 2xx–4xx response is
  recorded (in the route's own transaction when it asked to commit and the records are in the
  database) and only then sent; a 5xx, an exception or a request that failed validation
  abandons the claim, so a retry runs again.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.auth import AuthSubject
from application.idempotency.service import HeldUnitOfWork, IdempotencyService
from domain.idempotency import IdempotencyRecord, RecordedResponse, valid_key
from entrypoints.http.errors import REQUEST_INVALID, error_response
from entrypoints.http.middleware import leave_request_scopes
from entrypoints.http.rate_limits import client_address

log = logging.getLogger("meridian.http")

# Where the middleware leaves the request's `IdempotentRequest`.
IDEMPOTENCY = "meridian.idempotency"

WRITE_METHODS = frozenset({"POST", "PATCH", "DELETE"})
_HEADER = b"idempotency-key"
# Request headers that change what a write does (the organization a user token writes to):
# part of the request's fingerprint, with the method, path, query string and body.
_FINGERPRINTED_HEADERS = (b"polar-organization",)
# Response headers about this one answer rather than the resource: not recorded for replays.
_NOT_RECORDED = frozenset(
    {
        b"content-length",
        b"date",
        b"server",
        b"connection",
        b"transfer-encoding",
        b"retry-after",
        b"ratelimit-limit",
        b"ratelimit-remaining",
        b"ratelimit-reset",
        b"idempotent-replayed",
        b"x-request-id",
        b"set-cookie",
    }
)


def _service(scope: Scope) -> IdempotencyService:
    service: IdempotencyService = scope["app"].state.container.idempotency_service()
    return service


def subject_key(subject: AuthSubject, scope: Scope) -> str:
    """Whose keys these are: the credential's subject, or the client's address when anonymous."""
    if subject.is_anonymous:
        return f"ip:{client_address(scope)}"
    return f"{subject.kind.value}:{subject.id}"


def fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope["query_string"]):
        digest.update(part)
        digest.update(b"\n")
    headers = dict(scope["headers"])
    for name in _FINGERPRINTED_HEADERS:
        digest.update(headers.get(name, b""))
        digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


class Replay(Exception):
    """Raised by the claim to answer with a recorded response (see `replay_response`)."""

    def __init__(self, response: RecordedResponse) -> None:
        super().__init__("replay")
        self.response = response


async def replay_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replay)
    recorded = exc.response
    response = Response(recorded.body, status_code=recorded.status)
    response.raw_headers.extend(
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in recorded.headers
    )
    response.raw_headers.append((b"idempotent-replayed", b"true"))
    return response


class IdempotentRequest:
    """A write carrying an Idempotency-Key, from the middleware to the route and back."""

    __slots__ = ("claim", "fingerprint", "held", "key")

    def __init__(self, key: str, fingerprint: str) -> None:
        self.key = key
        self.fingerprint = fingerprint
        self.claim: IdempotencyRecord | None = None
        self.held: HeldUnitOfWork | None = None

    async def claim_for(self, request: Request, subject: AuthSubject) -> None:
        """Claim the key for `subject`; raises Replay, IdempotencyKeyInUse or
        IdempotencyKeyMismatch when the request must not run."""
        outcome = await _service(request.scope).claim(
            subject_key(subject, request.scope), self.key, self.fingerprint
        )
        if isinstance(outcome, RecordedResponse):
            raise Replay(outcome)
        self.claim = outcome

    def hold(self, uow: Any) -> Any:
        """The route's write unit of work, its commits held once the key is claimed."""
        if self.claim is None:
            return uow
        self.held = HeldUnitOfWork(uow)
        return self.held


class Idempotency:
    """See the module's docstring. Inside `RequestScopes`: the route's unit of work is still
    open when the response is recorded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        raw_key = next((value for name, value in scope["headers"] if name == _HEADER), None)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not valid_key(key):
            response = error_response(
                400,
                "InvalidIdempotencyKey",
                "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            )
            await response(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client left before sending its body
        request = IdempotentRequest(key, fingerprint(scope, body))
        scope[IDEMPOTENCY] = request
        delivered = False

        async def replayed_receive() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        held_back: list[Message] = []

        async def hold_back(message: Message) -> None:
            if request.claim is None:
                await send(message)  # not claimed (refused, replayed): nothing to record
            else:
                held_back.append(message)

        try:
            await self.app(scope, replayed_receive, hold_back)
        except BaseException as error:
            if request.claim is not None:
                await _abandon(scope, request.claim, error)
            raise
        if request.claim is None:
            return
        try:
            recorded = await _record(scope, request, request.claim, held_back)
        except BaseException as error:
            await _abandon(scope, request.claim, error)
            raise
        if not recorded:
            lost = error_response(
                409,
                "IdempotencyKeyInUse",
                "A retry with this Idempotency-Key took over this request after it ran too "
                "long; nothing it did was kept.",
                {"Retry-After": "1"},
            )
            await lost(scope, receive, send)
            return
        for message in held_back:
            await send(message)


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _record(
    scope: Scope, request: IdempotentRequest, claim: IdempotencyRecord, messages: list[Message]
) -> bool:
    """Record the route's response (or abandon the claim when it must not be); False when
    the claim was lost meanwhile."""
    start = messages[0]
    status: int = start["status"]
    response = RecordedResponse(
        status=status,
        headers=tuple(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in start.get("headers", ())
            if name.lower() not in _NOT_RECORDED
        ),
        body=b"".join(m.get("body", b"") for m in messages[1:]),
    )
    service = _service(scope)
    held = request.held
    # A request that failed validation never ran its route (Stripe does not record those).
    keep = status < 500 and not scope.get(REQUEST_INVALID)
    if keep and held is not None and held.commit_requested:
        # The route's writes and the response, committed together (or the response just after,
        # with the records in Redis).
        return await service.finish(claim, response, held.inner)
    # Nothing to commit: let the request's units of work go first (what the route wrote
    # without asking to commit is rolled back), so that the record never waits for a second
    # connection while the request holds one.
    await leave_request_scopes(scope)
    if keep:
        return await service.finish(claim, response)
    await service.abandon(claim)
    return True


async def _abandon(scope: Scope, claim: IdempotencyRecord, error: BaseException) -> None:
    """Forget the claim of a request that failed, after releasing what it holds. If this fails
    too, the claim is taken over once its lease ends."""
    try:
        await leave_request_scopes(scope, error)
        await _service(scope).abandon(claim)
    except Exception:
        log.warning("could not abandon idempotency key %r", claim.key, exc_info=True)
