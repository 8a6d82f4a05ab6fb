"""Webhook jobs.

- one fan-out task per event type in the catalogue (`product.updated`, …): the job a use case
  enqueued becomes one webhook event per subscribed endpoint; the task then sends to the
  endpoints that had nothing pending (the others' jobs take the new events in turn);
- `webhooks.deliver` (endpoint_id): send the endpoint's due events, oldest first;
- `webhooks.endpoint_disabled` (endpoint_id): tell the organization's owners.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from taskiq import AsyncBroker, Context, TaskiqDepends

from adapters.taskiq.broker import Priority
from application.webhooks.delivery import WEBHOOK_DELIVER, WEBHOOK_ENDPOINT_DISABLED
from entrypoints.webhook_events import EventSource

if TYPE_CHECKING:
    from entrypoints.container import Container

log = logging.getLogger("meridian.jobs.webhooks")

# Seconds a job that delivers may run: its time budget (DeliveryPolicy.time_budget) and the
# attempt it started last.
DELIVERY_LIMIT = 300


def _register_fan_out(broker: AsyncBroker, container: Container, source: EventSource) -> None:
    async def fan_out(context: Context = TaskiqDepends(), **arguments: str) -> None:
        resource_id = arguments[source.argument]
        # Jobs enqueued before organization_id was added to them lack it: looked up instead.
        organization_id = arguments.get("organization_id")
        service = container.webhook_service()
        async with container.uow_factory().write() as uow:
            fanned = await service.fan_out(
                uow,
                source.event_type,
                uuid.UUID(resource_id),
                context.message.task_id,
                None if organization_id is None else uuid.UUID(organization_id),
                claim=True,
            )
            await uow.commit()
        log.info(
            "%s recorded for %s %s: %d webhook events",
            source.event_type,
            source.resource,
            resource_id,
            fanned.created,
        )
        # Endpoints with nothing pending are sent to from here, at once, rather than through
        # a job of their own: one hop less between the change and its receiver.
        if fanned.idle:
            await container.webhook_deliverer().deliver_each(fanned.idle, fanned.claimed)

    fan_out.__name__ = f"fan_out_{source.event_type.replace('.', '_')}"
    # As long as a delivery job may run: a fan-out delivers to idle endpoints.
    broker.task(task_name=source.event_type, priority=Priority.low.value, timeout=DELIVERY_LIMIT)(
        fan_out
    )


def register(broker: AsyncBroker, container: Container) -> None:
    for source in container.webhook_catalogue().sources.values():
        _register_fan_out(broker, container, source)

    @broker.task(task_name=WEBHOOK_DELIVER, priority=Priority.medium.value, timeout=DELIVERY_LIMIT)
    async def deliver(endpoint_id: str) -> None:
        await container.webhook_deliverer().deliver(uuid.UUID(endpoint_id))

    @broker.task(task_name=WEBHOOK_ENDPOINT_DISABLED, priority=Priority.medium.value, timeout=60)
    async def endpoint_disabled(endpoint_id: str) -> None:
        service = container.webhook_service()
        async with container.uow_factory().write() as uow:
            told = await service.notify_disabled(uow, uuid.UUID(endpoint_id))
            await uow.commit()
        log.info("webhook endpoint %s disabled: %d owners told", endpoint_id, len(told))
