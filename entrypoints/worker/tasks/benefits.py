"""Benefit event jobs: `benefit.created`, `benefit.updated`.

For now each only records, at INFO, that the event happened: the webhooks module delivers them
to the organization's endpoints (`benefit.*` events).
"""

from __future__ import annotations

import logging

from taskiq import AsyncBroker

from adapters.taskiq.broker import Priority
from application.benefits.service import BENEFIT_CREATED, BENEFIT_UPDATED
from entrypoints.container import Container

log = logging.getLogger("meridian.jobs.benefits")


def register(broker: AsyncBroker, container: Container) -> None:
    @broker.task(task_name=BENEFIT_CREATED, priority=Priority.low.value, timeout=60)
    async def benefit_created(benefit_id: str) -> None:
        log.info("%s recorded for benefit %s", BENEFIT_CREATED, benefit_id)

    @broker.task(task_name=BENEFIT_UPDATED, priority=Priority.low.value, timeout=60)
    async def benefit_updated(benefit_id: str) -> None:
        log.info("%s recorded for benefit %s", BENEFIT_UPDATED, benefit_id)
