"""Checkouts: checkout sessions of an organization's products, by id (the merchant) or by
client secret (the customer), and the sweep that expires them."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.checkouts import InMemoryCheckoutRepository
from adapters.sqlalchemy.repositories.checkouts import SqlAlchemyCheckoutRepository
from application.checkouts.service import CheckoutService
from domain.scopes import Scope
from entrypoints.modules.base import Module, Repository
from entrypoints.periodic import PeriodicJob

# Seconds between sweeps of open checkouts past their expiry.
EXPIRY_INTERVAL = 60.0


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"checkout_service": providers.Singleton(CheckoutService, clock=c.clock)}


async def expire_checkouts(container: Any) -> int:
    """Expire every open checkout past its `expires_at`, a batch per unit of work."""
    service: CheckoutService = container.checkout_service()
    total = 0
    while True:
        async with container.uow_factory().write() as uow:
            count = await service.expire_due(uow)
            await uow.commit()
        total += count
        if count == 0:
            return total


def _periodic(container: Any) -> list[PeriodicJob]:
    async def sweep() -> None:
        await expire_checkouts(container)

    return [PeriodicJob("checkouts.expire", EXPIRY_INTERVAL, sweep)]


module = Module(
    name="checkouts",
    scopes=(Scope.checkouts_read, Scope.checkouts_write),
    repositories={
        "checkouts": Repository(SqlAlchemyCheckoutRepository, InMemoryCheckoutRepository)
    },
    services=_services,
    periodic=_periodic,
)
