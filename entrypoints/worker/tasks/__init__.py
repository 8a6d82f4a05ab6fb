"""Task registration. Each module registers its tasks on the broker built at start-up."""

from __future__ import annotations

from taskiq import AsyncBroker

from entrypoints.container import Container
from entrypoints.worker.tasks import organizations


def register_all(broker: AsyncBroker, container: Container) -> None:
    organizations.register(broker, container)
