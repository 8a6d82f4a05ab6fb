"""Benefits: what a product grants. Each type is a strategy (adapters/benefits/)."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.benefits.custom import CustomBenefit
from adapters.benefits.downloadables import DownloadablesBenefit
from adapters.benefits.license_keys import LicenseKeysBenefit
from adapters.benefits.meter_credit import MeterCreditBenefit
from adapters.memory.benefits import InMemoryBenefitRepository
from adapters.sqlalchemy.repositories.benefits import SqlAlchemyBenefitRepository
from application.benefits.ports import BenefitStrategy
from application.benefits.service import BENEFIT_CREATED, BENEFIT_UPDATED, BenefitService
from domain.scopes import Scope
from entrypoints.http.benefits import endpoints
from entrypoints.http.benefits.schemas import benefit_wire
from entrypoints.modules.base import Module, Repository
from entrypoints.webhook_events import Catalogue

# The benefit types this server offers: one strategy each. A new type is a new strategy and
# one line here.
BENEFIT_STRATEGIES: tuple[BenefitStrategy, ...] = (
    CustomBenefit(),
    LicenseKeysBenefit(),
    DownloadablesBenefit(),
    MeterCreditBenefit(),
)


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "benefit_service": providers.Singleton(
            BenefitService,
            clock=c.clock,
            strategies=providers.Object({s.type: s for s in BENEFIT_STRATEGIES}),
        )
    }


def _events(catalogue: Catalogue, container: Any) -> None:
    catalogue.register(
        [BENEFIT_CREATED, BENEFIT_UPDATED],
        argument="benefit_id",
        # A deleted benefit is still shown: its deletion is a `benefit.updated` (is_deleted).
        load=lambda uow, id: uow.benefits.get_including_deleted(id),
        render=benefit_wire,
    )


module = Module(
    name="benefits",
    scopes=(Scope.benefits_read, Scope.benefits_write),
    repositories={"benefits": Repository(SqlAlchemyBenefitRepository, InMemoryBenefitRepository)},
    services=_services,
    routers=(endpoints.router,),
    events=_events,
)
