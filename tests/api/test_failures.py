"""Faults: a database that is down answers 503 and the readiness probe names it; bugs answer 500
without a stack trace."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy.pool import QueuePool

from adapters.sqlalchemy.engine import EngineConnectionSource, create_engine, warm
from adapters.taskiq.broker import build_broker
from entrypoints.container import Container
from entrypoints.runtime import GC_YOUNG_THRESHOLD, Runtime, settle_heap
from tests import services
from tests.api.conftest import committing_app, own_client, own_container
from tests.harness import Seeder


@pytest.fixture
async def down_client() -> AsyncIterator[httpx.AsyncClient]:
    """An app whose database is a closed port."""
    port = services.free_port()
    url = f"postgresql://postgres@127.0.0.1:{port}/meridian"
    container = own_container(database_url=url)
    engine = create_engine(url, pool_size=1)
    container.write_engine.override(providers.Object(engine))
    container.connection_source.override(providers.Object(EngineConnectionSource(engine)))
    container.broker_bundle.override(providers.Object(build_broker(None, inline=True)))
    async with own_client(container) as client:
        yield client
    await engine.dispose()


async def test_database_down_is_503(down_client: httpx.AsyncClient) -> None:
    response = await down_client.get(
        "/v1/organizations/", headers={"Authorization": "Bearer polar_oat_whatever"}
    )
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "ServiceUnavailable"
    assert "database" in body["detail"]
    assert "Traceback" not in response.text


async def test_readyz_names_the_database(down_client: httpx.AsyncClient) -> None:
    response = await down_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unavailable"}
    assert (await down_client.get("/healthz")).status_code == 200


async def test_readyz_when_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_unhandled_error_is_500_without_trace(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/v1/_test_explode", explode)
    try:
        response = await client.get("/v1/_test_explode")
    finally:
        app.router.routes.pop()
    assert response.status_code == 500
    assert response.json() == {
        "error": "InternalServerError",
        "detail": "An unexpected error occurred.",
    }
    assert "secret internals" not in response.text


async def test_reads_go_to_the_read_replica(database_url: str) -> None:
    """With MERIDIAN_DATABASE_READ_URL set, reads (and authentication) use it: a replica that is
    down fails reads with 503 while the primary stays healthy."""
    port = services.free_port()
    replica = f"postgresql://postgres@127.0.0.1:{port}/replica"
    container = own_container(database_url=database_url, database_read_url=replica)
    container.broker_bundle.override(providers.Object(build_broker(None, inline=True)))
    try:
        async with own_client(container) as client:
            response = await client.get(
                "/v1/organizations/", headers={"Authorization": "Bearer polar_oat_whatever"}
            )
            assert response.status_code == 503
            assert (await client.get("/readyz")).status_code == 200  # the primary answers
    finally:
        await container.write_engine().dispose()
        read_engine = container.read_engine()
        assert read_engine is not None
        await read_engine.dispose()


# --- a burst of writes with tokens to look up, on a small pool -----------------------------------

# Two pooled connections per engine, as `create_engine(pool_size=1)` opens (see its docstring).
SMALL_POOL = 1


@pytest.fixture
async def small_pool(database_url: str) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    """An app on its own engine of two connections, committing for real (see
    `committing_app`)."""
    async with committing_app(
        database_url, database_pool_size=SMALL_POOL, database_pool_timeout=2
    ) as app:
        yield app


async def test_more_concurrent_writes_than_pooled_connections_all_succeed(
    small_pool: tuple[Container, httpx.AsyncClient],
) -> None:
    # Before: authentication held a read connection for the whole request and the write
    # needed a second one, so with every connection held by a request waiting for another,
    # the writes waited out the pool timeout and failed.
    container, client = small_pool
    seeder = Seeder.of(container)
    tenant, other = await seeder.tenant(), await seeder.tenant()
    headers = tenant.headers("organization")

    async def create(n: int) -> httpx.Response:
        body = {"name": f"Burst {n}", "prices": [{"amount_type": "fixed", "price_amount": 500}]}
        return await client.post("/v1/products/", json=body, headers=headers)

    async def read_other() -> httpx.Response:
        return await client.get("/v1/products/", headers=other.headers("organization"))

    responses = await asyncio.gather(*(create(n) for n in range(12)), read_other())
    assert [r.status_code for r in responses] == [201] * 12 + [200]
    listed = await client.get("/v1/products/", params={"limit": 100}, headers=headers)
    assert listed.json()["pagination"]["total_count"] == 12


async def test_a_pool_timeout_is_503_with_retry_after(
    small_pool: tuple[Container, httpx.AsyncClient],
) -> None:
    container, client = small_pool
    tenant = await Seeder.of(container).tenant()
    engine = container.write_engine()
    async with AsyncExitStack() as held:
        for _ in range(2 * SMALL_POOL):
            await held.enter_async_context(engine.connect())
        response = await client.get("/v1/products/", headers=tenant.headers("organization"))
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    assert response.json()["error"] == "ServiceUnavailable"


async def test_warming_a_pool_opens_at_most_its_size_and_gives_every_connection_back(
    database_url: str,
) -> None:
    # The worker warms its pool with its concurrency (20 by default), which may exceed the pool:
    # asking for more than it holds would wait out the pool timeout and fail the start.
    engine = create_engine(database_url, pool_size=SMALL_POOL, pool_timeout=1)
    try:
        await warm(engine, 20)
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert (pool.checkedin(), pool.checkedout()) == (2 * SMALL_POOL, 0)
    finally:
        await engine.dispose()


async def test_the_runtime_opens_its_pool_ahead_of_the_first_requests(database_url: str) -> None:
    container = own_container(database_url=database_url, database_pool_size=3)
    try:
        await Runtime(container, role="api").warm()
        pool = container.write_engine().pool
        assert isinstance(pool, QueuePool)
        assert (pool.checkedin(), pool.checkedout()) == (3, 0)
    finally:
        await container.write_engine().dispose()


async def test_a_database_down_at_start_does_not_stop_the_warm_up_from_returning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The API starts while its database is down (requests answer 503 until it is back): warming
    # its pool must not raise, nor leave a connection attempt checked out.
    url = f"postgresql://postgres@127.0.0.1:{services.free_port()}/meridian"
    container = own_container(database_url=url, database_pool_size=2)
    try:
        with caplog.at_level("WARNING", logger="meridian"):
            await Runtime(container, role="api").warm()
        assert "could not open the database connections ahead of time" in caplog.text
        assert container.write_engine().pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await container.write_engine().dispose()


def test_a_serving_process_settles_its_heap_once_started() -> None:
    # Young collections every few requests took 6 % of the API's CPU on create token.
    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
