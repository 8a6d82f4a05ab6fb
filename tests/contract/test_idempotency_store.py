"""The idempotency store's contract, on each store: the memory and SQLAlchemy repositories (in
a unit of work each call, as IdempotencyService uses them) and Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.memory.store import MemoryStore
from adapters.memory.uow import InMemoryUnitOfWorkFactory
from adapters.redis.client import request_redis
from adapters.redis.idempotency import RedisIdempotencyStore
from application.idempotency.ports import IdempotencyStore
from application.uow import UnitOfWorkFactory
from domain.idempotency import IdempotencyRecord, RecordedResponse
from entrypoints.container import repositories_for
from entrypoints.modules import MODULES
from tests import services
from tests.contract.conftest import sql_units_of_work
from tests.harness import SharedConnectionSource

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
TTL = timedelta(hours=24)

Apply = Callable[[Callable[[IdempotencyStore], Awaitable[Any]]], Awaitable[Any]]


@pytest.fixture
async def redis_store() -> AsyncIterator[RedisIdempotencyStore]:
    client = request_redis(services.redis_url())
    yield RedisIdempotencyStore(client, prefix=f"test:{uuid.uuid4().hex}:")
    await client.aclose()


@pytest.fixture(params=["memory", "sqlalchemy", "redis"])
def apply(request: pytest.FixtureRequest) -> Apply:
    """Runs an operation on the store, committed on its own. A plain (sync) fixture, so that
    each case asks only for the service it needs."""
    if request.param == "redis":
        store: RedisIdempotencyStore = request.getfixturevalue("redis_store")

        async def on_redis(operation: Callable[[IdempotencyStore], Awaitable[Any]]) -> Any:
            return await operation(store)

        return on_redis
    uows: UnitOfWorkFactory
    if request.param == "memory":
        memory = repositories_for(MODULES, "memory")
        uows = InMemoryUnitOfWorkFactory(MemoryStore(), FrozenClock(), repositories=memory)
    else:
        source = SharedConnectionSource(request.getfixturevalue("connection"))
        uows = sql_units_of_work(source, FrozenClock(), RecordingJobQueue())

    async def in_a_unit_of_work(operation: Callable[[IdempotencyStore], Awaitable[Any]]) -> Any:
        async with uows.write() as uow:
            result = await operation(uow.idempotency_records)
            await uow.commit()
        return result

    return in_a_unit_of_work


def _claim(key: str, fingerprint: str = "a" * 64, at: datetime = NOW) -> IdempotencyRecord:
    return IdempotencyRecord(
        subject="organization:" + str(uuid.UUID(int=1)),
        key=key,
        fingerprint=fingerprint,
        owner=uuid.uuid4(),
        created_at=at,
        leased_until=at + LEASE,
        expires_at=at + TTL,
    )


RESPONSE = RecordedResponse(
    status=201,
    headers=(("content-type", "application/json"), ("location", "/v1/products/x")),
    body=b'{"id": "x"}\xff\x00',  # any bytes
)


async def test_a_free_key_is_claimed_and_a_running_claim_is_kept(apply: Apply) -> None:
    first, second = _claim("k1"), _claim("k1")
    assert await apply(lambda s: s.claim(first, NOW)) == first
    assert await apply(lambda s: s.claim(second, NOW + timedelta(seconds=59))) == first


async def test_only_the_owner_completes_and_the_response_comes_back_whole(apply: Apply) -> None:
    mine = _claim("k2")
    await apply(lambda s: s.claim(mine, NOW))
    assert not await apply(lambda s: s.complete(mine.subject, mine.key, uuid.uuid4(), RESPONSE))
    assert await apply(lambda s: s.complete(mine.subject, mine.key, mine.owner, RESPONSE))
    assert not await apply(lambda s: s.complete(mine.subject, mine.key, mine.owner, RESPONSE))
    held = await apply(lambda s: s.claim(_claim("k2"), NOW + timedelta(hours=1)))
    assert held == replace(mine, response=RESPONSE)


async def test_a_claim_past_its_lease_yields_to_the_same_request_only(apply: Apply) -> None:
    mine = _claim("k3")
    await apply(lambda s: s.claim(mine, NOW))
    later = NOW + LEASE
    other_request = _claim("k3", fingerprint="b" * 64, at=later)
    assert await apply(lambda s: s.claim(other_request, later)) == mine
    retry = _claim("k3", at=later)
    assert await apply(lambda s: s.claim(retry, later)) == retry
    # The first owner lost it: it can neither complete nor release it.
    assert not await apply(lambda s: s.complete(mine.subject, mine.key, mine.owner, RESPONSE))
    await apply(lambda s: s.release(mine.subject, mine.key, mine.owner))
    assert await apply(lambda s: s.claim(_claim("k3", at=later), later)) == retry


async def test_a_completed_record_never_yields_before_it_expires(apply: Apply) -> None:
    mine = _claim("k4")
    await apply(lambda s: s.claim(mine, NOW))
    await apply(lambda s: s.complete(mine.subject, mine.key, mine.owner, RESPONSE))
    almost = NOW + TTL - timedelta(seconds=1)
    assert (await apply(lambda s: s.claim(_claim("k4", at=almost), almost))).owner == mine.owner
    expired = NOW + TTL
    anything = _claim("k4", fingerprint="c" * 64, at=expired)
    assert await apply(lambda s: s.claim(anything, expired)) == anything


async def test_a_released_claim_frees_the_key(apply: Apply) -> None:
    mine = _claim("k5")
    await apply(lambda s: s.claim(mine, NOW))
    await apply(lambda s: s.release(mine.subject, mine.key, uuid.uuid4()))  # not theirs
    assert (await apply(lambda s: s.claim(_claim("k5"), NOW))).owner == mine.owner
    await apply(lambda s: s.release(mine.subject, mine.key, mine.owner))
    again = _claim("k5")
    assert await apply(lambda s: s.claim(again, NOW)) == again


async def test_keys_are_kept_apart_by_subject(apply: Apply) -> None:
    mine = _claim("k6")
    theirs = replace(_claim("k6"), subject="ip:127.0.0.1")
    assert await apply(lambda s: s.claim(mine, NOW)) == mine
    assert await apply(lambda s: s.claim(theirs, NOW)) == theirs


async def _claim_at_creation(record: IdempotencyRecord, store: IdempotencyStore) -> Any:
    return await store.claim(record, record.created_at)


@pytest.mark.parametrize("apply", ["memory", "sqlalchemy"], indirect=True)
async def test_expired_records_are_deleted_in_batches(apply: Apply) -> None:
    early = [_claim(f"old-{n}", at=NOW - TTL) for n in range(3)]
    fresh = _claim("fresh")
    for record in (*early, fresh):
        await apply(partial(_claim_at_creation, record))
    assert await apply(lambda s: s.delete_expired(NOW, 2)) == 2
    assert await apply(lambda s: s.delete_expired(NOW, 2)) == 1
    assert await apply(lambda s: s.delete_expired(NOW, 2)) == 0
    assert await apply(lambda s: s.claim(_claim("fresh"), NOW)) == fresh


@pytest.mark.parametrize("apply", ["memory", "sqlalchemy"], indirect=True)
async def test_a_batch_never_deletes_more_than_its_limit(apply: Apply) -> None:
    # Seen once in a full run: with many rows, a plan that scanned the locking LIMIT subquery
    # again deleted more than the batch.
    for n in range(300):
        await apply(partial(_claim_at_creation, _claim(f"many-{n}", at=NOW - TTL)))
    counts = [await apply(lambda s: s.delete_expired(NOW, 2)) for _ in range(5)]
    assert counts == [2, 2, 2, 2, 2]
