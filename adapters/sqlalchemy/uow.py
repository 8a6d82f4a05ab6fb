"""The SQLAlchemy unit of work: one connection, one transaction, the repositories and the outbox."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

from sqlalchemy import DateTime, String, Uuid, any_, bindparam, insert, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from adapters.sqlalchemy.engine import ConnectionSource, begin
from adapters.sqlalchemy.kit.direct import execute_direct, in_transactions
from adapters.sqlalchemy.kit.repository import for_driver, write
from adapters.sqlalchemy.kit.statements import Cached
from adapters.sqlalchemy.tables import outbox
from application.ports import Clock, Job, JobArgument, JobQueue

log = logging.getLogger("meridian.uow")


# The outbox rows of a commit whose jobs include webhook events, in one statement: a webhook
# event's row is written only when an enabled endpoint of its organization subscribes to it
# (what its fan-out job would look up first, and then stop at), so that an organization without
# webhooks pays no job for them. A job without a valid organization is always written.
_OUTBOX_INSERT_SUBSCRIBED = text(
    """
    INSERT INTO outbox (id, job_name, arguments, request_id, created_at)
    SELECT v.id, v.job_name, v.arguments, v.request_id, v.created_at
    FROM jsonb_to_recordset(CAST(CAST(:rows AS text) AS jsonb)) AS v(
        id uuid, job_name text, arguments jsonb, request_id text, created_at timestamptz,
        organization_id uuid
    )
    WHERE v.organization_id IS NULL
       OR NOT (v.job_name = ANY(:webhook_events))
       OR EXISTS (
            SELECT 1 FROM webhook_endpoints e
            WHERE e.organization_id = v.organization_id
              AND e.enabled
              AND e.deleted_at IS NULL
              AND v.job_name = ANY(e.events)
       )
    RETURNING id
    """
).bindparams(bindparam("webhook_events", type_=ARRAY(String)))
_SUBSCRIBED: Cached[Any] = Cached(_OUTBOX_INSERT_SUBSCRIBED, None)


def _organization_of(job: Job) -> str | None:
    value = job.arguments.get("organization_id")
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


# The outbox rows of a commit's jobs (one statement for any number of them).
_OUTBOX_INSERT: Cached[Any] = Cached(insert(outbox), None)
# Marks sent jobs; built once (a statement built per call costs more than running it).
_MARK_SENT = (
    update(outbox)
    .where(outbox.c.id == any_(bindparam("sent", type_=ARRAY(Uuid))))
    .values(dispatched_at=bindparam("at", type_=DateTime(timezone=True)))
)
# The same for the driver, run as a statement of its own (see `execute_direct`).
MARK_SENT_SQL = "UPDATE outbox SET dispatched_at = $1 WHERE id = ANY($2::uuid[])"


async def dispatch(
    connection: AsyncConnection, queue: JobQueue, jobs: list[Job], clock: Clock
) -> None:
    """Send committed outbox jobs, then mark them sent. A failure leaves them to the relay.

    The mark is one statement outside any transaction, on the driver: one round trip after
    the commit instead of three (begin, update, commit) through SQLAlchemy.
    """
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
        if connection.in_transaction() or not await execute_direct(
            connection, MARK_SENT_SQL, clock.now(), sent
        ):
            transaction = await begin(connection)
            await connection.execute(_MARK_SENT, {"sent": sent, "at": clock.now()})
            await transaction.commit()
    except Exception:
        log.warning("could not mark %d outbox rows as sent", len(sent), exc_info=True)


# How a repository is built for a unit of work: SQL repositories take its connection, the
# clock, and whether cached reads may go straight to the driver (see DirectRead).
SqlRepositoryFactory = Callable[..., Any]


class SqlAlchemyUnitOfWork:
    """Repositories sharing one connection and transaction.

    A repository is built when the unit of work is first asked for it (`uow.products`), from
    the factories the modules registered: a request pays only for the repositories it uses.
    """

    def __init__(
        self,
        connection: AsyncConnection,
        clock: Clock,
        queue: JobQueue,
        repositories: Mapping[str, SqlRepositoryFactory],
        *,
        read_only: bool,
        direct_reads: bool = True,
        webhook_events: frozenset[str] = frozenset(),
    ) -> None:
        self.connection = connection
        self.clock = clock
        self.queue = queue
        self.read_only = read_only
        # Job names that are webhook events (see _OUTBOX_INSERT_SUBSCRIBED).
        self._webhook_events = webhook_events
        self._direct_reads = read_only and direct_reads
        # Write units of work run cached statements on the driver too, in their transaction.
        self._direct_writes = not read_only and direct_reads and in_transactions()
        self._repositories = repositories
        self._transaction: AsyncTransaction | None = None
        self._jobs: list[Job] = []
        self.committed = False

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set yet: a repository's first use.
        factory = self._repositories.get(name)
        if factory is None:
            raise AttributeError(f"no repository named {name!r} is registered")
        # A read-only unit of work reads cached statements directly through the driver (unless
        # the factory was told not to: MERIDIAN_DIRECT_READS).
        repository = factory(
            self.connection,
            self.clock,
            direct_reads=self._direct_reads,
            direct_writes=self._direct_writes,
        )
        setattr(self, name, repository)
        return repository

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
            jobs = await self._write_outbox(jobs)
        await self._transaction.commit()
        self._transaction = None
        self.committed = True
        if jobs:
            await dispatch(self.connection, self.queue, jobs, self.clock)
        # Later writes in the same unit of work get a fresh transaction.
        self._transaction = await begin(self.connection)

    async def _write_outbox(self, jobs: list[Job]) -> list[Job]:
        """Write `jobs`' outbox rows in the transaction; the jobs written (all but webhook
        events no endpoint subscribes to)."""
        now = self.clock.now()
        if not any(job.name in self._webhook_events for job in jobs):
            rows = [
                {
                    "id": job.id,
                    "job_name": job.name,
                    "arguments": dict(job.arguments),
                    "request_id": job.request_id,
                    "created_at": now,
                }
                for job in jobs
            ]
            await write(self.connection, _OUTBOX_INSERT, rows, direct=self._direct_writes)
            return jobs
        document = json.dumps(
            [
                {
                    "id": str(job.id),
                    "job_name": job.name,
                    "arguments": dict(job.arguments),
                    "request_id": job.request_id,
                    "created_at": now.isoformat(),
                    "organization_id": _organization_of(job),
                }
                for job in jobs
            ]
        )
        params = {"rows": document, "webhook_events": sorted(self._webhook_events)}
        direct = for_driver(_SUBSCRIBED, self.connection) if self._direct_writes else None
        returned: Any
        if direct is not None:
            returned = await direct.fetch(self.connection, params, in_transaction=True)
        else:
            returned = await self.connection.execute(_SUBSCRIBED.statement, params)
        written = {row[0] for row in returned}
        return [job for job in jobs if job.id in written]

    async def rollback(self) -> None:
        self._jobs = []
        if self._transaction is not None and self._transaction.is_active:
            await self._transaction.rollback()
        self._transaction = None

    async def close(self) -> None:
        await self.rollback()


class _UnitOfWorkScope:
    """`async with factory.read()/write() as uow`: a connection, a unit of work on it, and on
    leaving, the unit of work closed (uncommitted work rolled back) and the connection returned.

    A plain class rather than a generator-based context manager: this runs on every request.
    """

    __slots__ = ("_connection", "_factory", "_uow", "_write")

    def __init__(self, factory: SqlAlchemyUnitOfWorkFactory, *, write: bool) -> None:
        self._factory = factory
        self._write = write
        self._connection: AbstractAsyncContextManager[AsyncConnection] | None = None
        self._uow: SqlAlchemyUnitOfWork | None = None

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        factory = self._factory
        connection_scope = factory.source.connect(write=self._write)
        connection = await connection_scope.__aenter__()
        self._connection = connection_scope
        try:
            uow = SqlAlchemyUnitOfWork(
                connection,
                factory.clock,
                factory.queue,
                factory.repositories,
                read_only=not self._write,
                direct_reads=factory.direct_reads,
                webhook_events=factory.webhook_events if self._write else frozenset(),
            )
            await uow.begin()
        except BaseException as error:
            await connection_scope.__aexit__(type(error), error, error.__traceback__)
            raise
        self._uow = uow
        return uow

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._connection is not None and self._uow is not None
        try:
            await self._uow.close()
        finally:
            await self._connection.__aexit__(exc_type, exc, traceback)


class SqlAlchemyUnitOfWorkFactory:
    def __init__(
        self,
        source: ConnectionSource,
        clock: Clock,
        queue: JobQueue,
        *,
        repositories: Mapping[str, SqlRepositoryFactory],
        direct_reads: bool = True,
        webhook_events: Callable[[], frozenset[str]] | None = None,
    ) -> None:
        self.source = source
        self.clock = clock
        self.queue = queue
        self.repositories = repositories
        self.direct_reads = direct_reads
        # The webhook event types (job names whose only task is a fan-out), asked once on
        # first use: the catalogue is built from the modules' services.
        self._webhook_events = webhook_events
        self._webhook_event_names: frozenset[str] | None = None

    @property
    def webhook_events(self) -> frozenset[str]:
        if self._webhook_event_names is None:
            names = self._webhook_events() if self._webhook_events is not None else frozenset()
            self._webhook_event_names = names
        return self._webhook_event_names

    def write(self) -> Any:
        return _UnitOfWorkScope(self, write=True)

    def read(self) -> Any:
        return _UnitOfWorkScope(self, write=False)
