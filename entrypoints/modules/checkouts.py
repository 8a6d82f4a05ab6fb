"""Checkouts: checkout sessions of an organization's products, by id (the merchant) or by
client secret (the customer), and the sweep that expires them."""

from __future__ import annotations

import uuid
from typing import Any

from dependency_injector import providers
from taskiq import AsyncBroker

from adapters.memory.checkouts import InMemoryCheckoutRepository
from adapters.memory.trial_redemptions import InMemoryTrialRedemptionRepository
from adapters.sqlalchemy.repositories.checkouts import SqlAlchemyCheckoutRepository
from adapters.sqlalchemy.repositories.trial_redemptions import (
    SqlAlchemyTrialRedemptionRepository,
)
from adapters.taskiq.broker import Priority
from application.checkouts.service import (
    CHECKOUT_CREATED,
    CHECKOUT_EXPIRED,
    CHECKOUT_FREE_SUCCESS,
    CHECKOUT_UPDATED,
    CheckoutService,
    CheckoutView,
)
from application.files.service import FileUseCases
from domain.scopes import Scope
from entrypoints.http.checkouts import endpoints
from entrypoints.http.checkouts.schemas import checkout_wire
from entrypoints.http.kit.responses import Wire
from entrypoints.http.pages import checkout as checkout_page
from entrypoints.modules.base import Module, Repository
from entrypoints.periodic import PeriodicJob
from entrypoints.webhook_events import Catalogue

# Seconds between sweeps of open checkouts past their expiry.
EXPIRY_INTERVAL = 60.0


def _checkout_service(container: Any) -> CheckoutService:
    """The checkout service, whose succeeded checkouts the orders module fulfils."""
    service = CheckoutService(
        clock=container.clock(),
        customers=container.customer_service(),
        payments=container.payment_service(),
        processor=container.payment_processor(),
        payment_methods=container.payment_method_service(),
    )
    orders = container.order_service()
    service.fulfil_with(orders.from_checkout)
    return service


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"checkout_service": providers.Singleton(_checkout_service, container=c.__self__)}


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


def _events(catalogue: Catalogue, container: Any) -> None:
    service: CheckoutService = container.checkout_service()
    files: FileUseCases = container.file_service()
    api_base_url: str = container.settings().api_base_url

    async def load(uow: Any, id: uuid.UUID) -> CheckoutView | None:
        checkout = await uow.checkouts.get_including_deleted(id)
        return None if checkout is None else await service.view(uow, checkout)

    def render(view: CheckoutView) -> Wire:
        return checkout_wire(view, api_base_url, files.public_url)

    catalogue.register(
        [CHECKOUT_CREATED, CHECKOUT_UPDATED, CHECKOUT_EXPIRED],
        argument="checkout_id",
        load=load,
        render=render,
        organization_of=lambda view: view.checkout.organization_id,
    )


def _periodic(container: Any) -> list[PeriodicJob]:
    async def sweep() -> None:
        await expire_checkouts(container)

    return [PeriodicJob("checkouts.expire", EXPIRY_INTERVAL, sweep)]


def _tasks(broker: AsyncBroker, container: Any) -> None:
    @broker.task(task_name=CHECKOUT_FREE_SUCCESS, priority=Priority.high.value, timeout=60)
    async def free_success(checkout_id: str) -> None:
        service = container.checkout_service()
        async with container.uow_factory().write() as uow:
            await service.on_free_success(uow, uuid.UUID(checkout_id))
            await uow.commit()


module = Module(
    name="checkouts",
    scopes=(Scope.checkouts_read, Scope.checkouts_write),
    repositories={
        "checkouts": Repository(SqlAlchemyCheckoutRepository, InMemoryCheckoutRepository),
        "trial_redemptions": Repository(
            SqlAlchemyTrialRedemptionRepository, InMemoryTrialRedemptionRepository
        ),
    },
    services=_services,
    routers=(endpoints.router,),
    # The hosted checkout page (`checkout.url`), at the root.
    public_routers=(checkout_page.router,),
    events=_events,
    periodic=_periodic,
    tasks=_tasks,
)
