"""The webhook scenario: N domain changes fanned out to M local receivers.

The bench process creates N products through the product use case (each in its own unit of
work, committed: the outbox sends `product.created` to Redis). One `meridian worker` process
fans each out to the M endpoints and delivers them; M receivers in another process record when
each delivery arrives. Reported: deliveries per second (from the first commit to the last
receipt) and the p50/p99 delay from a change's commit to its receipt.

Environment: MERIDIAN_BENCH_REDIS_URL (else TEST_REDIS_URL, else redis://127.0.0.1:6379/0),
MERIDIAN_BENCH_WEBHOOK_EVENTS (N, default 200), MERIDIAN_BENCH_WEBHOOK_RECEIVERS (M, default 4).

`python -m bench.webhooks` runs the scenario alone on a fresh bench database; `uv run task
bench` runs it after the route benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "webhooks.json"
EVENTS = int(os.environ.get("MERIDIAN_BENCH_WEBHOOK_EVENTS", "200"))
RECEIVERS = int(os.environ.get("MERIDIAN_BENCH_WEBHOOK_RECEIVERS", "4"))


def redis_url() -> str:
    return (
        os.environ.get("MERIDIAN_BENCH_REDIS_URL")
        or os.environ.get("TEST_REDIS_URL")
        or "redis://127.0.0.1:6379/0"
    )


# --- receivers (their own process) --------------------------------------------------------------


async def _serve(count: int, out: Path) -> None:
    received: list[tuple[float, str, str]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length, webhook_id = 0, ""
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"webhook-id":
                        webhook_id = value.strip().decode()
                body = await reader.readexactly(length)
                at = time.time()
                received.append((at, json.loads(body)["data"]["id"], webhook_id))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", 0) for _ in range(count)]
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    print(json.dumps(ports), flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    out.write_text(json.dumps(received))  # noqa: ASYNC240 - the loop has nothing else to do
    # Done: leave without cancelling the idle keep-alive handlers (asyncio would print each).
    os._exit(0)


# --- the scenario -------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


async def _produce(
    database_url: str, organization_id: str, queue: str, ports: list[int]
) -> dict[str, float]:
    """Create the endpoints, then N products; returns each product's commit time."""
    from dependency_injector import providers

    from application.auth import MERCHANT_SCOPES, AuthSubject
    from application.products.commands import FixedPriceCreate, ProductCreate
    from application.webhooks.commands import WebhookEndpointCreate
    from entrypoints.container import Container
    from entrypoints.runtime import Runtime
    from entrypoints.settings import Settings

    container = Container()
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url(),
        queue_name=queue,
        webhook_allow_loopback=True,
        log_level="WARNING",
    )
    container.settings.override(providers.Object(settings))
    runtime = Runtime(container, role="cli")
    await runtime.start()
    subject = AuthSubject.organization(uuid.UUID(organization_id), MERCHANT_SCOPES)
    committed: dict[str, float] = {}
    try:
        async with container.uow_factory().write() as uow:
            for port in ports:
                await container.webhook_service().create_endpoint(
                    uow,
                    subject,
                    WebhookEndpointCreate(
                        url=f"http://127.0.0.1:{port}/hook",
                        format="raw",  # type: ignore[arg-type]
                        events=["product.created"],
                    ),
                )
            await uow.commit()
        products = container.product_service()

        async def change(name: str) -> str:
            command = ProductCreate(
                name=name, prices=[FixedPriceCreate(amount_type="fixed", price_amount=100)]
            )
            async with container.uow_factory().write() as uow:
                product = await products.create(uow, subject, command)
                await uow.commit()
            return str(product.id)

        # Warm-up, not measured: the worker is up and its connections are open.
        await change("Webhook bench warm-up")
        async with asyncio.timeout(120):
            while await _delivered(database_url) < len(ports):  # noqa: ASYNC110 - polls the DB
                await asyncio.sleep(0.1)
        for n in range(EVENTS):
            product_id = await change(f"Webhook bench {n}")
            committed[product_id] = time.time()
    finally:
        await runtime.stop()
    return committed


def run(database_url: str, organization_id: str) -> dict[str, Any] | None:
    """Run the scenario on a seeded bench database; prints and returns the summary."""
    import redis

    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as error:
        print(f"webhooks: no Redis at {url} ({error}); set MERIDIAN_BENCH_REDIS_URL. Skipped.")
        return None
    queue = f"meridian-bench:{uuid.uuid4().hex}"
    out = Path(tempfile.mkstemp(prefix="meridian-bench-receipts-", suffix=".json")[1])
    receivers = subprocess.Popen(
        [sys.executable, "-m", "bench.webhooks", "--receive", str(RECEIVERS), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    env = {
        **os.environ,
        "MERIDIAN_DATABASE_URL": database_url,
        "MERIDIAN_REDIS_URL": url,
        "MERIDIAN_QUEUE_NAME": queue,
        "MERIDIAN_WEBHOOK_ALLOW_LOOPBACK": "true",
        "MERIDIAN_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "worker"], cwd=ROOT, env=env
    )
    try:
        assert receivers.stdout is not None
        ports = json.loads(receivers.stdout.readline())
        print(f"measuring webhooks: {EVENTS} events x {RECEIVERS} receivers ...", flush=True)
        committed = asyncio.run(_produce(database_url, organization_id, queue, ports))
        expected = (EVENTS + 1) * RECEIVERS
        deadline = time.monotonic() + 300
        while asyncio.run(_delivered(database_url)) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        receivers.send_signal(signal.SIGTERM)
        receivers.wait(timeout=30)
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    # Only the measured changes (not the warm-up).
    raw = json.loads(out.read_text())
    received = [r for r in raw if r[1] in committed]
    out.unlink()
    delays = [at - committed[product] for at, product, _ in received]
    first, last = min(committed.values()), max(at for at, _, _ in received)
    produced = max(committed.values()) - first
    summary = {
        "events": EVENTS,
        "receivers": RECEIVERS,
        "deliveries": len(received),
        "unique_deliveries": len({webhook_id for _, _, webhook_id in received}),
        "expected": EVENTS * RECEIVERS,
        "deliveries_per_s": len(received) / (last - first),
        "p50_delay_ms": _percentile(delays, 0.50) * 1000,
        "p99_delay_ms": _percentile(delays, 0.99) * 1000,
        # How long the N commits took (one after another, in the bench process).
        "changes_per_s": len(committed) / produced if produced else None,
        "broker": "redis streams, one worker process",
    }
    print(
        f"webhooks: {summary['deliveries']}/{summary['expected']} delivered, "
        f"{summary['deliveries_per_s']:.0f} deliveries/s, commit-to-receipt "
        f"p50 {summary['p50_delay_ms']:.0f} ms, p99 {summary['p99_delay_ms']:.0f} ms "
        f"(changes committed at {summary['changes_per_s'] or 0:.0f}/s)"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


async def _delivered(database_url: str) -> int:
    import asyncpg

    from bench.__main__ import plain

    connection = await asyncpg.connect(plain(database_url))
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM webhook_events WHERE status = 'succeeded'"
            )
        )
    finally:
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--receive", type=int, help="run the receivers (internal)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.receive:
        asyncio.run(_serve(args.receive, args.out))
        return 0
    from contextlib import ExitStack

    import bench.__main__ as routes
    from bench.__main__ import bench_database, database_server, seed

    # A database of its own, so that running it alone never drops a route bench's database.
    routes.DATABASE = "meridian_bench_webhooks"
    with ExitStack() as stack:
        server_url = stack.enter_context(database_server())
        database_url = stack.enter_context(bench_database(server_url))
        seeded = asyncio.run(seed(database_url))
        run(database_url, seeded.organization_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
