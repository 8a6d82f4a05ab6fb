"""Webhooks: endpoints, the events other modules' jobs become, and their signed delivery."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dependency_injector import providers

from adapters.http.webhooks import HttpxWebhookSender, SystemAddressResolver
from adapters.memory.webhooks import (
    InMemoryWebhookDeliveryRepository,
    InMemoryWebhookEndpointRepository,
    InMemoryWebhookEventRepository,
)
from adapters.sqlalchemy.repositories.webhooks import (
    SqlAlchemyWebhookDeliveryRepository,
    SqlAlchemyWebhookEndpointRepository,
    SqlAlchemyWebhookEventRepository,
)
from application.webhooks.delivery import DeliveryPolicy, WebhookDeliverer
from application.webhooks.guard import UrlGuard
from application.webhooks.service import WebhookService
from domain.scopes import Scope
from domain.webhook import RetrySchedule
from entrypoints.http.webhooks import endpoints
from entrypoints.modules.base import Module, Repository
from entrypoints.periodic import PeriodicJob
from entrypoints.settings import Environment, Settings
from entrypoints.webhook_events import build_catalogue
from entrypoints.worker.tasks import webhooks as tasks


def _delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        schedule=RetrySchedule(
            tuple(settings.webhook_retry_delays), jitter=settings.webhook_retry_jitter
        ),
        timeout=settings.webhook_timeout,
        order_wait=settings.webhook_order_wait,
        disable_after=settings.webhook_disable_after,
        archive_after=timedelta(days=settings.webhook_archive_after_days),
    )


def _url_guard(settings: Settings, resolver: SystemAddressResolver) -> UrlGuard:
    return UrlGuard(
        resolver,
        require_https=settings.env is Environment.production,
        allow_loopback=settings.webhook_allow_loopback,
    )


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    resolver = providers.Singleton(SystemAddressResolver)
    guard = providers.Singleton(_url_guard, settings=c.settings, resolver=resolver)
    policy = providers.Singleton(_delivery_policy, settings=c.settings)
    catalogue = providers.Singleton(build_catalogue, modules=c.modules, container=c.__self__)
    sender = providers.Singleton(HttpxWebhookSender, timeout=c.settings.provided.webhook_timeout)
    return {
        "address_resolver": resolver,
        "url_guard": guard,
        "delivery_policy": policy,
        "webhook_catalogue": catalogue,
        "webhook_sender": sender,
        "webhook_service": providers.Singleton(
            WebhookService,
            clock=c.clock,
            catalogue=catalogue,
            guard=guard,
            email=c.email_sender,
            policy=policy,
        ),
        "webhook_deliverer": providers.Singleton(
            WebhookDeliverer,
            uows=c.uow_factory,
            clock=c.clock,
            sender=sender,
            guard=guard,
            policy=policy,
        ),
    }


async def sweep_webhooks(container: Any) -> int:
    """Queue the webhook events that came due (retries, work a dead worker dropped)."""
    service = container.webhook_service()
    async with container.uow_factory().write() as uow:
        count: int = await service.dispatch_due(uow)
        await uow.commit()
    return count


def _periodic(container: Any) -> list[PeriodicJob]:
    settings = container.settings()

    async def sweep() -> None:
        await sweep_webhooks(container)

    async def archive() -> None:
        """Drop the payloads of old finished events."""
        service = container.webhook_service()
        async with container.uow_factory().write() as uow:
            await service.archive(uow)
            await uow.commit()

    return [
        PeriodicJob("webhooks.sweep", settings.webhook_sweep_interval, sweep),
        PeriodicJob("webhooks.archive", 3600.0, archive),
    ]


module = Module(
    name="webhooks",
    scopes=(Scope.webhooks_read, Scope.webhooks_write),
    repositories={
        "webhook_endpoints": Repository(
            SqlAlchemyWebhookEndpointRepository, InMemoryWebhookEndpointRepository
        ),
        "webhook_events": Repository(
            SqlAlchemyWebhookEventRepository, InMemoryWebhookEventRepository
        ),
        "webhook_deliveries": Repository(
            SqlAlchemyWebhookDeliveryRepository, InMemoryWebhookDeliveryRepository
        ),
    },
    services=_services,
    routers=(endpoints.router,),
    tasks=tasks.register,
    periodic=_periodic,
)
