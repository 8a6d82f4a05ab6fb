"""Engines and connections. Built by the container from plain values, never at import time."""

from __future__ import annotations

import asyncio
import json
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any, Protocol

import orjson
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncTransaction,
    create_async_engine,
)
from sqlalchemy.pool import QueuePool


async def warm(engine: AsyncEngine, count: int) -> None:
    """Open up to `count` pooled connections at once and give them back to the pool, so that the
    first burst of work does not wait on connection setup (a backend start, the driver's type
    introspection). Never asks for more than the pool holds, so it cannot wait on itself."""
    size = engine.pool.size() if isinstance(engine.pool, QueuePool) else 0
    async with AsyncExitStack() as stack:
        # Every attempt finishes before the stack gives the opened ones back, failed or not.
        opened = await asyncio.gather(
            *(stack.enter_async_context(engine.connect()) for _ in range(min(count, size))),
            return_exceptions=True,
        )
    for outcome in opened:
        if isinstance(outcome, BaseException):
            raise outcome


def async_url(url: str) -> str:
    """Accept `postgresql://` URLs and use the asyncpg driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def json_loads(text: str | bytes) -> Any:
    """JSON/JSONB column values, decoded by orjson (several times faster than `json.loads`).

    What orjson refuses falls back to the standard library. orjson does not refuse integers
    wider than 64 bits: it reads them as floats. So nothing stores them: every input that
    reaches a JSON column bounds its integers (metadata, meter filter values, price and benefit
    fields), and `test_json_columns_read_what_json_loads_reads` holds this decoder to
    `json.loads` within those bounds.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def create_engine(
    url: str, *, pool_size: int = 10, pool_timeout: float = 5.0, echo: bool = False
) -> AsyncEngine:
    """An engine holding up to 2 × `pool_size` connections.

    They are all regular pool members rather than `pool_size` plus as many "overflow"
    connections: SQLAlchemy closes an overflow connection as soon as it is returned, so a load
    above `pool_size` concurrent units of work kept opening and closing connections (a TCP and
    TLS negotiation, a PostgreSQL backend start, the driver's type introspection and an empty
    statement cache each time). The pool still opens connections only when they are needed.
    """
    return create_async_engine(
        async_url(url),
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        pool_timeout=pool_timeout,
        echo=echo,
        json_deserializer=json_loads,
        connect_args={"timeout": 5, "server_settings": {"application_name": "meridian"}},
    )


class ConnectionSource(Protocol):
    """Where units of work get their connection: the engines, or one shared test connection."""

    def connect(self, *, write: bool) -> AbstractAsyncContextManager[AsyncConnection]: ...


class EngineConnectionSource:
    def __init__(self, write_engine: AsyncEngine, read_engine: AsyncEngine | None = None) -> None:
        self.write_engine = write_engine
        # Reads run in autocommit: no BEGIN/ROLLBACK round trips for a unit of work that only
        # reads (each statement still sees a consistent snapshot of its own).
        self.read_engine = (read_engine or write_engine).execution_options(
            isolation_level="AUTOCOMMIT"
        )

    def connect(self, *, write: bool) -> AbstractAsyncContextManager[AsyncConnection]:
        # The engine's own context manager: no generator-based wrapper on every request.
        return (self.write_engine if write else self.read_engine).connect()


def is_pool_exhausted(error: BaseException) -> bool:
    """Whether no pooled connection came free within the pool's timeout."""
    return isinstance(error, PoolTimeout)


def is_lock_refused(error: BaseException) -> bool:
    """Whether a `FOR UPDATE NOWAIT` read found its row held by another transaction (SQLSTATE
    55P03, lock_not_available)."""
    if not isinstance(error, DBAPIError):
        return False
    return getattr(error.orig, "sqlstate", None) == "55P03" or (
        getattr(getattr(error.orig, "__cause__", None), "sqlstate", None) == "55P03"
    )


def is_unique_violation(error: BaseException) -> bool:
    """Whether an exception is a unique constraint's violation (SQLSTATE 23505) that no
    repository turned into a validation error: a concurrent write got there first."""
    if not isinstance(error, IntegrityError):
        return False
    return getattr(error.orig, "sqlstate", None) == "23505" or (
        getattr(getattr(error.orig, "__cause__", None), "sqlstate", None) == "23505"
    )


def is_unavailable(error: BaseException) -> bool:
    """Whether an exception means the database could not be reached (as opposed to a bug)."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, ConnectionError | TimeoutError | OSError):
        return True
    name = type(error).__name__
    return name in {
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "TooManyConnectionsError",
    }


async def begin(connection: AsyncConnection) -> AsyncTransaction:
    """A transaction, or a savepoint when the connection is already inside one (tests)."""
    if connection.in_transaction():
        return await connection.begin_nested()
    return await connection.begin()
