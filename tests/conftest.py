from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.kit.statements import STATEMENTS
from adapters.sqlalchemy.migrate import upgrade
from tests import services

# Every statement cache hit in the suite rebuilds its statement and compares it with the cached
# one, so that a shape missing something its build reads fails a test (kit/statements.py).
STATEMENTS.check = True


@pytest.fixture(scope="session", autouse=True)
def _stop_services() -> Iterator[None]:
    yield
    services.stop_all()


def _worker_database_name() -> str:
    # The process id keeps two test runs on one server (two developers, CI) from dropping each
    # other's database.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"meridian_test_{worker}_{os.getpid()}"


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A database of this xdist worker's own, created and migrated once per session."""
    server = services.postgres_server_url()
    name = _worker_database_name()
    admin = create_engine(server, pool_size=1)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = services.with_database(server, name)
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as connection:
        await upgrade(connection)
    await engine.dispose()
    yield url
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection inside a transaction that is rolled back after the test.

    Units of work opened on it use savepoints, so they commit and roll back for real
    without anything outliving the test.
    """
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()
