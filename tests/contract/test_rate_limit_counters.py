"""The request counters behind rate limits: in this process, or in Redis shared by every
process that uses the same prefix."""

from __future__ import annotations

import logging
import uuid

import pytest
from limits import parse_many

from adapters.ratelimits import RequestCounters
from adapters.redis.client import request_redis
from tests import services

PER_MINUTE = parse_many("2/minute")


@pytest.fixture
def redis_url() -> str:
    return services.redis_url()


async def test_counters_in_memory_belong_to_their_process() -> None:
    one, other = RequestCounters(), RequestCounters()
    first = await one.count(PER_MINUTE, "default", "token:a")
    assert first is not None and (first.allowed, first.remaining) == (True, 1)
    elsewhere = await other.count(PER_MINUTE, "default", "token:a")
    assert elsewhere is not None and elsewhere.remaining == 1


async def test_counters_in_redis_are_shared_by_prefix(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}"
    clients = [request_redis(redis_url) for _ in range(3)]
    one, two = (RequestCounters(c, url=redis_url, prefix=prefix) for c in clients[:2])
    apart = RequestCounters(clients[2], url=redis_url, prefix=prefix + ":other")
    try:
        counts = [
            await one.count(PER_MINUTE, "default", "token:a"),
            await two.count(PER_MINUTE, "default", "token:a"),
            await one.count(PER_MINUTE, "default", "token:a"),
            await apart.count(PER_MINUTE, "default", "token:a"),
            await two.count(PER_MINUTE, "default", "token:b"),
        ]
        assert [(c.allowed, c.remaining) for c in counts if c is not None] == [
            (True, 1),
            (True, 0),
            (False, 0),
            (True, 1),
            (True, 1),
        ]
        refused = counts[2]
        assert refused is not None and 1 <= refused.reset_after <= 60
        assert refused.period == "minute"
    finally:
        for client in clients:
            await client.aclose()


async def test_unreachable_counters_let_requests_through(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://127.0.0.1:{services.free_port()}/0"
    redis = request_redis(url)
    counters = RequestCounters(redis, url=url, prefix="test")
    with caplog.at_level(logging.WARNING, logger="meridian.ratelimits"):
        assert await counters.count(PER_MINUTE, "default", "ip:x") is None
        assert await counters.count(PER_MINUTE, "default", "ip:x") is None
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1
    await redis.aclose()
