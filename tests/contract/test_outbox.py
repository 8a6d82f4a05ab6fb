"""The outbox (SQLAlchemy adapter): a job survives a queue outage and is sent exactly by the relay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.sqlalchemy.engine import EngineConnectionSource
from adapters.sqlalchemy.outbox import OutboxRelay
from adapters.sqlalchemy.tables import outbox
from adapters.sqlalchemy.uow import MARK_SENT_SQL, SqlAlchemyUnitOfWorkFactory
from application.ports import REQUEST_ID
from domain.webhook import WebhookEndpoint, WebhookFormat, generate_secret
from entrypoints.container import repositories_for
from entrypoints.modules import MODULES
from tests.contract.conftest import owned_organization, sql_units_of_work
from tests.harness import SharedConnectionSource, statements_sent


async def test_queue_outage_loses_nothing(connection: AsyncConnection) -> None:
    clock, queue = FrozenClock(), RecordingJobQueue()
    source = SharedConnectionSource(connection)
    uows = sql_units_of_work(source, clock, queue)
    relay = OutboxRelay(source, queue, clock, grace=timedelta(seconds=10))

    queue.failing = True
    async with uows.write() as uow:
        uow.enqueue("organization.deleted", organization_id="abc")
        await uow.commit()  # the commit succeeds although the queue is down
    rows = (await connection.execute(select(outbox))).all()
    assert len(rows) == 1
    assert rows[0].dispatched_at is None
    job_id = rows[0].id

    queue.failing = False
    assert await relay.relay_once() == 0  # still within the grace period: maybe being sent
    clock.advance(timedelta(seconds=11))
    queue.failing = True
    assert await relay.relay_once() == 0  # queue still down: the row stays pending
    queue.failing = False
    assert await relay.relay_once() == 1
    assert [job.id for job in queue.sent] == [job_id]  # the outbox id is the task id
    row = (await connection.execute(select(outbox).where(outbox.c.id == job_id))).one()
    assert row.dispatched_at is not None
    assert row.attempts == 2
    assert await relay.relay_once() == 0

    clock.advance(timedelta(days=8))
    assert await relay.prune() == 1


async def test_the_relay_sends_a_job_with_its_request_id(connection: AsyncConnection) -> None:
    clock, queue = FrozenClock(), RecordingJobQueue()
    source = SharedConnectionSource(connection)
    uows = sql_units_of_work(source, clock, queue)
    queue.failing = True
    token = REQUEST_ID.set("req-outbox")
    try:
        async with uows.write() as uow:
            uow.enqueue("organization.deleted", organization_id="abc")
            await uow.commit()
    finally:
        REQUEST_ID.reset(token)
    queue.failing = False
    clock.advance(timedelta(seconds=11))
    relay = OutboxRelay(source, queue, clock, grace=timedelta(seconds=10))
    assert await relay.relay_once() == 1
    assert [job.request_id for job in queue.sent] == ["req-outbox"]


async def test_dispatched_jobs_are_marked(connection: AsyncConnection) -> None:
    clock, queue = FrozenClock(), RecordingJobQueue()
    uows = sql_units_of_work(SharedConnectionSource(connection), clock, queue)
    async with uows.write() as uow:
        uow.enqueue("organization.deleted", organization_id="a")
        uow.enqueue("organization.deleted", organization_id="b")
        await uow.commit()
    assert len(queue.sent) == 2
    pending = (
        await connection.execute(select(outbox).where(outbox.c.dispatched_at.is_(None)))
    ).all()
    assert pending == []


async def test_a_commit_marks_its_sent_jobs_in_one_statement_of_its_own(
    engine: AsyncEngine,
) -> None:
    """Outside a test's transaction (as in production) the mark is one autocommit statement on
    the driver, after the commit: no begin and commit of its own."""
    clock, queue = FrozenClock(), RecordingJobQueue()
    uows = sql_units_of_work(EngineConnectionSource(engine), clock, queue)
    with statements_sent(engine) as sent:
        async with uows.write() as uow:
            uow.enqueue("organization.deleted", organization_id="marked-at-once")
            await uow.commit()
    try:
        assert [s.sql for s in sent if "dispatched_at" in s.sql] == [MARK_SENT_SQL]
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(outbox.c.dispatched_at).where(outbox.c.id == queue.sent[0].id)
            )
            assert rows.scalar_one() is not None
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                delete(outbox).where(outbox.c.id.in_(j.id for j in queue.sent))
            )


async def test_webhook_events_no_endpoint_subscribes_to_are_not_written(
    connection: AsyncConnection,
) -> None:
    """A webhook event's job is written (and sent) only when an enabled, live endpoint of its
    organization subscribes to it; every other job is written whatever it carries."""
    clock, queue = FrozenClock(), RecordingJobQueue()
    source = SharedConnectionSource(connection)
    repositories = repositories_for(MODULES, "sqlalchemy")
    uows = SqlAlchemyUnitOfWorkFactory(
        source,
        clock,
        queue,
        repositories=repositories,
        webhook_events=lambda: frozenset({"product.created", "product.updated"}),
    )
    async with uows.write() as uow:
        organization, _ = await owned_organization(uow, clock)
        other, _ = await owned_organization(uow, clock)
        await uow.commit()
    org, elsewhere = str(organization.id), str(other.id)

    async def commit(*jobs: tuple[str, dict[str, str]]) -> list[str]:
        queue.sent.clear()
        async with uows.write() as uow:
            for name, arguments in jobs:
                uow.enqueue(name, **arguments)
            await uow.commit()
        return [job.name for job in queue.sent]

    nobody = await commit(
        ("product.created", {"product_id": "p", "organization_id": org}),
        ("organization.deleted", {"organization_id": org}),
        ("product.updated", {"product_id": "p"}),  # no organization: kept
        ("product.updated", {"product_id": "p", "organization_id": "not-a-uuid"}),
    )
    assert nobody == ["organization.deleted", "product.updated", "product.updated"]
    names = (await connection.execute(select(outbox.c.job_name))).scalars().all()
    assert sorted(names) == ["organization.deleted", "product.updated", "product.updated"]

    endpoint = WebhookEndpoint(
        created_at=clock.now(),
        organization_id=organization.id,
        url="https://example.com/hook",
        format=WebhookFormat.raw,
        secret=generate_secret(),
        events=["product.created"],
    )
    async with uows.write() as uow:
        await uow.webhook_endpoints.create(endpoint)
        await uow.commit()
    subscribed = await commit(
        ("product.created", {"product_id": "p", "organization_id": org}),
        ("product.updated", {"product_id": "p", "organization_id": org}),  # not subscribed
        ("product.created", {"product_id": "p", "organization_id": elsewhere}),
    )
    assert subscribed == ["product.created"]

    endpoint.enabled = False
    async with uows.write() as uow:
        await uow.webhook_endpoints.update(endpoint)
        await uow.commit()
    assert await commit(("product.created", {"product_id": "p", "organization_id": org})) == []
