"""The webhook repository contract, on every adapter: round trips, tenancy, idempotent event
insertion, claiming in order with leases, the sweeper's dispatch, archiving and the delivery
log's filters. Plus, on PostgreSQL, two workers claiming at once never get the same event, and
a fan-out that counts on a running delivery job is never left behind by it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.email.log import LoggingEmailSender
from adapters.http.webhooks import SystemAddressResolver
from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.sqlalchemy.engine import EngineConnectionSource
from adapters.sqlalchemy.tables import organizations, users
from application.auth import MERCHANT_SCOPES, AuthSubject
from application.kit.pagination import PaginationParams
from application.uow import UnitOfWork, UnitOfWorkFactory
from application.webhooks.delivery import WEBHOOK_DELIVER, WebhookDeliverer
from application.webhooks.fan_out import FannedOut
from application.webhooks.guard import UrlGuard
from application.webhooks.ports import DeliveryFilters, Rendered
from application.webhooks.service import WebhookService
from domain.organization import Organization
from domain.webhook import (
    AttemptOutcome,
    EventStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookFormat,
    generate_secret,
)
from tests.contract.conftest import Adapter, owned_organization, sql_units_of_work

ALL = PaginationParams(page=1, limit=100)
LEASE = timedelta(seconds=30)


async def _endpoint(
    uow: UnitOfWork, clock: FrozenClock, organization: Organization, **fields: Any
) -> WebhookEndpoint:
    values: dict[str, Any] = {
        "url": "https://93.184.216.34/hook",
        "format": WebhookFormat.raw,
        "events": ["product.updated"],
        **fields,
    }
    endpoint = WebhookEndpoint(
        created_at=clock.now(),
        organization_id=organization.id,
        secret=generate_secret(),
        **values,
    )
    await uow.webhook_endpoints.create(endpoint)
    clock.advance(timedelta(seconds=1))
    return endpoint


def _event(clock: FrozenClock, endpoint: WebhookEndpoint, **fields: Any) -> WebhookEvent:
    values: dict[str, Any] = {
        "type": "product.updated",
        "payload": '{"type":"product.updated"}',
        "next_attempt_at": clock.now(),
        **fields,
    }
    event = WebhookEvent(
        created_at=clock.now(),
        endpoint_id=endpoint.id,
        organization_id=endpoint.organization_id,
        **values,
    )
    clock.advance(timedelta(seconds=1))
    return event


async def test_endpoints_round_trip_with_tenancy(adapter: Adapter) -> None:
    clock = adapter.clock
    async with adapter.uows.write() as uow:
        mine, me = await owned_organization(uow, clock)
        theirs, them = await owned_organization(uow, clock)
        endpoint = await _endpoint(uow, clock, mine, name="Main", events=["a.b", "product.updated"])
        other = await _endpoint(uow, clock, theirs)
        assert await uow.webhook_endpoints.get(endpoint.id) == endpoint
        assert await uow.webhook_endpoints.get_readable(me, endpoint.id) == endpoint
        assert await uow.webhook_endpoints.get_readable(me, other.id) is None
        itself = AuthSubject.organization(mine.id, MERCHANT_SCOPES)
        assert await uow.webhook_endpoints.get_readable(itself, endpoint.id) == endpoint
        newer = await _endpoint(uow, clock, mine)
        page = await uow.webhook_endpoints.list_readable(me, pagination=ALL)
        assert [e.id for e in page.items] == [newer.id, endpoint.id]
        page = await uow.webhook_endpoints.list_readable(
            me, organization_ids=[theirs.id], pagination=ALL
        )
        assert page.items == []
        assert (await uow.webhook_endpoints.list_readable(them, pagination=ALL)).total_count == 1
        endpoint.soft_delete(clock.now())
        await uow.webhook_endpoints.update(endpoint)
        assert await uow.webhook_endpoints.get(endpoint.id) is None


async def test_subscribed_endpoints(adapter: Adapter) -> None:
    clock = adapter.clock
    async with adapter.uows.write() as uow:
        mine, _ = await owned_organization(uow, clock)
        theirs, _ = await owned_organization(uow, clock)
        wanted = await _endpoint(uow, clock, mine, events=["order.paid", "product.updated"])
        await _endpoint(uow, clock, mine, events=["order.paid"])
        await _endpoint(uow, clock, mine, enabled=False)
        deleted = await _endpoint(uow, clock, mine)
        deleted.soft_delete(clock.now())
        await uow.webhook_endpoints.update(deleted)
        await _endpoint(uow, clock, theirs)
        found = await uow.webhook_endpoints.list_subscribed(mine.id, "product.updated")
        assert [e.id for e in found] == [wanted.id]


async def test_events_are_added_once_and_read_by_tenant(adapter: Adapter) -> None:
    clock = adapter.clock
    async with adapter.uows.write() as uow:
        mine, me = await owned_organization(uow, clock)
        _, them = await owned_organization(uow, clock)
        endpoint = await _endpoint(uow, clock, mine)
        event = _event(clock, endpoint)
        assert await uow.webhook_events.add_new([event]) == [event]
        assert await uow.webhook_events.add_new([event]) == []
        assert await uow.webhook_events.get(event.id) == event
        assert await uow.webhook_events.get_readable(me, event.id) == event
        assert await uow.webhook_events.get_readable(them, event.id) is None
        idle = await _endpoint(uow, clock, mine)
        await uow.webhook_events.add_new(
            [_event(clock, idle, status=EventStatus.succeeded, next_attempt_at=None)]
        )
        assert await uow.webhook_events.endpoints_with_pending([endpoint.id, idle.id]) == {
            endpoint.id
        }


async def test_claims_follow_the_endpoint_order_and_leases(adapter: Adapter) -> None:
    clock = adapter.clock
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, clock)
        endpoint = await _endpoint(uow, clock, organization)
        elsewhere = await _endpoint(uow, clock, organization)
        first, second = _event(clock, endpoint), _event(clock, endpoint)
        foreign = _event(clock, elsewhere)
        await uow.webhook_events.add_new([second, first, foreign])
        now = clock.now()
        held = timedelta(seconds=300)
        claimed = await uow.webhook_events.claim_next(endpoint.id, now, now + held, 60)
        assert claimed is not None and claimed.id == first.id
        assert claimed.locked_until == now + held
        # The second waits behind the first, held by a worker, for up to 60 s.
        assert await uow.webhook_events.claim_next(endpoint.id, now, now + LEASE, 60) is None
        later = now + timedelta(seconds=61)
        claimed = await uow.webhook_events.claim_next(endpoint.id, later, later + LEASE, 60)
        assert claimed is not None and claimed.id == second.id
        # The first's lease ran out (its worker died): it may be claimed again.
        after = now + held + timedelta(seconds=1)
        claimed = await uow.webhook_events.claim_next(endpoint.id, after, after + LEASE, 60)
        assert claimed is not None and claimed.id == first.id
        # Another endpoint's events are its own queue.
        claimed = await uow.webhook_events.claim_next(elsewhere.id, now, now + LEASE, 60)
        assert claimed is not None and claimed.id == foreign.id
        await uow.commit()


async def test_not_due_or_finished_events_are_not_claimed(adapter: Adapter) -> None:
    clock = adapter.clock
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, clock)
        endpoint = await _endpoint(uow, clock, organization)
        done = _event(clock, endpoint, status=EventStatus.succeeded, next_attempt_at=None)
        later = _event(clock, endpoint, next_attempt_at=clock.now() + timedelta(hours=1))
        await uow.webhook_events.add_new([done, later])
        now = clock.now()
        assert await uow.webhook_events.claim_next(endpoint.id, now, now + LEASE, 0) is None
        hour = now + timedelta(hours=1)
        claimed = await uow.webhook_events.claim_next(endpoint.id, hour, hour + LEASE, 0)
        assert claimed is not None and claimed.id == later.id


async def test_dispatch_due_marks_what_it_queues(adapter: Adapter) -> None:
    clock = adapter.clock
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, clock)
        one = await _endpoint(uow, clock, organization)
        two = await _endpoint(uow, clock, organization)
        await uow.webhook_events.add_new(
            [
                _event(clock, one),
                _event(clock, one),
                _event(clock, two, next_attempt_at=clock.now() + timedelta(hours=1)),
            ]
        )
        now = clock.now()
        assert await uow.webhook_events.dispatch_due(now, now - LEASE, 100) == [one.id]
        assert await uow.webhook_events.dispatch_due(now, now - LEASE, 100) == []
        hour = now + timedelta(hours=1)
        assert set(await uow.webhook_events.dispatch_due(hour, hour - LEASE, 100)) == {
            one.id,
            two.id,
        }


async def test_archive_drops_old_finished_payloads(adapter: Adapter) -> None:
    clock = adapter.clock
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, clock)
        endpoint = await _endpoint(uow, clock, organization)
        old = _event(clock, endpoint, status=EventStatus.succeeded, next_attempt_at=None)
        pending = _event(clock, endpoint)
        clock.advance(timedelta(days=10))
        recent = _event(clock, endpoint, status=EventStatus.failed, next_attempt_at=None)
        await uow.webhook_events.add_new([old, pending, recent])
        assert await uow.webhook_events.archive_before(clock.now() - timedelta(days=5)) == 1
        archived = await uow.webhook_events.get(old.id)
        assert archived is not None and (archived.payload, archived.is_archived) == (None, True)
        kept = await uow.webhook_events.get(pending.id)
        assert kept is not None and kept.payload is not None


async def test_delivery_log_filters_and_tenancy(adapter: Adapter) -> None:
    clock = adapter.clock
    async with adapter.uows.write() as uow:
        mine, me = await owned_organization(uow, clock)
        theirs, them = await owned_organization(uow, clock)
        endpoint = await _endpoint(uow, clock, mine)
        other = await _endpoint(uow, clock, theirs)
        created = _event(clock, endpoint, type="product.created", payload='{"name":"Alpha"}')
        updated = _event(clock, endpoint)
        foreign = _event(clock, other)
        await uow.webhook_events.add_new([created, updated, foreign])
        for event, code in [(created, 500), (created, 200), (updated, None), (foreign, 200)]:
            await uow.webhook_deliveries.create(
                WebhookDelivery(
                    created_at=clock.now(),
                    event_id=event.id,
                    endpoint_id=event.endpoint_id,
                    organization_id=event.organization_id,
                    succeeded=code == 200,
                    http_code=code,
                    response="refused" if code is None else "body",
                )
            )
            clock.advance(timedelta(seconds=1))

        async def codes(subject: AuthSubject, **filters: Any) -> list[int | None]:
            page = await uow.webhook_deliveries.list_readable(
                subject, DeliveryFilters(**filters), pagination=ALL
            )
            assert page.total_count == len(page.items)
            return [d.http_code for d, _ in page.items]

        assert await codes(me) == [None, 200, 500]  # newest first
        assert await codes(them) == [200]
        assert await codes(me, succeeded=True) == [200]
        assert await codes(me, http_code_class="5xx") == [500]
        assert await codes(me, event_types=["product.created"]) == [200, 500]
        assert await codes(me, endpoint_ids=[other.id]) == []
        assert await codes(me, query="alpha") == [200, 500]
        assert await codes(me, query="REFUSED") == [None]
        assert await codes(me, start=clock.now() - timedelta(seconds=2)) == [None]
        page = await uow.webhook_deliveries.list_readable(
            me, DeliveryFilters(), pagination=PaginationParams(page=2, limit=2)
        )
        assert (page.total_count, [d.http_code for d, _ in page.items]) == (3, [500])
        assert page.items[0][1].id == created.id


async def test_two_workers_never_claim_the_same_event(engine: AsyncEngine) -> None:
    """Real concurrent transactions on PostgreSQL (committed, then cleaned up)."""
    clock = FrozenClock()
    uows = sql_units_of_work(EngineConnectionSource(engine), clock, RecordingJobQueue())
    async with uows.write() as uow:
        organization, subject = await owned_organization(uow, clock)
        endpoints = [await _endpoint(uow, clock, organization) for _ in range(3)]
        events = [_event(clock, endpoint) for endpoint in endpoints for _ in range(5)]
        await uow.webhook_events.add_new(events)
        await uow.commit()
    try:
        now = clock.now()
        claimed: list[uuid.UUID] = []

        async def worker(endpoint: WebhookEndpoint) -> None:
            while True:
                async with uows.write() as uow:
                    # order_wait 0: every due event is sendable, so only locks keep them apart.
                    event = await uow.webhook_events.claim_next(endpoint.id, now, now + LEASE, 0)
                    await asyncio.sleep(0.01)  # hold the row lock while the other one tries
                    await uow.commit()
                if event is None:
                    return
                claimed.append(event.id)

        await asyncio.gather(*(worker(e) for e in endpoints for _ in range(4)))
        assert sorted(claimed) == sorted(e.id for e in events)
        assert len(set(claimed)) == len(claimed)
    finally:
        await _remove(engine, organization, subject)


async def _remove(engine: AsyncEngine, organization: Organization, owner: AuthSubject) -> None:
    """Delete what a test committed (its endpoints, events and deliveries go with it)."""
    assert owner.id is not None
    async with engine.begin() as connection:
        await connection.execute(delete(organizations).where(organizations.c.id == organization.id))
        await connection.execute(delete(users).where(users.c.id == owner.id))


class _Catalogue:
    """Renders any resource as belonging to one organization."""

    def __init__(self, organization_id: uuid.UUID) -> None:
        self.organization_id = organization_id

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset({"product.updated"})

    async def render(self, uow: UnitOfWork, event_type: str, resource_id: uuid.UUID) -> Rendered:
        return Rendered(self.organization_id, {"id": str(resource_id)})


class _HeldSender:
    """Holds requests until `answer` is set; records every body."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.sending = asyncio.Event()
        self.answer = asyncio.Event()

    async def send(
        self, url: str, headers: Any, body: bytes, *, address: str | None = None
    ) -> AttemptOutcome:
        self.bodies.append(body)
        self.sending.set()
        await self.answer.wait()
        return AttemptOutcome(200, "ok")


class _TickingClock(FrozenClock):
    """A millisecond later on every reading: who reads it first gets the earlier time."""

    def now(self) -> datetime:
        self.advance(timedelta(milliseconds=1))
        return self.at


@dataclass
class _Webhooks:
    """Fan-outs and deliveries on PostgreSQL, in committed transactions, to one endpoint whose
    receiver is `sender`. A fan-out emitted with `held=True` stops once it has looked for the
    endpoint's pending events (`checked`), until `resume` is set."""

    uows: UnitOfWorkFactory
    queue: RecordingJobQueue
    organization: Organization
    endpoint: WebhookEndpoint
    service: WebhookService
    deliverer: WebhookDeliverer
    sender: _HeldSender
    checked: asyncio.Event = field(default_factory=asyncio.Event)
    resume: asyncio.Event = field(default_factory=asyncio.Event)

    async def emit(self, resource: uuid.UUID, *, held: bool = False) -> FannedOut:
        async with self.uows.write() as uow:
            if held:
                events = uow.webhook_events
                look = events.endpoints_with_pending

                async def look_then_wait(ids: Any) -> set[uuid.UUID]:
                    found: set[uuid.UUID] = await look(ids)
                    self.checked.set()
                    await self.resume.wait()
                    return found

                events.endpoints_with_pending = look_then_wait
            fanned = await self.service.fan_out(
                uow, "product.updated", resource, str(resource), self.organization.id
            )
            await uow.commit()
        return fanned


@asynccontextmanager
async def _webhooks(engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[_Webhooks]:
    queue = RecordingJobQueue()
    uows = sql_units_of_work(EngineConnectionSource(engine), clock, queue)
    async with uows.write() as uow:
        organization, owner = await owned_organization(uow, clock)
        endpoint = await _endpoint(uow, clock, organization)
        await uow.commit()
    guard = UrlGuard(SystemAddressResolver(), require_https=False, allow_loopback=False)
    service = WebhookService(clock, _Catalogue(organization.id), guard, LoggingEmailSender())
    sender = _HeldSender()
    deliverer = WebhookDeliverer(uows, clock, sender, guard)
    world = _Webhooks(uows, queue, organization, endpoint, service, deliverer, sender)
    try:
        yield world
    finally:
        world.resume.set()
        sender.answer.set()
        await _remove(engine, organization, owner)


async def test_a_fan_out_counting_on_a_running_delivery_job_is_not_left_behind(
    engine: AsyncEngine,
) -> None:
    """The fan-out queues no job for an endpoint with a pending event: the job sending that
    event takes the new one in turn. Here the fan-out sees the event pending just before the
    job records it and finds nothing more to claim; the new event is sent all the same, by
    that job or by one queued for it, without waiting for the sweeper."""
    async with _webhooks(engine, FrozenClock()) as world:
        first = await world.emit(uuid.uuid4())
        assert first.idle == (world.endpoint.id,)
        jobs = len(world.queue.sent)
        delivering = asyncio.create_task(world.deliverer.deliver_each(first.idle))
        await world.sender.sending.wait()
        fanning = asyncio.create_task(world.emit(uuid.uuid4(), held=True))
        await world.checked.wait()  # the fan-out saw the first event pending
        world.sender.answer.set()  # the job records it and looks for the next one
        await asyncio.wait([delivering], timeout=0.5)
        world.resume.set()  # the fan-out stores its event and commits
        second = await fanning
        await delivering
        # What a worker would do next: send to the endpoints the fan-out found idle, and run
        # the jobs queued meanwhile.
        await world.deliverer.deliver_each(second.idle)
        for job in world.queue.sent[jobs:]:
            if job.name == WEBHOOK_DELIVER:
                await world.deliverer.deliver(uuid.UUID(str(job.arguments["endpoint_id"])))
        assert len(world.sender.bodies) == 2


async def test_events_of_an_endpoint_become_visible_in_their_order(engine: AsyncEngine) -> None:
    """Two fan-outs for one endpoint at once: the one that began first commits last. A delivery
    job running in between must not send the newer event before the older one exists (it would
    then send the older one second)."""
    async with _webhooks(engine, _TickingClock()) as world:
        world.sender.answer.set()
        older, newer = uuid.uuid4(), uuid.uuid4()
        first = asyncio.create_task(world.emit(older, held=True))
        await world.checked.wait()
        second = asyncio.create_task(world.emit(newer))
        await asyncio.wait([second], timeout=0.5)
        # A job sends whatever it finds now (or waits for the first fan-out).
        delivering = asyncio.create_task(world.deliverer.deliver(world.endpoint.id))
        await asyncio.wait([delivering], timeout=0.5)
        world.resume.set()
        await asyncio.gather(first, second, delivering)
        await world.deliverer.deliver(world.endpoint.id)
        sent = [json.loads(body)["data"]["id"] for body in world.sender.bodies]
        assert sent == [str(older), str(newer)]
