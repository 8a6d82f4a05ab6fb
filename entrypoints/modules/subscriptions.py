"""Subscriptions: a customer's recurring purchase of a product. Started by a checkout of a
recurring product (the orders module calls `SubscriptionService.start`) or, for a free product,
by `POST /v1/subscriptions/`; read at `GET /v1/subscriptions/`."""

from __future__ import annotations

import uuid
from typing import Any

from dependency_injector import providers

from adapters.memory.subscriptions import InMemorySubscriptionRepository
from adapters.sqlalchemy.repositories.subscriptions import SqlAlchemySubscriptionRepository
from application.files.service import FileUseCases
from application.subscriptions.service import (
    SUBSCRIPTION_ACTIVE,
    SUBSCRIPTION_CREATED,
    SUBSCRIPTION_UPDATED,
    SubscriptionService,
    SubscriptionView,
)
from domain.product import Product
from domain.scopes import Scope
from domain.subscription import Subscription
from entrypoints.http.kit.responses import Wire
from entrypoints.http.subscriptions import endpoints
from entrypoints.http.subscriptions.schemas import subscription_wire
from entrypoints.modules.base import Module, Repository
from entrypoints.webhook_events import Catalogue


def _subscription_service(container: Any) -> SubscriptionService:
    """The subscription service, whose subscriptions grant their product's benefits when they
    start (by job, one per benefit, scoped to the subscription: the benefit grants module)."""
    service = SubscriptionService(clock=container.clock())

    async def grant(uow: Any, subscription: Subscription, product: Product) -> None:
        container.benefit_grant_service().enqueue_grants(
            uow,
            customer_id=subscription.customer_id,
            benefit_ids=[benefit.id for benefit in product.benefits],
            subscription_id=subscription.id,
        )

    service.on_started(grant)
    return service


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "subscription_service": providers.Singleton(_subscription_service, container=c.__self__)
    }


def _events(catalogue: Catalogue, container: Any) -> None:
    service: SubscriptionService = container.subscription_service()
    files: FileUseCases = container.file_service()

    async def load(uow: Any, id: uuid.UUID) -> SubscriptionView | None:
        subscription = await uow.subscriptions.get_including_deleted(id)
        return None if subscription is None else await service.view(uow, subscription)

    def render(view: SubscriptionView) -> Wire:
        return subscription_wire(view, files.public_url)

    catalogue.register(
        [SUBSCRIPTION_CREATED, SUBSCRIPTION_ACTIVE, SUBSCRIPTION_UPDATED],
        argument="subscription_id",
        load=load,
        render=render,
        organization_of=lambda view: view.subscription.organization_id,
    )


module = Module(
    name="subscriptions",
    scopes=(Scope.subscriptions_read, Scope.subscriptions_write),
    repositories={
        "subscriptions": Repository(
            SqlAlchemySubscriptionRepository, InMemorySubscriptionRepository
        )
    },
    services=_services,
    routers=(endpoints.router,),
    events=_events,
)
