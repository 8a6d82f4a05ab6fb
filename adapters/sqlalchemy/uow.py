"""The SQLAlchemy unit of work: one connection, one transaction, the repositories and the outbox."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from adapters.sqlalchemy.engine import ConnectionSource
from adapters.sqlalchemy.repositories.discounts import SqlAlchemyDiscountRepository
from adapters.sqlalchemy.repositories.files import SqlAlchemyFileRepository
from adapters.sqlalchemy.repositories.organizations import (
    SqlAlchemyMembershipRepository,
    SqlAlchemyOrganizationRepository,
)
from adapters.sqlalchemy.repositories.products import SqlAlchemyProductRepository
from adapters.sqlalchemy.repositories.tokens import (
    SqlAlchemyOrganizationAccessTokenRepository,
    SqlAlchemyPersonalAccessTokenRepository,
)
from adapters.sqlalchemy.repositories.users import SqlAlchemyUserRepository
from adapters.sqlalchemy.repositories.webhooks import (
    SqlAlchemyWebhookDeliveryRepository,
    SqlAlchemyWebhookEndpointRepository,
    SqlAlchemyWebhookEventRepository,
)
from adapters.sqlalchemy.tables import outbox
from application.ports import Clock, Job, JobArgument, JobQueue

log = logging.getLogger("meridian.uow")


async def begin(connection: AsyncConnection) -> AsyncTransaction:
    """A transaction, or a savepoint when the connection is already inside one (tests)."""
    if connection.in_transaction():
        return await connection.begin_nested()
    return await connection.begin()


async def dispatch(
    connection: AsyncConnection, queue: JobQueue, jobs: list[Job], clock: Clock
) -> None:
    """Send committed outbox jobs, then mark them sent. A failure leaves them to the relay."""
    sent = []
    for job in jobs:
        try:
            await queue.send(job)
        except Exception:
            log.warning(
                "job %s (%s) not sent; the outbox relay will retry", job.name, job.id, exc_info=True
            )
            continue
        sent.append(job.id)
    if not sent:
        return
    try:
        transaction = await begin(connection)
        await connection.execute(
            update(outbox).where(outbox.c.id.in_(sent)).values(dispatched_at=clock.now())
        )
        await transaction.commit()
    except Exception:
        log.warning("could not mark %d outbox rows as sent", len(sent), exc_info=True)


class SqlAlchemyUnitOfWork:
    def __init__(
        self, connection: AsyncConnection, clock: Clock, queue: JobQueue, *, read_only: bool
    ) -> None:
        self.connection = connection
        self.clock = clock
        self.queue = queue
        self.read_only = read_only
        self._transaction: AsyncTransaction | None = None
        self._jobs: list[Job] = []
        self.committed = False
        self.users = SqlAlchemyUserRepository(connection, clock)
        self.organizations = SqlAlchemyOrganizationRepository(connection, clock)
        self.memberships = SqlAlchemyMembershipRepository(connection, clock)
        self.personal_access_tokens = SqlAlchemyPersonalAccessTokenRepository(connection, clock)
        self.organization_access_tokens = SqlAlchemyOrganizationAccessTokenRepository(
            connection, clock
        )
        self.discounts = SqlAlchemyDiscountRepository(connection, clock)
        self.files = SqlAlchemyFileRepository(connection, clock)
        self.products = SqlAlchemyProductRepository(connection, clock)
        self.webhook_endpoints = SqlAlchemyWebhookEndpointRepository(connection, clock)
        self.webhook_events = SqlAlchemyWebhookEventRepository(connection, clock)
        self.webhook_deliveries = SqlAlchemyWebhookDeliveryRepository(connection, clock)

    async def begin(self) -> None:
        # A read-only unit of work relies on autobegin, and its connection's return to the pool
        # ends the transaction; it never holds a savepoint that could outlive a writer's commit.
        if not self.read_only:
            self._transaction = await begin(self.connection)

    def enqueue(self, job_name: str, **arguments: JobArgument) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot enqueue jobs")
        self._jobs.append(Job(name=job_name, arguments=arguments))

    async def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        assert self._transaction is not None
        jobs, self._jobs = self._jobs, []
        if jobs:
            await self.connection.execute(
                insert(outbox),
                [
                    {
                        "id": job.id,
                        "job_name": job.name,
                        "arguments": dict(job.arguments),
                        "created_at": self.clock.now(),
                    }
                    for job in jobs
                ],
            )
        await self._transaction.commit()
        self._transaction = None
        self.committed = True
        if jobs:
            await dispatch(self.connection, self.queue, jobs, self.clock)
        # Later writes in the same unit of work get a fresh transaction.
        self._transaction = await begin(self.connection)

    async def rollback(self) -> None:
        self._jobs = []
        if self._transaction is not None and self._transaction.is_active:
            await self._transaction.rollback()
        self._transaction = None

    async def close(self) -> None:
        await self.rollback()


class SqlAlchemyUnitOfWorkFactory:
    def __init__(self, source: ConnectionSource, clock: Clock, queue: JobQueue) -> None:
        self.source = source
        self.clock = clock
        self.queue = queue

    @asynccontextmanager
    async def _open(self, *, write: bool) -> AsyncIterator[Any]:
        async with self.source.connect(write=write) as connection:
            uow = SqlAlchemyUnitOfWork(connection, self.clock, self.queue, read_only=not write)
            await uow.begin()
            try:
                yield uow
            finally:
                await uow.close()

    def write(self) -> Any:
        return self._open(write=True)

    def read(self) -> Any:
        return self._open(write=False)
