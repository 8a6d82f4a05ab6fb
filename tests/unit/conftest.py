"""Use-case tests: the real container, wired with the memory adapters, a frozen clock and a
queue that records what it is sent. No I/O."""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.memory.storage import InMemoryObjectStorage
from entrypoints.container import Container
from entrypoints.settings import Adapters, Environment, Settings
from tests.harness import Seeder, Tenant

__all__ = ["Harness", "Tenant", "memory_container"]

TEST_SECRET = "unit-test-secret"


def memory_container(**settings: Any) -> Container:
    """The app's container on the memory adapters. Credentials are looked up every time unless
    `auth_cache_ttl` says otherwise."""
    container = Container()
    values: dict[str, Any] = {
        "env": Environment.test,
        "adapters": Adapters.memory,
        "secret": TEST_SECRET,
        "auth_cache_ttl": 0,
        "redis_url": None,
        **settings,
    }
    container.settings.override(providers.Object(Settings(**values)))
    clock = FrozenClock()
    container.clock.override(providers.Object(clock))
    container.job_queue.override(providers.Object(RecordingJobQueue()))
    container.object_storage.override(providers.Object(InMemoryObjectStorage(clock)))
    return container


class Harness(Seeder):
    """The seeder over a memory container, with what the tests look at."""

    def __init__(self, container: Container) -> None:
        super().__init__(
            container.uow_factory(),
            container.user_service(),
            container.organization_service(),
            container.token_service(),
        )
        self.container = container
        self.store = container.memory_store()
        self.clock: FrozenClock = container.clock()
        self.queue: RecordingJobQueue = container.job_queue()
        self.hasher = container.hasher()
        self.usage = container.token_usage()
        self.authentication = container.authentication_service()
        self.bootstrap = container.bootstrap_service()


@pytest.fixture
def harness() -> Harness:
    return Harness(memory_container())
