"""Taskiq brokers from plain settings: Redis Streams in production, in-process otherwise."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum
from typing import Any

from taskiq import AsyncBroker, BrokerMessage, InMemoryBroker, ScheduleSource, TaskiqMiddleware
from taskiq.exceptions import UnknownTaskError
from taskiq.kicker import AsyncKicker
from taskiq.message import TaskiqMessage
from taskiq.middlewares import SmartRetryMiddleware

from adapters.taskiq.queue import REQUEST_ID_LABEL
from application.ports import REQUEST_ID

log = logging.getLogger("meridian.jobs")

QUEUE_NAME = "meridian:jobs"
# Redis connections of the broker and the schedule source are made without redis-py's default
# 5 s socket timeout. With one, every command is sent through `asyncio.wait_for`, which on
# Python 3.11 can swallow a cancellation that lands as the send completes: a worker asked to
# stop then went on reading the stream forever (seen as a hung shutdown). Reads still end: the
# stream read blocks for at most 2 s server-side, and TCP keepalive finds dead peers.
REDIS_CONNECTION = {"socket_timeout": None}
# How often the scheduler re-reads delayed retries from Redis. The schedule source files them by
# minute; re-reading every second gives retries second precision for one LRANGE a second.
SCHEDULE_REFRESH = timedelta(seconds=1)
CONSUMER_GROUP = "meridian-workers"
# A job that does nothing, sent periodically by the scheduler. taskiq-redis re-claims a dead
# worker's unacknowledged jobs only after a read that returned new messages: on a quiet queue
# they would wait for the next real job. The heartbeat is that next job.
HEARTBEAT_JOB = "queue.heartbeat"


class Priority(IntEnum):
    """Recorded on every task as a label; workers log it and the bench reports per priority."""

    high = 0
    medium = 5
    low = 9


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base · 2^(attempt-1), capped, plus up to `jitter` of random spread."""

    max_retries: int = 8
    base_delay: float = 2.0
    max_delay: float = 3600.0
    jitter: float = 0.25

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        # Cap the exponent first: 2 ** 1100 no longer fits in a float.
        exponent = min(max(attempt - 1, 0), 64)
        raw = min(self.base_delay * 2.0**exponent, self.max_delay)
        spread = (rng or random).uniform(0, self.jitter * raw)
        return raw + spread


class RequestIdMiddleware(TaskiqMiddleware):
    """Runs each job under the request id it was enqueued with (a message label), so that its
    log lines, and the jobs it enqueues in turn, carry it."""

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        # The job runs in the task that calls this: the value is the job's own.
        REQUEST_ID.set(message.labels.get(REQUEST_ID_LABEL))
        return message


class BackoffRetryMiddleware(SmartRetryMiddleware):
    """Retries failed tasks with capped exponential backoff and jitter.

    With a schedule source (Redis) the retry is stored there and sent by the scheduler process;
    in-process, the retry waits in an asyncio task of the same process.
    """

    def __init__(self, policy: RetryPolicy, schedule_source: ScheduleSource | None) -> None:
        super().__init__(
            default_retry_count=policy.max_retries,
            default_retry_label=True,
            schedule_source=schedule_source,
        )
        self.policy = policy
        self._pending: set[asyncio.Task[None]] = set()

    def make_delay(self, message: TaskiqMessage, retries: int) -> float:
        return self.policy.delay(retries)

    async def on_send(
        self, kicker: AsyncKicker[Any, Any], message: TaskiqMessage, delay: float
    ) -> None:
        if self.schedule_source is not None:
            await super().on_send(kicker, message, delay)
            return

        async def later() -> None:
            await asyncio.sleep(delay)
            await kicker.kiq(*message.args, **message.kwargs)

        task = asyncio.create_task(later())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)


def _schedule_source(base: type[Any]) -> type[Any]:
    """taskiq-redis's list schedule source, reading every past minute's retries.

    The source files a delayed job under a key per minute, `<prefix>:time:<minute>`, reads the
    current minute's key on each refresh, and finds earlier minutes' keys by parsing their names.
    Its parser assumes a prefix without colons; ours (`meridian:jobs:schedule`) has two, so no
    earlier minute was ever read back. A retry due late in a minute and stored after that
    minute's last refresh then stayed in Redis, never sent. Here the minute is whatever follows
    `<prefix>:time:`.
    """
    import datetime as dt

    class MinuteKeyedScheduleSource(base):  # type: ignore[misc]
        def _parse_time_key(self, key: str) -> dt.datetime | None:
            marker = f"{self._prefix}:time:"
            if not key.startswith(marker):
                return None
            try:
                minute = dt.datetime.strptime(key[len(marker) :], "%Y-%m-%dT%H:%M")
            except ValueError:
                return None
            return minute.replace(tzinfo=dt.UTC)

    return MinuteKeyedScheduleSource


def _resilient_stream_broker(base: type[Any]) -> type[Any]:
    """A RedisStreamBroker whose consumers survive Redis going away.

    taskiq's receiver loop retries a failing `listen` at once and forever: with Redis down that
    spins; with Redis back but empty (the consumer group lost), every read fails with NOGROUP.
    Here `listen` waits for Redis with a capped backoff and declares the group again.
    """
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import ResponseError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    class ResilientRedisStreamBroker(base):  # type: ignore[misc]
        async def listen(self) -> Any:
            delay = 0.5
            while True:
                try:
                    async for message in super().listen():
                        delay = 0.5
                        yield message
                except ResponseError as error:
                    if "NOGROUP" not in str(error):
                        raise
                    log.warning("queue: consumer group missing (Redis restarted?); declaring it")
                    try:
                        await self._declare_consumer_group()
                    except (RedisConnectionError, RedisTimeoutError, OSError):
                        await asyncio.sleep(delay)
                except (RedisConnectionError, RedisTimeoutError, OSError) as error:
                    log.warning("queue unreachable (%s); retrying in %.1f s", error, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10.0)

    return ResilientRedisStreamBroker


# In-process jobs running at once. They use the API's own database pool: with one job per write
# started at once, a burst of writes left the jobs waiting out the pool's timeout (failing, then
# retried) and the requests waiting behind them.
IN_PROCESS_JOBS = 4


class BoundedInMemoryBroker(InMemoryBroker):
    """The in-process broker, running at most `limit` jobs at once; the others wait their turn.

    taskiq's InMemoryBroker starts every job as its own task at once (its `max_async_tasks`
    bounds a listening receiver, which an in-memory broker never runs).
    """

    def __init__(self, *, limit: int, await_inplace: bool) -> None:
        super().__init__(await_inplace=await_inplace)
        self.slots = asyncio.Semaphore(limit)

    async def kick(self, message: BrokerMessage) -> None:
        if self.await_inplace:
            await super().kick(message)
            return
        if self.find_task(message.task_name) is None:
            raise UnknownTaskError(task_name=message.task_name)
        task = asyncio.create_task(self._run(message))
        self._running_tasks.add(task)
        task.add_done_callback(self._running_tasks.discard)

    async def _run(self, message: BrokerMessage) -> None:
        async with self.slots:
            await self.receiver.callback(message=message.message)


@dataclass
class BrokerBundle:
    broker: AsyncBroker
    schedule_source: ScheduleSource | None
    in_process: bool


def build_broker(
    redis_url: str | None,
    *,
    policy: RetryPolicy | None = None,
    inline: bool = False,
    queue_name: str = QUEUE_NAME,
    redelivery_timeout: float = 60.0,
) -> BrokerBundle:
    """A broker for the settings given.

    - `redis_url`: a RedisStreamBroker (acknowledged after execution; a dead worker's messages
      are re-claimed by the others) and a Redis schedule source for delayed retries.
    - otherwise: an in-process broker; `inline` runs each job inside `send` (tests).
    """
    policy = policy or RetryPolicy()
    if redis_url:
        from taskiq_redis import ListRedisScheduleSource, RedisStreamBroker

        source = _schedule_source(ListRedisScheduleSource)(
            redis_url, prefix=f"{queue_name}:schedule", **REDIS_CONNECTION
        )
        broker: AsyncBroker = _resilient_stream_broker(RedisStreamBroker)(
            redis_url,
            queue_name=queue_name,
            consumer_group_name=CONSUMER_GROUP,
            # A message not acknowledged within this time is re-claimed by another worker.
            idle_timeout=int(redelivery_timeout * 1000),
            # A group created on a stream that already holds jobs (the API sent some before
            # any worker started, or after Redis came back empty) reads them: "$" would skip
            # them.
            consumer_id="0",
            **REDIS_CONNECTION,
        )
        broker = broker.with_middlewares(
            RequestIdMiddleware(), BackoffRetryMiddleware(policy, source)
        )
        return BrokerBundle(broker, source, in_process=False)
    broker = BoundedInMemoryBroker(limit=IN_PROCESS_JOBS, await_inplace=inline)
    broker = broker.with_middlewares(RequestIdMiddleware(), BackoffRetryMiddleware(policy, None))
    return BrokerBundle(broker, None, in_process=True)
