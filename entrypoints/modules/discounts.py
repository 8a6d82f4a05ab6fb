"""Discounts: percentage or fixed, once, forever or repeating, optionally restricted to
products and redeemable with a code."""

from __future__ import annotations

import uuid
from typing import Any

from dependency_injector import providers

from adapters.memory.discounts import InMemoryDiscountRepository
from adapters.sqlalchemy.repositories.discounts import SqlAlchemyDiscountRepository
from application.discounts.service import (
    DISCOUNT_CREATED,
    DISCOUNT_DELETED,
    DISCOUNT_UPDATED,
    DiscountService,
)
from domain.discount import Discount
from domain.product import Product
from domain.scopes import Scope
from entrypoints.http.discounts import endpoints
from entrypoints.http.discounts.schemas import discount_schema
from entrypoints.modules.base import Module, Repository
from entrypoints.webhook_events import Catalogue


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"discount_service": providers.Singleton(DiscountService, clock=c.clock)}


def _events(catalogue: Catalogue, container: Any) -> None:
    service: DiscountService = container.discount_service()

    async def load(uow: Any, id: uuid.UUID) -> tuple[Discount, dict[uuid.UUID, Product]] | None:
        # A deleted discount is still shown (the `discount.deleted` event carries it).
        discount = await uow.discounts.get_including_deleted(id)
        if discount is None:
            return None
        return discount, await service.restricted_products(uow, [discount])

    catalogue.register(
        [DISCOUNT_CREATED, DISCOUNT_UPDATED, DISCOUNT_DELETED],
        argument="discount_id",
        load=load,
        render=lambda pair: discount_schema(*pair),
        organization_of=lambda pair: pair[0].organization_id,
    )


module = Module(
    name="discounts",
    scopes=(Scope.discounts_read, Scope.discounts_write),
    repositories={
        "discounts": Repository(SqlAlchemyDiscountRepository, InMemoryDiscountRepository)
    },
    services=_services,
    routers=(endpoints.router,),
    events=_events,
)
