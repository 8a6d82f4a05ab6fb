"""Product event jobs: `product.created`, `product.updated`.

For now each only records, at INFO, that the event happened: the webhooks module will deliver
them to the organization's endpoints (`product.*` events).
"""

from __future__ import annotations

import logging

from taskiq import AsyncBroker

from adapters.taskiq.broker import Priority
from application.products.service import PRODUCT_CREATED, PRODUCT_UPDATED
from entrypoints.container import Container

log = logging.getLogger("meridian.jobs.products")


def register(broker: AsyncBroker, container: Container) -> None:
    @broker.task(task_name=PRODUCT_CREATED, priority=Priority.low.value, timeout=60)
    async def product_created(product_id: str) -> None:
        log.info("%s recorded for product %s", PRODUCT_CREATED, product_id)

    @broker.task(task_name=PRODUCT_UPDATED, priority=Priority.low.value, timeout=60)
    async def product_updated(product_id: str) -> None:
        log.info("%s recorded for product %s", PRODUCT_UPDATED, product_id)
