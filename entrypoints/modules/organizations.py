"""Organizations and their members."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.repositories import (
    InMemoryMembershipRepository,
    InMemoryOrganizationRepository,
)
from adapters.sqlalchemy.repositories.organizations import (
    SqlAlchemyMembershipRepository,
    SqlAlchemyOrganizationRepository,
)
from application.organizations.service import ORGANIZATION_UPDATED, OrganizationService
from domain.scopes import Scope
from entrypoints.http.organizations import endpoints
from entrypoints.http.organizations.schemas import organization_wire
from entrypoints.modules.base import Module, Repository
from entrypoints.webhook_events import Catalogue
from entrypoints.worker.tasks import organizations as tasks


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "organization_service": providers.Singleton(
            OrganizationService, clock=c.clock, cache=c.credential_cache
        )
    }


def _events(catalogue: Catalogue, container: Any) -> None:
    catalogue.register(
        [ORGANIZATION_UPDATED],
        argument="organization_id",
        load=lambda uow, id: uow.organizations.get(id),
        render=organization_wire,
        organization_of=lambda organization: organization.id,
    )


module = Module(
    name="organizations",
    scopes=(Scope.organizations_read, Scope.organizations_write),
    repositories={
        "organizations": Repository(
            SqlAlchemyOrganizationRepository, InMemoryOrganizationRepository
        ),
        "memberships": Repository(SqlAlchemyMembershipRepository, InMemoryMembershipRepository),
    },
    services=_services,
    routers=(endpoints.router,),
    tasks=tasks.register,
    events=_events,
)
