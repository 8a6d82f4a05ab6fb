"""Task registration. Each module registers its tasks on the broker built at start-up."""

from __future__ import annotations

from taskiq import AsyncBroker

from entrypoints.container import Container
from entrypoints.worker.tasks import benefits, discounts, organizations, products
from entrypoints.worker.tasks import files as file_tasks


def register_all(broker: AsyncBroker, container: Container) -> None:
    organizations.register(broker, container)
    discounts.register(broker, container)
    file_tasks.register(broker, container)
    products.register(broker, container)
    benefits.register(broker, container)
