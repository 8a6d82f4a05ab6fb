from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.memory.store import MemoryStore
from adapters.memory.uow import InMemoryUnitOfWorkFactory
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWorkFactory
from application.uow import UnitOfWorkFactory
from tests.harness import SharedConnectionSource


@dataclass
class Adapter:
    name: str
    uows: UnitOfWorkFactory
    clock: FrozenClock
    queue: RecordingJobQueue


@pytest.fixture(params=["memory", "sqlalchemy"])
def adapter(request: pytest.FixtureRequest) -> Adapter:
    """The same contract, run against each repository adapter.

    A plain (sync) fixture, so that only the SQLAlchemy case asks for a database connection.
    """
    clock = FrozenClock()
    queue = RecordingJobQueue()
    if request.param == "memory":
        return Adapter(
            "memory", InMemoryUnitOfWorkFactory(MemoryStore(), clock, queue), clock, queue
        )
    connection: AsyncConnection = request.getfixturevalue("connection")
    uows = SqlAlchemyUnitOfWorkFactory(SharedConnectionSource(connection), clock, queue)
    return Adapter("sqlalchemy", uows, clock, queue)
