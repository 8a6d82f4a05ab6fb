"""Customer sessions: short-lived tokens with which a customer authenticates, the customer
portal they open (its first route), and the sweep that deletes expired ones."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.customer_sessions import InMemoryCustomerSessionRepository
from adapters.sqlalchemy.repositories.customer_sessions import (
    SqlAlchemyCustomerSessionRepository,
)
from application.customer_sessions.service import SWEEP_BATCH, CustomerSessionService
from domain.scopes import Scope
from entrypoints.http.customer_portal import endpoints as portal_endpoints
from entrypoints.http.customer_sessions import endpoints
from entrypoints.modules.base import Module, Repository
from entrypoints.periodic import PeriodicJob

# Seconds between sweeps of expired sessions (an expired session authenticates no more: the
# sweep only keeps the table small).
SWEEP_INTERVAL = 300.0


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "customer_session_service": providers.Singleton(
            CustomerSessionService, clock=c.clock, hasher=c.hasher
        )
    }


async def sweep_customer_sessions(container: Any) -> int:
    """Delete every expired customer session, a batch per unit of work."""
    service: CustomerSessionService = container.customer_session_service()
    total = 0
    while True:
        async with container.uow_factory().write() as uow:
            count = await service.sweep_expired(uow)
            await uow.commit()
        total += count
        if count < SWEEP_BATCH:
            return total


def _periodic(container: Any) -> list[PeriodicJob]:
    async def sweep() -> None:
        await sweep_customer_sessions(container)

    return [PeriodicJob("customer_sessions.sweep", SWEEP_INTERVAL, sweep)]


module = Module(
    name="customer_sessions",
    scopes=(
        Scope.customer_sessions_write,
        Scope.customer_portal_read,
        Scope.customer_portal_write,
    ),
    repositories={
        "customer_sessions": Repository(
            SqlAlchemyCustomerSessionRepository, InMemoryCustomerSessionRepository
        )
    },
    services=_services,
    routers=(endpoints.router, portal_endpoints.router),
    periodic=_periodic,
)
