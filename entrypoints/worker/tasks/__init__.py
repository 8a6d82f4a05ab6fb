"""Task registration. Each module registers its tasks on the broker built at start-up."""

from __future__ import annotations

from taskiq import AsyncBroker

from adapters.taskiq.broker import HEARTBEAT_JOB, Priority
from entrypoints.container import Container
from entrypoints.worker.tasks import files as file_tasks
from entrypoints.worker.tasks import organizations, webhooks


def register_all(broker: AsyncBroker, container: Container) -> None:
    organizations.register(broker, container)
    file_tasks.register(broker, container)
    # Also the event jobs of every module in the webhook catalogue (product.*, discount.*…).
    webhooks.register(broker, container)

    @broker.task(task_name=HEARTBEAT_JOB, priority=Priority.low.value, timeout=10)
    async def heartbeat() -> None:
        """Nothing: its arrival lets workers re-claim a dead worker's jobs (see HEARTBEAT_JOB)."""
