"""Request counters for rate limits, on the `limits` library.

Fixed windows (`FixedWindowRateLimiter`): a window opens with the first request a client makes
and lasts the limit's period; the counter is one integer, one round trip to Redis. Counted in
this process's memory, or in Redis, where every API process shares the counters.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("meridian.ratelimits")

# At most one warning per this many seconds while the counters are unreachable.
_WARN_EVERY = 60.0


def parse_limits(text: str) -> tuple[RateLimitItem, ...]:
    """`"6/minute;20/hour"` as limits. ValueError when the text is not in that notation."""
    try:
        items = tuple(parse_many(text))
    except ValueError as error:
        raise ValueError(f"{text!r} is not a rate limit such as '500/minute': {error}") from None
    if not items:
        raise ValueError(f"{text!r} names no rate limit")
    return items


@dataclass(frozen=True)
class Count:
    """Where a client stands against one limit after a request."""

    allowed: bool
    limit: int
    remaining: int
    # Whole seconds until the window ends (and the count starts again), at least 1.
    reset_after: int
    # The limit's period, in words ("minute", "10 seconds").
    period: str


def _period(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"


class RequestCounters:
    def __init__(self, redis: Redis | None = None, *, url: str = "", prefix: str = "") -> None:
        """Counters in this process, or in Redis through `redis`'s connection pool (`url` is its
        address, `prefix` starts every counter's key)."""
        storage: Storage
        if redis is None:
            storage = MemoryStorage()
        else:
            storage = RedisStorage(
                "async+" + url,
                implementation="redispy",
                key_prefix=prefix,
                connection_pool=redis.connection_pool,  # type: ignore[arg-type]  # passed on to redis-py
            )
        self.shared = redis is not None
        self.limiter = FixedWindowRateLimiter(storage)
        self._warned_at = -_WARN_EVERY

    async def count(self, limits: Sequence[RateLimitItem], *identity: str) -> Count | None:
        """Count one request against each of `limits`, in order, for `identity`; stop at the
        first it exceeds (the later ones are not charged).

        Returns the exceeded limit's count, or else the count closest to running out. None when
        the counters cannot be reached: the request is then let through (a Redis outage must
        not stop the API), with a warning in the log.
        """
        tightest: Count | None = None
        try:
            for item in limits:
                allowed = await self.limiter.hit(item, *identity)
                stats = await self.limiter.get_window_stats(item, *identity)
                count = Count(
                    allowed=allowed,
                    limit=item.amount,
                    remaining=max(0, stats.remaining),
                    reset_after=max(1, math.ceil(stats.reset_time - time.time())),
                    period=_period(item),
                )
                if not allowed:
                    return count
                if tightest is None or count.remaining < tightest.remaining:
                    tightest = count
        except (RedisError, OSError, StorageError) as error:
            now = time.monotonic()
            if now - self._warned_at >= _WARN_EVERY:
                self._warned_at = now
                log.warning("rate-limit counters unreachable, requests are not limited: %s", error)
            return None
        return tightest
