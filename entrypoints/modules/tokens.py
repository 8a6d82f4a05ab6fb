"""Access tokens: personal and organization tokens, authentication, and bootstrap (a first
user, organization and pair of tokens)."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.repositories import (
    InMemoryOrganizationAccessTokenRepository,
    InMemoryPersonalAccessTokenRepository,
)
from adapters.sqlalchemy.repositories.tokens import (
    SqlAlchemyOrganizationAccessTokenRepository,
    SqlAlchemyPersonalAccessTokenRepository,
)
from application.bootstrap import BootstrapService
from application.tokens.authentication import AuthenticationService
from application.tokens.service import AccessTokenService
from domain.scopes import Scope
from entrypoints.http.organization_access_tokens import endpoints
from entrypoints.modules.base import Module, Repository


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    tokens = providers.Singleton(
        AccessTokenService, clock=c.clock, hasher=c.hasher, cache=c.credential_cache
    )
    return {
        "token_service": tokens,
        "authentication_service": providers.Singleton(
            AuthenticationService,
            clock=c.clock,
            hasher=c.hasher,
            usage=c.token_usage,
            cache=c.credential_cache,
        ),
        "bootstrap_service": providers.Singleton(
            BootstrapService,
            clock=c.clock,
            users=c.user_service,
            organizations=c.organization_service,
            tokens=tokens,
        ),
    }


module = Module(
    name="tokens",
    scopes=(Scope.organization_access_tokens_read, Scope.organization_access_tokens_write),
    repositories={
        "personal_access_tokens": Repository(
            SqlAlchemyPersonalAccessTokenRepository, InMemoryPersonalAccessTokenRepository
        ),
        "organization_access_tokens": Repository(
            SqlAlchemyOrganizationAccessTokenRepository, InMemoryOrganizationAccessTokenRepository
        ),
    },
    services=_services,
    routers=(endpoints.router,),
)
