"""Organization jobs. Thin: ids in, open a unit of work, call the use case, commit."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from taskiq import AsyncBroker

from adapters.taskiq.broker import Priority
from application.organizations.service import ORGANIZATION_DELETED

if TYPE_CHECKING:
    from entrypoints.container import Container

log = logging.getLogger("meridian.jobs.organizations")


def register(broker: AsyncBroker, container: Container) -> None:
    @broker.task(task_name=ORGANIZATION_DELETED, priority=Priority.medium.value, timeout=120)
    async def organization_deleted(organization_id: str) -> None:
        service = container.organization_service()
        async with container.uow_factory().write() as uow:
            revoked = await service.on_deleted(uow, uuid.UUID(organization_id))
            await uow.commit()
        log.info("organization %s deleted: %d access tokens revoked", organization_id, revoked)
