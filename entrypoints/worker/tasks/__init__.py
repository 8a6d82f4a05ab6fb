"""Task registration: each module declares its tasks on the broker built at start-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskiq import AsyncBroker

from adapters.taskiq.broker import HEARTBEAT_JOB, Priority

if TYPE_CHECKING:
    from entrypoints.container import Container


def register_all(broker: AsyncBroker, container: Container) -> None:
    """Every module's tasks (`Module.tasks`), and the queue's own heartbeat."""
    for module in container.modules():
        if module.tasks is not None:
            module.tasks(broker, container)

    @broker.task(task_name=HEARTBEAT_JOB, priority=Priority.low.value, timeout=10)
    async def heartbeat() -> None:
        """Nothing: its arrival lets workers re-claim a dead worker's jobs (see HEARTBEAT_JOB)."""
