"""Engines and connections. Built by the container from plain values, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


def async_url(url: str) -> str:
    """Accept `postgresql://` URLs and use the asyncpg driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_timeout=5,
        echo=echo,
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

    @asynccontextmanager
    async def connect(self, *, write: bool) -> AsyncIterator[AsyncConnection]:
        engine = self.write_engine if write else self.read_engine
        async with engine.connect() as connection:
            yield connection


def is_unavailable(error: BaseException) -> bool:
    """Whether an exception means the database could not be reached (as opposed to a bug)."""
    if isinstance(error, OperationalError | InterfaceError):
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
