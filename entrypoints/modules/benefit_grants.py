"""Benefit grants (jobs granting and revoking benefits, `GET /v1/benefit-grants/`) and the
license keys the license-keys benefit issues."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.benefit_grants import (
    InMemoryBenefitGrantRepository,
    InMemoryLicenseKeyActivationRepository,
    InMemoryLicenseKeyRepository,
)
from adapters.sqlalchemy.repositories.benefit_grants import SqlAlchemyBenefitGrantRepository
from adapters.sqlalchemy.repositories.license_keys import (
    SqlAlchemyLicenseKeyActivationRepository,
    SqlAlchemyLicenseKeyRepository,
)
from application.benefit_grants.service import (
    BENEFIT_GRANT_CREATED,
    BENEFIT_GRANT_REVOKED,
    BENEFIT_GRANT_UPDATED,
    BenefitGrantService,
)
from application.license_keys.service import LicenseKeyService
from domain.scopes import Scope
from entrypoints.http.benefit_grants import endpoints
from entrypoints.http.benefit_grants.schemas import benefit_grant_wire
from entrypoints.http.license_keys import endpoints as license_key_endpoints
from entrypoints.modules.base import Module, Repository
from entrypoints.modules.benefits import BENEFIT_STRATEGIES
from entrypoints.webhook_events import Catalogue
from entrypoints.worker.tasks import benefit_grants as tasks


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "benefit_grant_service": providers.Singleton(
            BenefitGrantService,
            clock=c.clock,
            strategies=providers.Object({s.type: s for s in BENEFIT_STRATEGIES}),
        ),
        "license_key_service": providers.Singleton(LicenseKeyService, clock=c.clock),
    }


def _events(catalogue: Catalogue, container: Any) -> None:
    service: BenefitGrantService = container.benefit_grant_service()
    catalogue.register(
        [BENEFIT_GRANT_CREATED, BENEFIT_GRANT_UPDATED, BENEFIT_GRANT_REVOKED],
        argument="benefit_grant_id",
        load=service.view,
        render=benefit_grant_wire,
    )


module = Module(
    name="benefit_grants",
    scopes=(
        Scope.benefits_read,
        Scope.benefits_write,
        Scope.license_keys_read,
        Scope.license_keys_write,
    ),
    repositories={
        "benefit_grants": Repository(
            SqlAlchemyBenefitGrantRepository, InMemoryBenefitGrantRepository
        ),
        "license_keys": Repository(SqlAlchemyLicenseKeyRepository, InMemoryLicenseKeyRepository),
        "license_key_activations": Repository(
            SqlAlchemyLicenseKeyActivationRepository, InMemoryLicenseKeyActivationRepository
        ),
    },
    services=_services,
    routers=(endpoints.router, license_key_endpoints.router, license_key_endpoints.portal),
    tasks=tasks.register,
    events=_events,
)
