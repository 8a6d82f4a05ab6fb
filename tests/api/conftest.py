from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.memory.fakes import RecordingJobQueue
from adapters.sqlalchemy.tables import outbox
from adapters.taskiq.broker import RetryPolicy, build_broker
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Environment, Settings
from entrypoints.worker.tasks import register_all
from tests.harness import Seeder, SharedConnectionSource, ShiftableClock

TEST_SECRET = "test-secret-0123456789-0123456789-0123456789"


def own_container(**settings: Any) -> Container:
    """A container of its own (not the suite's shared-connection one), on these settings."""
    container = Container()
    container.settings.override(
        providers.Object(Settings(env=Environment.test, secret=TEST_SECRET, **settings))
    )
    return container


@asynccontextmanager
async def own_client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app built on `container` (one of its own: see `own_container`)."""
    app = create_app(container, manage_runtime=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://meridian.test") as client:
        yield client


@asynccontextmanager
async def committing_app(
    database_url: str, *, subscribed_events_only: bool = False, **settings: Any
) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    """An app on its own engine (`settings` size its pool), committing for real where the
    suite's app shares one rolled-back connection per test: for real concurrent transactions.
    It looks every token up (no credential cache) and records its jobs
    (`container.job_queue()`) rather than running them, webhook events included whether or not
    an endpoint subscribes (the tests count them as the effects that happened), unless
    `subscribed_events_only`, as in production. The outbox rows it commits are deleted
    afterwards (the outbox tests count the table's rows)."""
    started = datetime.now(UTC)
    container = own_container(database_url=database_url, auth_cache_ttl=0, **settings)
    container.job_queue.override(providers.Object(RecordingJobQueue()))
    if not subscribed_events_only:
        every_event(container)
    try:
        async with own_client(container) as client:
            yield container, client
    finally:
        engine = container.write_engine()
        async with engine.begin() as connection:
            await connection.execute(delete(outbox).where(outbox.c.created_at >= started))
        await engine.dispose()


def every_event(container: Container) -> None:
    """Write every webhook event's job, subscribed to or not (production writes only those an
    endpoint subscribes to, see adapters/sqlalchemy/uow.py): tests read the jobs a change
    enqueued as what it did."""
    container.sqlalchemy_units_of_work.add_kwargs(webhook_events=None)


@pytest.fixture(scope="session")
async def container(database_url: str, engine: AsyncEngine) -> AsyncIterator[Container]:
    container = Container()
    every_event(container)
    container.settings.override(
        providers.Object(
            Settings(
                env=Environment.test,
                database_url=database_url,
                secret=TEST_SECRET,
                # Polar's 6 confirms a minute and 3 license-key calls a second per address would
                # stop a suite that makes more (tests/unit/test_rate_limits.py checks them).
                rate_limit_rules={
                    "checkout_confirm": "10000/minute",
                    "license_keys": "10000/second",
                },
            )
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


def checking_wire_format(app: ASGIApp, mismatches: list[str]) -> ASGIApp:
    """`app`, recording each successful JSON body that its route's response model would not
    have written byte for byte (routes may write their bodies themselves: see
    entrypoints/http/kit/responses.py)."""

    async def checked(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        status, json_body, chunks = 0, False, []

        async def capture(message: Message) -> None:
            nonlocal status, json_body
            if message["type"] == "http.response.start":
                status = message["status"]
                json_body = (b"content-type", b"application/json") in message.get("headers", [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await app(scope, receive, capture)
        model = getattr(scope.get("route"), "response_model", None)
        body = b"".join(chunks)
        if model is None or not json_body or not 200 <= status < 300:
            return
        adapter: TypeAdapter[Any] = TypeAdapter(model)
        try:
            expected = adapter.dump_json(adapter.validate_json(body))
        except ValidationError as error:
            mismatches.append(f"{scope['method']} {scope['path']}: {error}")
            return
        if expected != body:
            mismatches.append(
                f"{scope['method']} {scope['path']}: sent {body[:300]!r}, "
                f"the response model writes {expected[:300]!r}"
            )

    return checked


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    mismatches: list[str] = []
    transport = httpx.ASGITransport(
        app=checking_wire_format(app, mismatches), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://meridian.test") as client:
        yield client
    assert not mismatches, "bodies not in their response model's wire format:\n" + "\n".join(
        mismatches
    )


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
