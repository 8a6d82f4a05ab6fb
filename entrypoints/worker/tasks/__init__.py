"""Task registration. Each module registers its tasks on the broker built at start-up."""

from __future__ import annotations

from taskiq import AsyncBroker

from entrypoints.container import Container
from entrypoints.worker.tasks import files as file_tasks
from entrypoints.worker.tasks import organizations, webhooks


def register_all(broker: AsyncBroker, container: Container) -> None:
    organizations.register(broker, container)
    file_tasks.register(broker, container)
    # Also the event jobs of every module in the webhook catalogue (product.*, discount.*…).
    webhooks.register(broker, container)
