"""The webhook scenarios: a burst of changes fanned out to M receivers, and a steady rate of
changes to one endpoint.

Burst: the bench process creates N products through the product use case (each in its own unit
of work, committed: the outbox sends `product.created` to Redis). One `meridian worker` process
fans each out to the M endpoints and delivers them; M receivers in another process record when
each delivery arrives. Reported: deliveries per second (from the first commit to the last
receipt) and the p50/p99 delay from a change's commit to its receipt.

Steady: one endpoint (most merchants have one, so its ordered queue is the ceiling) hears of
`product.updated`; the bench updates products at a fixed rate for a few seconds per rate, one
product per change, and reports the commit-to-receipt p50/p99 at each rate and whether the
endpoint's events arrived in their order. It runs twice: with Redis, one worker and the
scheduler (as in production), then embedded, with the jobs inside the bench process (as
`uv run task api` runs them without Redis).

Environment: MERIDIAN_BENCH_REDIS_URL (else TEST_REDIS_URL, else redis://127.0.0.1:6379/0),
MERIDIAN_BENCH_WEBHOOK_EVENTS (N, default 200), MERIDIAN_BENCH_WEBHOOK_RECEIVERS (M, default 4),
MERIDIAN_BENCH_WEBHOOK_RATES (changes per second, default "10,30,100"),
MERIDIAN_BENCH_WEBHOOK_SECONDS (seconds per rate, default 5),
MERIDIAN_BENCH_WEBHOOK_SCENARIOS (default "burst,steady").

`python -m bench.webhooks` runs the scenarios alone on a fresh bench database; `uv run task
bench` runs them after the route benchmarks. Results: bench/results/webhooks.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "webhooks.json"
EVENTS = int(os.environ.get("MERIDIAN_BENCH_WEBHOOK_EVENTS", "200"))
RECEIVERS = int(os.environ.get("MERIDIAN_BENCH_WEBHOOK_RECEIVERS", "4"))
RATES = [float(r) for r in os.environ.get("MERIDIAN_BENCH_WEBHOOK_RATES", "10,30,100").split(",")]
SECONDS = float(os.environ.get("MERIDIAN_BENCH_WEBHOOK_SECONDS", "5"))
SCENARIOS = os.environ.get("MERIDIAN_BENCH_WEBHOOK_SCENARIOS", "burst,steady").split(",")
# The steady rate's target (issue 10): at 100 changes/s to one endpoint, p99 under 250 ms.
TARGET_RATE, TARGET_P99_MS = 100.0, 250.0
# Seconds to wait for the last deliveries of a run.
DRAIN_TIMEOUT = 300.0


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


class Receivers:
    """The receiver process: `ports` to send to; `stop()` returns every receipt as
    (time, resource id, webhook id)."""

    def __init__(self, count: int) -> None:
        self.out = Path(tempfile.mkstemp(prefix="meridian-bench-receipts-", suffix=".json")[1])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.webhooks", "--receive", str(count), "--out", self.out],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.ports: list[int] = json.loads(self.process.stdout.readline())

    def stop(self) -> list[tuple[float, str, str]]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        try:
            return [tuple(r) for r in json.loads(self.out.read_text())]  # type: ignore[misc]
        except (OSError, ValueError):
            return []
        finally:
            self.out.unlink(missing_ok=True)


# --- the pieces both scenarios share ------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


@contextmanager
def _redis_processes(database_url: str, queue: str) -> Iterator[int]:
    """One worker and the scheduler (its sweeper and retries), on a queue of their own; yields
    the worker's process id."""
    env = {
        **os.environ,
        "MERIDIAN_DATABASE_URL": database_url,
        "MERIDIAN_REDIS_URL": redis_url(),
        "MERIDIAN_QUEUE_NAME": queue,
        "MERIDIAN_WEBHOOK_ALLOW_LOOPBACK": "true",
        "MERIDIAN_LOG_LEVEL": "WARNING",
    }
    processes = [
        subprocess.Popen([sys.executable, "-m", "entrypoints.cli", role], cwd=ROOT, env=env)
        for role in ("worker", "scheduler")
    ]
    try:
        yield processes[0].pid
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class App:
    """The application, in the bench process, acting for the bench organization."""

    container: Any
    subject: Any
    database_url: str

    async def endpoint(self, port: int, events: list[str]) -> uuid.UUID:
        from application.webhooks.commands import WebhookEndpointCreate

        async with self.container.uow_factory().write() as uow:
            endpoint = await self.container.webhook_service().create_endpoint(
                uow,
                self.subject,
                WebhookEndpointCreate(
                    url=f"http://127.0.0.1:{port}/hook",
                    format="raw",  # type: ignore[arg-type]
                    events=events,  # type: ignore[arg-type]
                ),
            )
            await uow.commit()
        return uuid.UUID(str(endpoint.id))

    async def delete_endpoint(self, endpoint_id: uuid.UUID) -> None:
        async with self.container.uow_factory().write() as uow:
            await self.container.webhook_service().delete_endpoint(uow, self.subject, endpoint_id)
            await uow.commit()

    async def create_product(self, name: str) -> str:
        from application.products.commands import FixedPriceCreate, ProductCreate

        command = ProductCreate(
            name=name, prices=[FixedPriceCreate(amount_type="fixed", price_amount=100)]
        )
        async with self.container.uow_factory().write() as uow:
            product = await self.container.product_service().create(uow, self.subject, command)
            await uow.commit()
        return str(product.id)

    async def rename_product(self, product_id: str, name: str) -> None:
        from application.products.commands import ProductUpdate

        async with self.container.uow_factory().write() as uow:
            await self.container.product_service().update(
                uow, self.subject, uuid.UUID(product_id), ProductUpdate(name=name)
            )
            await uow.commit()

    async def wait_delivered(self, count: int, endpoint_id: uuid.UUID | None = None) -> bool:
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while await _delivered(self.database_url, endpoint_id) < count:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True


@asynccontextmanager
async def _app(database_url: str, organization_id: str, *, queue: str | None) -> AsyncIterator[App]:
    """With `queue`, jobs go to that Redis queue (the worker runs them); without, they run in
    this process, with the periodic sweep, as in `uv run task api` without Redis."""
    from dependency_injector import providers

    from application.auth import MERCHANT_SCOPES, AuthSubject
    from entrypoints.container import Container
    from entrypoints.runtime import Runtime
    from entrypoints.settings import Settings

    container = Container()
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url() if queue else None,
        queue_name=queue or "meridian:jobs",
        webhook_allow_loopback=True,
        log_level="WARNING",
    )
    container.settings.override(providers.Object(settings))
    runtime = Runtime(container, role="cli" if queue else "api")
    await runtime.start()
    if queue:
        # This process stands in for the API, whose start opens its connections ahead of time
        # (the "api" role, used without a queue, does it itself).
        await runtime.warm()
    subject = AuthSubject.organization(uuid.UUID(organization_id), MERCHANT_SCOPES)
    try:
        yield App(container, subject, database_url)
    finally:
        await runtime.stop()


async def _delivered(database_url: str, endpoint_id: uuid.UUID | None = None) -> int:
    import asyncpg

    from bench.__main__ import plain

    connection = await asyncpg.connect(plain(database_url))
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM webhook_events WHERE status = 'succeeded'"
                " AND ($1::uuid IS NULL OR endpoint_id = $1)",
                endpoint_id,
            )
        )
    finally:
        await connection.close()


async def _event_order(database_url: str, endpoint_id: uuid.UUID) -> list[str]:
    """The endpoint's event ids in the order Meridian promises to send them."""
    import asyncpg

    from bench.__main__ import plain

    connection = await asyncpg.connect(plain(database_url))
    try:
        rows = await connection.fetch(
            "SELECT id FROM webhook_events WHERE endpoint_id = $1 ORDER BY created_at, id",
            endpoint_id,
        )
        return [str(row["id"]) for row in rows]
    finally:
        await connection.close()


def _redis_answers(url: str) -> bool:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as error:
        print(f"webhooks: no Redis at {url} ({error}); set MERIDIAN_BENCH_REDIS_URL. Skipped.")
        return False
    return True


# --- burst --------------------------------------------------------------------------------------


async def _burst(app: App, ports: list[int]) -> dict[str, float]:
    """Create the endpoints, then N products; returns each product's commit time."""
    for port in ports:
        await app.endpoint(port, ["product.created"])
    # Warm-up, not measured: the worker is up and its connections are open.
    await app.create_product("Webhook bench warm-up")
    await app.wait_delivered(len(ports))
    committed: dict[str, float] = {}
    for n in range(EVENTS):
        product_id = await app.create_product(f"Webhook bench {n}")
        committed[product_id] = time.time()
    return committed


def run_burst(database_url: str, organization_id: str) -> dict[str, Any]:
    queue = f"meridian-bench:{uuid.uuid4().hex}"
    receivers = Receivers(RECEIVERS)
    try:
        with _redis_processes(database_url, queue):
            print(f"measuring webhooks: {EVENTS} events x {RECEIVERS} receivers ...", flush=True)

            async def produce() -> dict[str, float]:
                async with _app(database_url, organization_id, queue=queue) as app:
                    committed = await _burst(app, receivers.ports)
                    await app.wait_delivered((EVENTS + 1) * RECEIVERS)
                    return committed

            committed = asyncio.run(produce())
    finally:
        raw = receivers.stop()
    # Only the measured changes (not the warm-up).
    received = [r for r in raw if r[1] in committed]
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
        f"webhooks burst: {summary['deliveries']}/{summary['expected']} delivered, "
        f"{summary['deliveries_per_s']:.0f} deliveries/s, commit-to-receipt "
        f"p50 {summary['p50_delay_ms']:.0f} ms, p99 {summary['p99_delay_ms']:.0f} ms "
        f"(changes committed at {summary['changes_per_s'] or 0:.0f}/s)"
    )
    return summary


# --- steady rate to one endpoint ----------------------------------------------------------------


# Products renamed in turn: changes may overlap (the rate is kept even when one commit is slow),
# and overlapping ones then rarely wait for the same row.
PRODUCTS_IN_TURN = 8


@dataclass
class Phase:
    rate: float
    changes: int
    # When the first change began and the last one committed (time.time()).
    started: float
    ended: float
    drained: bool = True
    # CPU seconds the process running the jobs spent from the first change to the last receipt.
    cpu_s: float = 0.0


def _cpu_seconds(pid: int | None) -> float:
    """CPU time (user and system) of process `pid` (Linux), or of this process."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _steady(app: App, port: int, jobs: int | None) -> tuple[uuid.UUID, list[Phase]]:
    """One endpoint; for each rate, one product renamed per tick for SECONDS seconds. The
    changes start on time whether or not the previous ones committed (at most
    PRODUCTS_IN_TURN at once). `jobs`: the process running the jobs (None: this one)."""
    products = [await app.create_product(f"Steady {n}") for n in range(PRODUCTS_IN_TURN)]
    # Subscribed after the products exist: their creation is not delivered.
    endpoint_id = await app.endpoint(port, ["product.updated"])
    await app.rename_product(products[0], "Steady warm-up")
    await app.wait_delivered(1, endpoint_id)
    delivered, phases = 1, []
    for rate in RATES:
        count = round(rate * SECONDS)
        in_flight = asyncio.Semaphore(PRODUCTS_IN_TURN)

        async def change(n: int, rate: float = rate, in_flight: Any = in_flight) -> None:
            async with in_flight:
                await app.rename_product(products[n % len(products)], f"{rate:g}/s #{n}")

        started, start, cpu = time.time(), time.monotonic(), _cpu_seconds(jobs)
        changes = []
        for n in range(count):
            pause = start + n / rate - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            changes.append(asyncio.create_task(change(n)))
        await asyncio.gather(*changes)
        ended = time.time()
        delivered += count
        drained = await app.wait_delivered(delivered, endpoint_id)
        cpu = _cpu_seconds(jobs) - cpu
        phases.append(Phase(rate, count, started, ended, drained, cpu))
    await app.delete_endpoint(endpoint_id)
    return endpoint_id, phases


async def _commits(database_url: str, endpoint_id: uuid.UUID) -> dict[str, float]:
    """Each `product.updated` event of the endpoint → when its change committed.

    The fan-out derives an event's id from its job's id, which is the outbox row's id; the
    row's `created_at` is taken as the change commits (a few milliseconds before the end of
    the transaction).
    """
    import asyncpg

    from application.webhooks.fan_out import event_id_for
    from bench.__main__ import plain

    connection = await asyncpg.connect(plain(database_url))
    try:
        rows = await connection.fetch(
            "SELECT id, created_at FROM outbox WHERE job_name = 'product.updated'"
        )
    finally:
        await connection.close()
    return {
        str(event_id_for(str(row["id"]), endpoint_id)): row["created_at"].timestamp()
        for row in rows
    }


def _steady_summary(
    phases: list[Phase],
    received: list[tuple[float, str, str]],
    order: list[str],
    commits: dict[str, float],
) -> list[dict[str, Any]]:
    first: dict[str, float] = {}  # event id → its first receipt
    for at, _, webhook_id in sorted(received):
        first.setdefault(webhook_id, at)
    position = {event_id: n for n, event_id in enumerate(order)}
    results = []
    for phase in phases:
        events = {e for e, at in commits.items() if phase.started <= at <= phase.ended}
        arrived = sorted((first[e], e) for e in events if e in first)
        positions = [position.get(e, -1) for _, e in arrived]
        ranks = [commits[e] for _, e in arrived]
        delays = [at - commits[e] for at, e in arrived]
        results.append(
            {
                "rate": phase.rate,
                "changes": phase.changes,
                "changes_per_s": phase.changes / (phase.ended - phase.started),
                "events": len(events),
                "delivered": len(arrived),
                "deliveries": sum(1 for _, _, e in received if e in events),
                "p50_delay_ms": _percentile(delays, 0.50) * 1000,
                "p99_delay_ms": _percentile(delays, 0.99) * 1000,
                "max_delay_ms": max(delays, default=float("nan")) * 1000,
                # Each event first arrived in the endpoint's event order (created_at, id).
                "in_order": positions == sorted(positions) and -1 not in positions,
                # Informational: events that arrived after one whose change committed later
                # (fan-out jobs run concurrently: events can be created in another order than
                # the commits; the REST payload's modified_at tells a receiver).
                "commit_order_inversions": sum(1 for a, b in itertools.pairwise(ranks) if b < a),
                "drained": phase.drained,
                # What one change costs the process running the jobs (on a busy machine, a
                # steadier figure than the delays): a core sustains about 1000 / this per s.
                "cpu_ms_per_change": phase.cpu_s * 1000 / phase.changes,
            }
        )
    return results


def run_steady(database_url: str, organization_id: str, *, redis: bool) -> list[dict[str, Any]]:
    mode = "redis, one worker" if redis else "in-process"
    print(
        f"measuring webhooks, steady rate to one endpoint ({mode}): "
        f"{', '.join(f'{r:g}' for r in RATES)} changes/s x {SECONDS:g} s ...",
        flush=True,
    )
    queue = f"meridian-bench:{uuid.uuid4().hex}" if redis else None
    receivers = Receivers(1)
    try:
        with _redis_processes(database_url, queue) if queue else _nothing() as jobs:

            async def produce() -> tuple[list[Phase], list[str], dict[str, float]]:
                async with _app(database_url, organization_id, queue=queue) as app:
                    endpoint_id, phases = await _steady(app, receivers.ports[0], jobs)
                order = await _event_order(database_url, endpoint_id)
                return phases, order, await _commits(database_url, endpoint_id)

            phases, order, commits = asyncio.run(produce())
    finally:
        received = receivers.stop()
    results = _steady_summary(phases, received, order, commits)
    cpu = "the worker's" if redis else "the process's (the changes' too)"
    for result in results:
        result["mode"] = mode
        result["cpu_of"] = cpu
        print(
            f"webhooks steady {mode}: {result['rate']:g}/s (committed at "
            f"{result['changes_per_s']:.0f}/s): {result['delivered']}/{result['events']} "
            f"delivered, commit-to-receipt p50 {result['p50_delay_ms']:.0f} ms, "
            f"p99 {result['p99_delay_ms']:.0f} ms, max {result['max_delay_ms']:.0f} ms, "
            f"{'in order' if result['in_order'] else 'OUT OF ORDER'}; "
            f"{result['cpu_ms_per_change']:.1f} ms of {cpu} CPU per change"
        )
    return results


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def run(database_url: str, organization_id: str) -> dict[str, Any] | None:
    """Run the scenarios on a seeded bench database; prints and returns the summary."""
    if not _redis_answers(redis_url()):
        return None
    summary: dict[str, Any] = {}
    if "burst" in SCENARIOS:
        summary = run_burst(database_url, organization_id)
    if "steady" in SCENARIOS:
        steady = run_steady(database_url, organization_id, redis=True)
        steady += run_steady(database_url, organization_id, redis=False)
        targets = [r for r in steady if r["rate"] == TARGET_RATE]
        met = bool(targets) and all(
            r["p99_delay_ms"] < TARGET_P99_MS
            and r["in_order"]
            and r["delivered"] == r["events"] == r["changes"]
            for r in targets
        )
        print(
            f"TARGET p99 < {TARGET_P99_MS:g} ms at {TARGET_RATE:g}/s to one endpoint, in order: "
            f"{'MET' if met else 'NOT MET'}"
        )
        summary["steady"] = steady
        summary["steady_target"] = {"rate": TARGET_RATE, "p99_ms": TARGET_P99_MS, "met": met}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--receive", type=int, help="run the receivers (internal)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.receive:
        asyncio.run(_serve(args.receive, args.out))
        return 0
    from contextlib import ExitStack

    from bench.__main__ import bench_database, database_server, seed

    with ExitStack() as stack:
        server_url = stack.enter_context(database_server())
        database_url = stack.enter_context(bench_database(server_url))
        seeded = asyncio.run(seed(database_url))
        run(database_url, seeded.organization_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
