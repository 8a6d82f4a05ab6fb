from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.memory.store import MemoryStore
from adapters.memory.uow import InMemoryUnitOfWorkFactory
from adapters.sqlalchemy.engine import ConnectionSource
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
    source: ConnectionSource, clock: Clock, queue: JobQueue
) -> SqlAlchemyUnitOfWorkFactory:
    """SQLAlchemy units of work holding every registered module's repositories."""
    repositories = repositories_for(MODULES, "sqlalchemy")
    return SqlAlchemyUnitOfWorkFactory(source, clock, queue, repositories=repositories)


@pytest.fixture(params=["memory", "sqlalchemy"])
def adapter(request: pytest.FixtureRequest) -> Adapter:
    """The same contract, run against each repository adapter.

    A plain (sync) fixture, so that only the SQLAlchemy case asks for a database connection.
    """
    clock = FrozenClock()
    queue = RecordingJobQueue()
    repositories = repositories_for(MODULES, request.param)
    if request.param == "memory":
        uows = InMemoryUnitOfWorkFactory(MemoryStore(), clock, queue, repositories=repositories)
        return Adapter("memory", uows, clock, queue)
    connection: AsyncConnection = request.getfixturevalue("connection")
    uows = sql_units_of_work(SharedConnectionSource(connection), clock, queue)
    return Adapter("sqlalchemy", uows, clock, queue)


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
