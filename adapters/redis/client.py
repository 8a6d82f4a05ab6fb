"""The Redis client that requests use (rate-limit counters, idempotency records)."""

from __future__ import annotations

from redis.asyncio import Redis

# A request waits at most this many seconds for Redis before it gives up: a stalled Redis
# must not hold requests forever.
REQUEST_TIMEOUT = 2.0


def request_redis(url: str) -> Redis:
    """A client (with its own connection pool) for commands sent while a request waits."""
    return Redis.from_url(
        url, socket_timeout=REQUEST_TIMEOUT, socket_connect_timeout=REQUEST_TIMEOUT
    )
