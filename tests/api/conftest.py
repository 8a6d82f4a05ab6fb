from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.taskiq.broker import RetryPolicy, build_broker
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Environment, Settings
from entrypoints.worker.tasks import register_all
from tests.harness import Seeder, SharedConnectionSource, ShiftableClock

TEST_SECRET = "test-secret-0123456789-0123456789-0123456789"


@pytest.fixture(scope="session")
async def container(database_url: str, engine: AsyncEngine) -> AsyncIterator[Container]:
    container = Container()
    container.settings.override(
        providers.Object(
            Settings(env=Environment.test, database_url=database_url, secret=TEST_SECRET)
        )
    )
    container.write_engine.override(providers.Object(engine))
    container.clock.override(providers.Object(ShiftableClock()))
    # Jobs run inside `send`, right after the commit that enqueued them: deterministic tests.
    bundle = build_broker(None, inline=True, policy=RetryPolicy(max_retries=0))
    container.broker_bundle.override(providers.Object(bundle))
    register_all(bundle.broker, container)
    await bundle.broker.startup()
    yield container
    await bundle.broker.shutdown()


@pytest.fixture(scope="session")
def app(container: Container) -> FastAPI:
    return create_app(container, manage_runtime=False)


@pytest.fixture(autouse=True)
def _share_connection(container: Container, connection: AsyncConnection) -> None:
    container.connection_source.override(providers.Object(SharedConnectionSource(connection)))
    container.uow_factory.reset()
    container.outbox_relay.reset()
    # Holds a unit-of-work factory: rebuilt on this test's connection.
    container.webhook_deliverer.reset()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://meridian.test") as client:
        yield client


@pytest.fixture
def seeder(container: Container, _share_connection: None) -> Seeder:
    return Seeder(
        uows=container.uow_factory(),
        users=container.user_service(),
        organizations=container.organization_service(),
        tokens=container.token_service(),
    )


@pytest.fixture
def clock(container: Container) -> Iterator[ShiftableClock]:
    clock = container.clock()
    assert isinstance(clock, ShiftableClock)
    yield clock
    clock.offset = timedelta(0)


@pytest.fixture(params=["user", "organization"])
def subject_kind(request: pytest.FixtureRequest) -> str:
    """Each test using it runs once with a personal token and once with an organization token."""
    return str(request.param)
