"""Per-request dependencies: units of work and the authenticated subject."""

import uuid
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from dependency_injector import providers
from fastapi import Depends, Request
from pydantic import BaseModel

from application.auth import AuthSubject, Scope, SubjectKind
from application.kit.errors import NotPermitted, Unauthorized
from application.tokens.authentication import AuthenticationService
from application.uow import UnitOfWork, UnitOfWorkFactory
from entrypoints.container import Container
from entrypoints.http.middleware import enter_for_request

T = TypeVar("T")
B = TypeVar("B", bound=BaseModel)


def provided(select: Callable[[Container], providers.Provider[T]]) -> Any:
    """`Depends` on a provider of the app's own container.

    The container lives on `app.state` rather than being wired into modules: wiring is global to
    a module, so two apps (two containers) in one process would step on each other, and its
    wrapper does not forward exceptions into generator dependencies.
    """

    async def dependency(request: Request) -> T:  # async: no thread-pool hop
        return select(request.app.state.container)()

    return Depends(dependency)


def with_header_organization(body: B, header: uuid.UUID | None) -> B:
    """`body` naming the organization of the `Polar-Organization` header, when the body names
    none (the client sends the header for user tokens)."""
    if header is not None and getattr(body, "organization_id", None) is None:
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
async def _read_uow(request: Request) -> UnitOfWork:
    """The request's read unit of work, opened on first use (one per request)."""
    uow: UnitOfWork | None = request.scope.get(_READ_UOW)
    if uow is None:
        uow = await enter_for_request(request.scope, _uow_factory(request).read())
        request.scope[_READ_UOW] = uow
    return uow


async def _write_uow(request: Request) -> UnitOfWork:
    # The route commits before it returns; leaving without a commit rolls back.
    uow: UnitOfWork = await enter_for_request(request.scope, _uow_factory(request).write())
    return uow


ReadUnitOfWork = Annotated[UnitOfWork, Depends(_read_uow)]
WriteUnitOfWork = Annotated[UnitOfWork, Depends(_write_uow)]


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

    No acceptable credentials → 401; a subject kind the route does not serve or a missing scope → 403.
    """

    def __init__(
        self, required_scopes: Iterable[Scope], allowed_subjects: Iterable[SubjectKind]
    ) -> None:
        self.required_scopes = frozenset(required_scopes)
        self.allowed_subjects = frozenset(allowed_subjects)

    async def __call__(self, request: Request) -> AuthSubject:
        # One dependency node, with no sub-dependencies: each costs framework work per request.
        # A cached credential needs no unit of work; only a lookup opens the request's read one
        # (which the route then shares), so a write route with a cached token takes one
        # connection rather than two.
        authentication: AuthenticationService = request.app.state.container.authentication_service()
        token = _bearer_token(request)
        subject = authentication.authenticate_cached(token)
        if subject is None:
            subject = await authentication.authenticate(await _read_uow(request), token)
        if subject.is_anonymous:
            if SubjectKind.anonymous in self.allowed_subjects:
                return subject
            raise Unauthorized("Authentication required: send `Authorization: Bearer <token>`.")
        if subject.kind not in self.allowed_subjects:
            kinds = " or ".join(sorted(k.value for k in self.allowed_subjects))
            raise NotPermitted(f"This endpoint requires a {kinds} token.")
        if not subject.has_any_scope(self.required_scopes):
            needed = " or ".join(sorted(s.value for s in self.required_scopes))
            raise NotPermitted(f"The token lacks the required scope: {needed}.")
        return subject
