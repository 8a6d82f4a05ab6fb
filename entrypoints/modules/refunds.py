"""Refunds: money given back on orders (`POST|GET /v1/refunds/`), through the payments port's
processor; its report (`refund.succeeded`) reaches them through the payment service."""

from __future__ import annotations

import uuid
from typing import Any

from dependency_injector import providers

from adapters.memory.refunds import InMemoryRefundRepository
from adapters.sqlalchemy.repositories.refunds import SqlAlchemyRefundRepository
from application.refunds.service import REFUND_CREATED, REFUND_UPDATED, RefundService
from domain.order import Order
from domain.refund import Refund
from domain.scopes import Scope
from entrypoints.http.refunds import endpoints
from entrypoints.http.refunds.schemas import refund_wire
from entrypoints.modules.base import Module, Repository
from entrypoints.webhook_events import Catalogue


def _refund_service(container: Any) -> RefundService:
    """The refund service, whose refunds with `revoke_benefits` revoke what the order granted
    (by job, one per benefit: the benefit grants module)."""
    service = RefundService(clock=container.clock(), processor=container.payment_processor())

    async def revoke(uow: Any, refund: Refund, order: Order) -> None:
        # What the order was granted, whatever its product grants today (or if it is gone), and
        # what its product grants: grant jobs not run yet find those revoked and grant nothing.
        benefit_ids: list[uuid.UUID] = []
        if order.subscription_id is None and order.product_id is not None:
            product = await uow.products.get(order.product_id)
            if product is not None:
                benefit_ids = product.benefit_ids
        await container.benefit_grant_service().revoke_order(
            uow, order.id, customer_id=order.customer_id, benefit_ids=benefit_ids
        )

    service.on_revoke(revoke)
    return service


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"refund_service": providers.Singleton(_refund_service, container=c.__self__)}


def _events(catalogue: Catalogue, container: Any) -> None:
    async def load(uow: Any, id: uuid.UUID) -> Refund | None:
        refund: Refund | None = await uow.refunds.get_including_deleted(id)
        return refund

    catalogue.register(
        [REFUND_CREATED, REFUND_UPDATED],
        argument="refund_id",
        load=load,
        render=refund_wire,
        organization_of=lambda refund: refund.organization_id,
    )


module = Module(
    name="refunds",
    scopes=(Scope.refunds_read, Scope.refunds_write),
    repositories={"refunds": Repository(SqlAlchemyRefundRepository, InMemoryRefundRepository)},
    services=_services,
    routers=(endpoints.router,),
    events=_events,
)
