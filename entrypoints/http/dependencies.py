"""Per-request dependencies: units of work and the authenticated subject."""


from collections.abc import AsyncIterator, Iterable
from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import Depends, Request

from application.auth import AuthSubject, Scope, SubjectKind
from application.kit.errors import NotPermitted, Unauthorized
from application.tokens.authentication import AuthenticationService
from application.uow import UnitOfWork, UnitOfWorkFactory
from entrypoints.container import Container


@inject
async def _read_uow(
    factory: UnitOfWorkFactory = Depends(Provide[Container.uow_factory]),
) -> AsyncIterator[UnitOfWork]:
    async with factory.read() as uow:
        yield uow


@inject
async def _write_uow(
    factory: UnitOfWorkFactory = Depends(Provide[Container.uow_factory]),
) -> AsyncIterator[UnitOfWork]:
    # The route commits before it returns; leaving without a commit rolls back.
    async with factory.write() as uow:
        yield uow


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


@inject
async def get_auth_subject(
    request: Request,
    uow: ReadUnitOfWork,
    authentication: AuthenticationService = Depends(Provide[Container.authentication_service]),
) -> AuthSubject:
    return await authentication.authenticate(uow, _bearer_token(request))


class Authenticator:
    """Admits the allowed subject kinds holding any one of the required scopes.

    No acceptable credentials → 401; a subject kind the route does not serve or a missing scope → 403.
    """

    def __init__(self, required_scopes: Iterable[Scope], allowed_subjects: Iterable[SubjectKind]) -> None:
        self.required_scopes = frozenset(required_scopes)
        self.allowed_subjects = frozenset(allowed_subjects)

    async def __call__(self, subject: Annotated[AuthSubject, Depends(get_auth_subject)]) -> AuthSubject:
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


def organization_header(request: Request) -> str | None:
    return request.headers.get("polar-organization")
