"""File jobs. Thin: ids in, open a unit of work, call the use case, commit."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from taskiq import AsyncBroker

from adapters.taskiq.broker import Priority
from application.files.service import FILE_DELETED

if TYPE_CHECKING:
    from entrypoints.container import Container


def register(broker: AsyncBroker, container: Container) -> None:
    @broker.task(task_name=FILE_DELETED, priority=Priority.low.value, timeout=300)
    async def file_deleted(file_id: str) -> None:
        service = container.file_service()
        async with container.uow_factory().write() as uow:
            await service.on_deleted(uow, uuid.UUID(file_id))
            await uow.commit()
