"""Idempotency-Key on writes, on each store: PostgreSQL (the default), Redis, and the memory
adapters. Each app commits for real (no shared test connection): concurrent requests claim the
key through the store itself."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import delete

from adapters.memory.fakes import RecordingJobQueue
from adapters.memory.idempotency import InMemoryIdempotencyRecords
from adapters.redis.idempotency import RedisIdempotencyStore
from adapters.sqlalchemy.repositories.idempotency import SqlAlchemyIdempotencyRecords
from adapters.sqlalchemy.tables import idempotency_records, outbox
from domain.idempotency import IdempotencyRecord
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Environment, Settings
from tests import services
from tests.api.conftest import TEST_SECRET
from tests.harness import Seeder, ShiftableClock, Tenant
from tests.unit.conftest import memory_container

STORES = ["postgresql", "redis", "memory"]
# The stores that commit a response in the request's own transaction.
TRANSACTIONAL = ["postgresql", "memory"]


@dataclass
class Served:
    store: str
    container: Container
    client: httpx.AsyncClient
    clock: ShiftableClock
    tenant: Tenant

    async def create(self, key: str | None, name: str = "Pro", **headers: str) -> httpx.Response:
        body = {"name": name, "prices": [{"amount_type": "fixed", "price_amount": 900}]}
        return await self.client.post(
            "/v1/products/", json=body, headers=self.headers(key, **headers)
        )

    def headers(self, key: str | None, **extra: str) -> dict[str, str]:
        headers = {**self.tenant.headers("organization"), **extra}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    async def product_names(self) -> list[str]:
        listed = await self.client.get(
            "/v1/products/", params={"limit": 100}, headers=self.headers(None)
        )
        assert listed.status_code == 200, listed.text
        return sorted(item["name"] for item in listed.json()["items"])

    async def start_blocked(
        self, key: str, monkeypatch: pytest.MonkeyPatch
    ) -> tuple[asyncio.Task[httpx.Response], asyncio.Event]:
        """A creation with `key` that has claimed its key and waits, inside the route, until the
        returned event is set (later creations run straight through)."""
        started, release = asyncio.Event(), asyncio.Event()
        service = self.container.product_service()
        create = service.create

        async def blocked(*args: Any, **kwargs: Any) -> Any:
            if not started.is_set():
                started.set()
                await release.wait()
            return await create(*args, **kwargs)

        monkeypatch.setattr(service, "create", blocked)
        first = asyncio.create_task(self.create(key))
        await started.wait()
        return first, release


def _database_container(database_url: str, **settings: Any) -> Container:
    container = Container()
    container.settings.override(
        providers.Object(
            Settings(
                env=Environment.test, database_url=database_url, secret=TEST_SECRET, **settings
            )
        )
    )
    container.job_queue.override(providers.Object(RecordingJobQueue()))
    return container


@pytest.fixture(params=STORES)
async def served(request: pytest.FixtureRequest) -> AsyncIterator[Served]:
    started = datetime.now(UTC)
    if request.param == "memory":
        container = memory_container()
    else:
        database_url: str = request.getfixturevalue("database_url")
        redis: dict[str, Any] = {}
        if request.param == "redis":
            redis = {
                "redis_url": services.redis_url(),
                "idempotency_store": "redis",
                "queue_name": f"meridian-test:{uuid.uuid4().hex}",
            }
        container = _database_container(database_url, **redis)
    clock = ShiftableClock()
    container.clock.override(providers.Object(clock))
    app = create_app(container, manage_runtime=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://meridian.test") as client:
        tenant = await Seeder.of(container).tenant()
        yield Served(request.param, container, client, clock, tenant)
    if request.param != "memory":
        engine = container.write_engine()
        async with engine.begin() as connection:
            await connection.execute(delete(outbox).where(outbox.c.created_at >= started))
            await connection.execute(
                delete(idempotency_records).where(idempotency_records.c.created_at >= started)
            )
        await engine.dispose()
    redis_client = container.request_redis()
    if redis_client is not None:
        await redis_client.aclose()


async def test_a_retry_is_answered_with_the_first_response(served: Served) -> None:
    first = await served.create("order-1")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    retry = await served.create("order-1")
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.headers["content-type"] == "application/json"
    assert retry.content == first.content
    assert await served.product_names() == ["Pro"]


async def test_a_key_used_for_another_request_is_refused(served: Served) -> None:
    first = await served.create("order-2", name="First")
    assert first.status_code == 201
    for response in (
        await served.create("order-2", name="Second"),  # another body
        await served.client.patch(  # another method and path
            f"/v1/products/{first.json()['id']}",
            json={"name": "Renamed"},
            headers=served.headers("order-2"),
        ),
        # The same body for another organization (a user token names it in a header).
        await served.create("order-2", name="First", **{"Polar-Organization": str(uuid.uuid4())}),
    ):
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "IdempotencyKeyMismatch"
    assert await served.product_names() == ["First"]


async def test_the_route_s_client_errors_are_replayed(served: Served) -> None:
    path = f"/v1/products/{uuid.uuid4()}"
    headers = served.headers("rename-missing")
    first = await served.client.patch(path, json={"name": "X"}, headers=headers)
    assert first.status_code == 404
    retry = await served.client.patch(path, json={"name": "X"}, headers=headers)
    assert retry.status_code == 404
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.content == first.content


async def test_a_server_error_is_not_recorded_and_the_retry_runs(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = served.container.product_service()
    create = service.create
    calls = 0

    async def failing_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return await create(*args, **kwargs)

    monkeypatch.setattr(service, "create", failing_once)
    assert (await served.create("flaky")).status_code == 500
    retry = await served.create("flaky")
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert await served.product_names() == ["Pro"]


async def test_a_request_that_failed_validation_is_not_recorded(served: Served) -> None:
    invalid = await served.client.post(
        "/v1/products/", json={"name": "Pro"}, headers=served.headers("fix-me")
    )
    assert invalid.status_code == 422
    assert (await served.create("fix-me")).status_code == 201


async def test_keys_belong_to_their_subject(served: Served) -> None:
    other = await Seeder.of(served.container).tenant()
    mine = await served.create("shared-key")
    theirs = await served.client.post(
        "/v1/products/",
        json={"name": "Theirs", "prices": [{"amount_type": "fixed", "price_amount": 1}]},
        headers={**other.headers("organization"), "Idempotency-Key": "shared-key"},
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "idempotent-replayed" not in theirs.headers


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\tkey"])
async def test_an_invalid_key_is_refused(served: Served, key: str) -> None:
    response = await served.create(key)
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidIdempotencyKey"
    assert await served.product_names() == []
    assert (await served.create("k" * 255)).status_code == 201


async def test_a_retry_while_the_first_runs_is_409(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, release = await served.start_blocked("slow", monkeypatch)
    retry = await served.create("slow")
    assert retry.status_code == 409, retry.text
    assert retry.json()["error"] == "IdempotencyKeyInUse"
    assert retry.headers["retry-after"] == "1"
    release.set()
    assert (await first).status_code == 201
    assert (await served.create("slow")).headers["idempotent-replayed"] == "true"
    assert await served.product_names() == ["Pro"]


async def test_two_identical_requests_at_once_run_once(served: Served) -> None:
    responses = await asyncio.gather(*(served.create("twins") for _ in range(2)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([201, 201], [201, 409]), [r.text for r in responses]
    if statuses == [201, 201]:
        assert [r.headers.get("idempotent-replayed") for r in responses].count("true") == 1
    assert await served.product_names() == ["Pro"]


async def test_a_key_is_forgotten_after_24_hours(served: Served) -> None:
    assert (await served.create("daily")).status_code == 201
    served.clock.offset = timedelta(hours=23, minutes=59)
    assert (await served.create("daily")).headers["idempotent-replayed"] == "true"
    served.clock.offset = timedelta(hours=24, seconds=1)
    again = await served.create("daily")
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert await served.product_names() == ["Pro", "Pro"]


@pytest.mark.parametrize("served", TRANSACTIONAL, indirect=True)
async def test_the_sweep_deletes_expired_keys(served: Served) -> None:
    assert (await served.create("swept")).status_code == 201
    served.clock.offset = timedelta(hours=25)
    assert await served.container.idempotency_service().sweep() >= 1
    served.clock.offset = timedelta(0)
    # Swept: the key is unknown again, though it had not expired for this clock.
    again = await served.create("swept")
    assert "idempotent-replayed" not in again.headers


@pytest.mark.parametrize("served", ["redis"], indirect=True)
async def test_redis_expires_the_keys_itself(served: Served) -> None:
    assert (await served.create("ttl")).status_code == 201
    store = served.container.idempotency_service().store
    redis = served.container.request_redis()
    assert isinstance(store, RedisIdempotencyStore) and redis is not None
    subject = f"organization:{served.tenant.organization.id}"
    ttl = await redis.pttl(store._key(subject, "ttl"))
    assert timedelta(hours=23, minutes=59) < timedelta(milliseconds=ttl) <= timedelta(hours=24)
    assert await served.container.idempotency_service().sweep() == 0


def _records_class(store: str) -> type[Any]:
    return InMemoryIdempotencyRecords if store == "memory" else SqlAlchemyIdempotencyRecords


@pytest.mark.parametrize("served", TRANSACTIONAL, indirect=True)
async def test_the_response_commits_with_the_writes_or_neither_does(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _records_class(served.store)
    complete: Callable[..., Any] = records.complete

    async def failing(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(records, "complete", failing)
    assert (await served.create("atomic")).status_code == 500
    # Recording the response failed, so the product was not committed either.
    assert await served.product_names() == []
    monkeypatch.setattr(records, "complete", complete)
    retry = await served.create("atomic")
    assert retry.status_code == 201
    assert await served.product_names() == ["Pro"]


async def test_a_request_past_its_lease_is_taken_over_and_kept_only_once(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first request is presumed dead after its lease (60 s): a retry runs. If the first
    # was only slow, its commit is refused when it ends, and nothing it wrote is kept.
    first, release = await served.start_blocked("stuck", monkeypatch)
    served.clock.offset = timedelta(seconds=61)
    retry = await served.create("stuck")
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    release.set()
    late = await first
    assert late.status_code == 409, late.text
    assert late.json()["error"] == "IdempotencyKeyInUse"
    assert await served.product_names() == ["Pro"]
    replay = await served.create("stuck")
    assert replay.content == retry.content


async def test_a_delete_retried_is_replayed_rather_than_not_found(served: Served) -> None:
    discount = {"name": "Spring", "type": "percentage", "basis_points": 2500, "duration": "once"}
    created = await served.client.post(
        "/v1/discounts/", json=discount, headers=served.headers(None)
    )
    assert created.status_code == 201, created.text
    path = f"/v1/discounts/{created.json()['id']}"
    first = await served.client.delete(path, headers=served.headers("remove"))
    retry = await served.client.delete(path, headers=served.headers("remove"))
    assert (first.status_code, retry.status_code) == (204, 204)
    assert retry.headers["idempotent-replayed"] == "true"
    assert (await served.client.delete(path, headers=served.headers(None))).status_code == 404


async def test_a_recorded_secret_is_sealed_where_it_is_stored(served: Served) -> None:
    """A customer session's token is issued once and kept only as a digest: the response
    recorded for its key must not keep it readable either (sealed, adapters/sealing.py), and
    the retry still answers it."""
    headers = served.tenant.headers("organization")
    customer = await served.client.post(
        "/v1/customers/", json={"email": "sealed@example.com"}, headers=headers
    )
    assert customer.status_code == 201, customer.text
    body = {"customer_id": customer.json()["id"]}
    first = await served.client.post(
        "/v1/customer-sessions/", json=body, headers=served.headers("session-1")
    )
    assert first.status_code == 201, first.text
    token = first.json()["token"].encode()

    now = served.clock.now()
    probe = IdempotencyRecord(
        subject=f"organization:{served.tenant.organization.id}",
        key="session-1",
        fingerprint="probe",
        owner=uuid.uuid4(),
        created_at=now,
        leased_until=now,
        expires_at=now + timedelta(hours=1),
    )
    service = served.container.idempotency_service()
    if service.store is not None:
        held = await service.store.claim(probe, now)
    else:
        async with served.container.uow_factory().write() as uow:
            held = await uow.idempotency_records.claim(probe, now)  # not committed
    assert held.owner != probe.owner and held.response is not None
    assert token not in held.response.body
    assert b"polar_cst_" not in held.response.body

    retry = await served.client.post(
        "/v1/customer-sessions/", json=body, headers=served.headers("session-1")
    )
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.content == first.content
