"""Faults: a database that is down answers 503 and the readiness probe names it; bugs answer 500
without a stack trace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI

from adapters.sqlalchemy.engine import EngineConnectionSource, create_engine
from adapters.taskiq.broker import build_broker
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Environment, Settings
from tests import services
from tests.api.conftest import TEST_SECRET


@pytest.fixture
async def down_client() -> AsyncIterator[httpx.AsyncClient]:
    """An app whose database is a closed port."""
    port = services.free_port()
    url = f"postgresql://postgres@127.0.0.1:{port}/meridian"
    container = Container()
    container.settings.override(
        providers.Object(Settings(env=Environment.test, database_url=url, secret=TEST_SECRET))
    )
    engine = create_engine(url, pool_size=1)
    container.write_engine.override(providers.Object(engine))
    container.connection_source.override(providers.Object(EngineConnectionSource(engine)))
    container.broker_bundle.override(providers.Object(build_broker(None, inline=True)))
    app = create_app(container, manage_runtime=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://meridian.test") as client:
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
    container = Container()
    container.settings.override(
        providers.Object(
            Settings(
                env=Environment.test,
                database_url=database_url,
                database_read_url=replica,
                secret=TEST_SECRET,
            )
        )
    )
    container.broker_bundle.override(providers.Object(build_broker(None, inline=True)))
    app = create_app(container, manage_runtime=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://meridian.test"
        ) as client:
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
