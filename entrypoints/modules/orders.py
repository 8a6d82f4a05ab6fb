"""Orders: what a succeeded checkout makes (the checkouts module's fulfiller), read by the
merchant (`GET /v1/orders/`), with their webhook events."""

from __future__ import annotations

import uuid
from typing import Any

from dependency_injector import providers

from adapters.memory.orders import InMemoryOrderRepository
from adapters.sqlalchemy.repositories.orders import SqlAlchemyOrderRepository
from application.orders.service import (
    ORDER_CREATED,
    ORDER_PAID,
    ORDER_REFUNDED,
    ORDER_UPDATED,
    OrderService,
    OrderView,
)
from domain.checkout import Checkout
from domain.customer import Customer
from domain.order import Order
from domain.product import Product
from domain.scopes import Scope
from entrypoints.http.orders import endpoints
from entrypoints.http.orders.schemas import order_wire
from entrypoints.modules.base import Module, Repository
from entrypoints.webhook_events import Catalogue


def _order_service(container: Any) -> OrderService:
    """The order service, whose paid orders grant their product's benefits (by job, one per
    benefit: the benefit grants module), and whose recurring products' checkouts start their
    subscription (the subscriptions module, which grants its benefits for its life)."""
    service = OrderService(clock=container.clock())

    async def grant(uow: Any, order: Order, product: Product) -> None:
        if order.subscription_id is not None:
            return  # The subscription granted its benefits when it started (for its life).
        container.benefit_grant_service().enqueue_grants(
            uow,
            customer_id=order.customer_id,
            benefit_ids=[benefit.id for benefit in product.benefits],
            order_id=order.id,
        )

    async def start_subscription(
        uow: Any, checkout: Checkout, product: Product, customer: Customer
    ) -> uuid.UUID:
        subscriptions = container.subscription_service()
        started: uuid.UUID = await subscriptions.from_checkout(uow, checkout, product, customer)
        return started

    service.on_paid(grant)
    service.subscription_starter = start_subscription
    return service


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"order_service": providers.Singleton(_order_service, container=c.__self__)}


def _events(catalogue: Catalogue, container: Any) -> None:
    service: OrderService = container.order_service()

    async def load(uow: Any, id: uuid.UUID) -> OrderView | None:
        order = await uow.orders.get_including_deleted(id)
        return None if order is None else await service.view(uow, order)

    catalogue.register(
        [ORDER_CREATED, ORDER_PAID, ORDER_UPDATED, ORDER_REFUNDED],
        argument="order_id",
        load=load,
        render=order_wire,
        organization_of=lambda view: view.order.organization_id,
    )


module = Module(
    name="orders",
    scopes=(Scope.orders_read, Scope.orders_write),
    repositories={"orders": Repository(SqlAlchemyOrderRepository, InMemoryOrderRepository)},
    services=_services,
    routers=(endpoints.router,),
    events=_events,
)
