"""Discount event jobs: `discount.created`, `discount.updated`, `discount.deleted`.

For now each only records, at INFO, that the event happened: the webhooks module will deliver
them to the organization's endpoints (`discount.*` events). They exist already so that the
queue accepts the jobs the discount use cases enqueue, and the outbox can mark them sent.
"""

from __future__ import annotations

import logging

from taskiq import AsyncBroker

from adapters.taskiq.broker import Priority
from application.discounts.service import DISCOUNT_CREATED, DISCOUNT_DELETED, DISCOUNT_UPDATED
from entrypoints.container import Container

log = logging.getLogger("meridian.jobs.discounts")


def register(broker: AsyncBroker, container: Container) -> None:
    @broker.task(task_name=DISCOUNT_CREATED, priority=Priority.low.value, timeout=60)
    async def discount_created(discount_id: str) -> None:
        log.info("%s recorded for discount %s", DISCOUNT_CREATED, discount_id)

    @broker.task(task_name=DISCOUNT_UPDATED, priority=Priority.low.value, timeout=60)
    async def discount_updated(discount_id: str) -> None:
        log.info("%s recorded for discount %s", DISCOUNT_UPDATED, discount_id)

    @broker.task(task_name=DISCOUNT_DELETED, priority=Priority.low.value, timeout=60)
    async def discount_deleted(discount_id: str) -> None:
        log.info("%s recorded for discount %s", DISCOUNT_DELETED, discount_id)
