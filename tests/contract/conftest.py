from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.memory.store import MemoryStore
from adapters.memory.uow import InMemoryUnitOfWorkFactory
from adapters.sqlalchemy.engine import ConnectionSource
from adapters.sqlalchemy.kit.repository import RepositoryBase
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWorkFactory
from application.auth import MERCHANT_SCOPES, AuthSubject
from application.ports import Clock, JobQueue
from application.uow import UnitOfWork, UnitOfWorkFactory
from domain.membership import MemberRole, Membership
from domain.organization import Organization
from domain.user import User
from entrypoints.container import repositories_for
from entrypoints.modules import MODULES
from tests.harness import SharedConnectionSource


@dataclass
class Adapter:
    name: str
    uows: UnitOfWorkFactory
    clock: FrozenClock
    queue: RecordingJobQueue


def sql_units_of_work(
    source: ConnectionSource, clock: Clock, queue: JobQueue, *, direct_reads: bool = True
) -> SqlAlchemyUnitOfWorkFactory:
    """SQLAlchemy units of work holding every registered module's repositories."""
    repositories = repositories_for(MODULES, "sqlalchemy")
    return SqlAlchemyUnitOfWorkFactory(
        source, clock, queue, repositories=repositories, direct_reads=direct_reads
    )


@pytest.fixture(params=["memory", "sqlalchemy", "sqlalchemy-no-direct"])
def adapter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Adapter:
    """The same contract, run against each repository adapter: memory, SQLAlchemy with direct
    reads (see adapters/sqlalchemy/kit/direct.py) and SQLAlchemy without them.

    A plain (sync) fixture, so that only the SQLAlchemy cases ask for a database connection.
    """
    clock = FrozenClock()
    queue = RecordingJobQueue()
    if request.param == "memory":
        repositories = repositories_for(MODULES, "memory")
        uows = InMemoryUnitOfWorkFactory(MemoryStore(), clock, queue, repositories=repositories)
        return Adapter("memory", uows, clock, queue)
    connection: AsyncConnection = request.getfixturevalue("connection")
    direct = request.param == "sqlalchemy"
    if direct:
        _read_directly_everywhere(monkeypatch)
    source = SharedConnectionSource(connection)
    uows = sql_units_of_work(source, clock, queue, direct_reads=direct)
    return Adapter(request.param, uows, clock, queue)


def _read_directly_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every repository reads directly, and write units of work write directly too.

    Write units of work run their cached statements on the driver in their transaction, as in
    production (`direct_writes`); read-only ones read in autocommit (`direct_reads`). The
    contract mostly reads inside write units of work: here the read-only path is taken there
    too (the test's connection is already inside a transaction, so its direct reads see just
    what SQLAlchemy's would), and the contract checks it on every cached read.
    """
    init = RepositoryBase.__init__

    def reading_directly(
        self: RepositoryBase[Any],
        connection: AsyncConnection,
        clock: Clock,
        *,
        direct_writes: bool = False,
        **_: Any,
    ) -> None:
        init(self, connection, clock, direct_reads=True, direct_writes=direct_writes)

    monkeypatch.setattr(RepositoryBase, "__init__", reading_directly)


async def owned_organization(uow: UnitOfWork, clock: Clock) -> tuple[Organization, AuthSubject]:
    """A new organization with an owner; returns it and the owner as a subject."""
    owner = User(email=f"{uuid.uuid4().hex[:8]}@example.com")
    await uow.users.create(owner)
    organization = Organization.create(
        name="Org", slug=f"org-{uuid.uuid4().hex[:10]}", at=clock.now()
    )
    await uow.organizations.create(organization)
    await uow.memberships.create(
        Membership(user_id=owner.id, organization_id=organization.id, role=MemberRole.owner)
    )
    return organization, AuthSubject.user(owner.id, MERCHANT_SCOPES)
