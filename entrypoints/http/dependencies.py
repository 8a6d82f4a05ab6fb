"""Per-request dependencies: units of work and the authenticated subject."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError

from application.auth import AuthSubject, Scope, SubjectKind
from application.kit.errors import NotPermitted, Unauthorized
from application.tokens.authentication import AuthenticationService
from application.uow import UnitOfWorkFactory
from entrypoints.http.idempotency import IDEMPOTENCY, IdempotentRequest
from entrypoints.http.middleware import enter_for_request
from entrypoints.http.rate_limits import RateLimitGroup, RateLimits

if TYPE_CHECKING:
    from dependency_injector import providers

    from entrypoints.container import Container

T = TypeVar("T")
B = TypeVar("B", bound=BaseModel)
# The narrow unit of work a route's use cases take (`ProductUnitOfWork`…).
U = TypeVar("U")


class FromContainer(Generic[T]):
    """What a route takes from the app's container (a use case, the settings), called with the
    request inside the route: `service = Service(request)`.

    Not a FastAPI dependency, on purpose: FastAPI solves every dependency node on every request
    (a nested solve, its parameters, its cache key), and each cost about 3 % of a create
    route's CPU. Measured A/B on create product, taking its two use cases this way instead:
    5.7 % less CPU per request.

    The container lives on `app.state` rather than being wired into modules: wiring is global to
    a module, so two apps (two containers) in one process would step on each other.
    """

    __slots__ = ("select",)

    def __init__(self, select: Callable[[Container], providers.Provider[T]]) -> None:
        self.select = select

    def __call__(self, request: Request) -> T:
        return self.select(request.app.state.container)()


_ORGANIZATION_HEADER = "polar-organization"
_UUID = TypeAdapter(uuid.UUID)
# The create routes' `openapi_extra`: the header `with_header_organization` reads, documented as
# FastAPI would document an optional UUID header parameter.
ORGANIZATION_HEADER: dict[str, Any] = {
    "parameters": [
        {
            "name": _ORGANIZATION_HEADER,
            "in": "header",
            "required": False,
            "schema": {
                "anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}],
                "title": "Polar-Organization",
            },
        }
    ]
}


def with_header_organization(body: B, request: Request) -> B:
    """`body` naming the organization of the `Polar-Organization` header, when the body names
    none (the client sends the header for user tokens).

    The header is read here rather than declared as a handler parameter: FastAPI's validation
    of a declared header cost about 6 % of create token's CPU. A value that is not a UUID is the
    same 422 FastAPI gave.
    """
    value = request.headers.get(_ORGANIZATION_HEADER)
    if value is None:
        return body
    try:
        header = _UUID.validate_python(value)
    except ValidationError as error:
        raise RequestValidationError(
            [
                {**e, "loc": ("header", _ORGANIZATION_HEADER)}
                for e in error.errors(include_url=False)
            ]
        ) from None
    if getattr(body, "organization_id", None) is None:
        return body.model_copy(update={"organization_id": header})
    return body


def _uow_factory(request: Request) -> UnitOfWorkFactory:
    factory: UnitOfWorkFactory = request.app.state.container.uow_factory()
    return factory


# Where the request's read unit of work is kept once opened (by the route or authentication).
_READ_UOW = "meridian.read_uow"


# Plain async dependencies, not ones with `yield`: the RequestScopes middleware closes the unit
# of work (returning its connection) once the response is sent, as FastAPI would have, for a
# fraction of the cost. Other per-request resources should follow the same pattern.
async def _read_uow(request: Request) -> Any:
    """The request's read unit of work, opened on first use (one per request)."""
    uow = request.scope.get(_READ_UOW)
    if uow is None:
        uow = await enter_for_request(request.scope, _uow_factory(request).read())
        request.scope[_READ_UOW] = uow
    return uow


async def _write_uow(request: Request) -> Any:
    # The route commits before it returns; leaving without a commit rolls back. With a claimed
    # Idempotency-Key, the commit waits for the response (see entrypoints/http/idempotency.py).
    uow = await enter_for_request(request.scope, _uow_factory(request).write())
    idempotent: IdempotentRequest | None = request.scope.get(IDEMPOTENCY)
    return uow if idempotent is None else idempotent.hold(uow)


# `uow: ReadUnitOfWork[ProductUnitOfWork]`: a route's unit of work, typed as the narrow protocol
# its use cases take (the adapters' units of work hold every registered repository).
ReadUnitOfWork = Annotated[U, Depends(_read_uow)]
WriteUnitOfWork = Annotated[U, Depends(_write_uow)]

# Requests that read: their routes take the request's read unit of work, which authentication
# may open first and leave to them.
_READING_METHODS = frozenset({"GET", "HEAD"})


async def _look_up(
    request: Request, authentication: AuthenticationService, token: str | None
) -> AuthSubject:
    """Authenticate a credential the cache does not hold, never holding a connection the
    route's own unit of work will need.

    A read request looks it up on its read unit of work, which the route then uses. Any other
    request looks it up on a read unit of work of its own and returns the connection at once:
    held until the response, it would sit idle while the route waited for a write connection,
    and a burst of writes could take every pooled connection that way and wait forever.
    """
    if request.method in _READING_METHODS:
        return await authentication.authenticate(await _read_uow(request), token)
    async with _uow_factory(request).read() as uow:
        return await authentication.authenticate(uow, token)


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class Authenticator:
    """Admits the allowed subject kinds holding any one of the required scopes.

    No acceptable credentials → 401; a subject kind the route does not serve or a missing scope
    → 403. The request is counted against the rate limits first (the default group and the
    route's `rate_limits`, see entrypoints/http/rate_limits.py): over one → 429. An admitted
    write carrying an Idempotency-Key then claims it (entrypoints/http/idempotency.py).
    """

    def __init__(
        self,
        required_scopes: Iterable[Scope],
        allowed_subjects: Iterable[SubjectKind],
        *,
        rate_limits: Iterable[RateLimitGroup] = (),
    ) -> None:
        self.required_scopes = frozenset(required_scopes)
        self.allowed_subjects = frozenset(allowed_subjects)
        self.rate_limits = tuple(rate_limits)

    async def __call__(self, request: Request) -> AuthSubject:
        # One dependency node, with no sub-dependencies: each costs framework work per request.
        container = request.app.state.container
        authentication: AuthenticationService = container.authentication_service()
        limits: RateLimits = container.rate_limits()
        token = _bearer_token(request)
        try:
            subject = authentication.authenticate_cached(token)
            if subject is None:
                subject = await _look_up(request, authentication, token)
        except Unauthorized:
            if limits.on:
                # A refused credential counts against the client's address.
                await limits.admit(request, None, self.rate_limits)
            raise
        if limits.on:
            await limits.admit(request, subject, self.rate_limits)
        self._check(subject)
        idempotent: IdempotentRequest | None = request.scope.get(IDEMPOTENCY)
        if idempotent is not None:
            await idempotent.claim_for(request, subject)
        return subject

    def _check(self, subject: AuthSubject) -> None:
        if subject.is_anonymous:
            if SubjectKind.anonymous in self.allowed_subjects:
                return
            raise Unauthorized("Authentication required: send `Authorization: Bearer <token>`.")
        if subject.kind not in self.allowed_subjects:
            kinds = " or ".join(sorted(k.value for k in self.allowed_subjects))
            raise NotPermitted(f"This endpoint requires a {kinds} token.")
        if not subject.has_any_scope(self.required_scopes):
            needed = " or ".join(sorted(s.value for s in self.required_scopes))
            raise NotPermitted(f"The token lacks the required scope: {needed}.")


class CapabilityHolder(Authenticator):
    """Routes whose capability is in the request itself (a checkout's client secret, a license
    key), as in Polar: whatever credential the request carries is ignored; the request is
    counted against the rate limits as anonymous (`rate_limits` adds groups) and may claim an
    Idempotency-Key by its address."""

    def __init__(self, rate_limits: tuple[RateLimitGroup, ...] = ()) -> None:
        super().__init__((), {SubjectKind.anonymous}, rate_limits=rate_limits)

    async def __call__(self, request: Request) -> AuthSubject:
        subject = AuthSubject.anonymous()
        limits: RateLimits = request.app.state.container.rate_limits()
        if limits.on:
            await limits.admit(request, subject, self.rate_limits)
        idempotent: IdempotentRequest | None = request.scope.get(IDEMPOTENCY)
        if idempotent is not None:
            await idempotent.claim_for(request, subject)
        return subject
