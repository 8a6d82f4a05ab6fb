"""The checkout scenario: checkouts confirmed at a steady rate, through to the license key.

A real API process (`meridian api`, jobs on Redis) with ONE `meridian worker` and the scheduler
(its outbox relay), on a queue of their own. Ahead of time, not timed: a license-keys benefit,
a product granting it, and one open checkout per confirmation (all through the API with the
organization token). Then, at a steady rate (open loop: each confirmation starts on time
whether or not the previous ones answered), `POST /v1/checkouts/client/{secret}/confirm` with a
new customer email and `tok_sandbox_success`.

Measured per checkout, from just before its confirm request leaves: the confirm's answer, the
order becoming `paid` (the `payment.succeeded` job) and the customer's license key existing
(the `benefit.grant` job). The last two are observed by polling PostgreSQL from the bench
process (one query for both every POLL seconds, on one connection, for the checkouts still
pending), so they are late by at most one poll plus a query. Afterwards the outbox rows tell
where the time went: each job's row is written in the transaction that enqueues it and marked
sent once it is on Redis.

The API runs with rate limits ON (counters on Redis, as in production) and
MERIDIAN_RATE_LIMIT_RULES raising `checkout_confirm` (6/minute per address in production: the
bench confirms from one address) and `default` (the setup uses one token).

Environment: MERIDIAN_BENCH_CHECKOUT_RATE (confirmations per second, default 20),
MERIDIAN_BENCH_CHECKOUT_SECONDS (default 20), MERIDIAN_BENCH_REDIS_URL (see bench/webhooks.py),
MERIDIAN_BENCH_CHECKOUT_WEBHOOKS=1 (the organization has one endpoint subscribed to every event
type, answered at once by a local receiver: each change's webhook event is then a job, fanned
out and delivered by the same worker; without it, as for a merchant without webhooks, the
events are not written at all).
Target (issue 11): at 20 checkouts/s, confirm → license key p99 < 500 ms.

`python -m bench.checkouts` (or `uv run task bench --scenario checkouts`) runs it alone on a
fresh bench database; `uv run task bench` runs it after the webhook scenarios. Results:
bench/results/checkouts.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "checkouts.json"
RATE = float(os.environ.get("MERIDIAN_BENCH_CHECKOUT_RATE", "20"))
SECONDS = float(os.environ.get("MERIDIAN_BENCH_CHECKOUT_SECONDS", "20"))
WARMUP = 10  # checkouts confirmed one after another first, not measured
TARGET_RATE, TARGET_P99_MS = 20.0, 500.0
POLL = 0.01
DRAIN_TIMEOUT = 120.0
RATE_LIMIT_RULES = {"default": "100000/minute", "checkout_confirm": "100000/minute"}
WEBHOOKS = os.environ.get("MERIDIAN_BENCH_CHECKOUT_WEBHOOKS", "") in ("1", "true", "yes")


@dataclass
class Timing:
    secret: str
    checkout_id: str
    sent: float = 0.0
    answered: float | None = None
    status: int | None = None
    paid: float | None = None
    keyed: float | None = None
    errors: list[str] = field(default_factory=list)


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _check(response: httpx.Response) -> dict[str, Any]:
    if not response.is_success:
        raise RuntimeError(
            f"{response.request.url} answered {response.status_code}: {response.text}"
        )
    body: dict[str, Any] = response.json()
    return body


async def _subscribe_everything(client: httpx.AsyncClient, token: str, port: int) -> None:
    """One endpoint, subscribed to every event type, sending to the receiver on `port`."""
    from entrypoints.container import Container

    _check(
        await client.post(
            "/v1/webhooks/endpoints",
            headers=_headers(token),
            json={
                "url": f"http://127.0.0.1:{port}/hook",
                "format": "raw",
                "events": sorted(Container().webhook_catalogue().event_types),
            },
        )
    )


async def _prepare(client: httpx.AsyncClient, token: str, count: int) -> list[Timing]:
    """The benefit, the product and `count` open checkouts (not timed)."""
    benefit = _check(
        await client.post(
            "/v1/benefits/",
            headers=_headers(token),
            json={
                "type": "license_keys",
                "description": "Checkout bench key",
                "properties": {"prefix": "CHK", "limit_activations": 3},
            },
        )
    )
    product = _check(
        await client.post(
            "/v1/products/",
            headers=_headers(token),
            json={
                "name": "Checkout bench",
                "prices": [{"amount_type": "fixed", "price_amount": 1900}],
            },
        )
    )
    _check(
        await client.post(
            f"/v1/products/{product['id']}/benefits",
            headers=_headers(token),
            json={"benefits": [benefit["id"]]},
        )
    )
    in_flight = asyncio.Semaphore(8)

    async def create() -> Timing:
        async with in_flight:
            checkout = _check(
                await client.post(
                    "/v1/checkouts/", headers=_headers(token), json={"products": [product["id"]]}
                )
            )
        return Timing(checkout["client_secret"], checkout["id"])

    return list(await asyncio.gather(*(create() for _ in range(count))))


async def _confirm(client: httpx.AsyncClient, timing: Timing, n: int) -> None:
    timing.sent = time.time()
    try:
        response = await client.post(
            f"/v1/checkouts/client/{timing.secret}/confirm",
            json={
                "customer_email": f"buyer-{n}-{uuid.uuid4().hex[:8]}@example.com",
                "confirmation_token_id": "tok_sandbox_success",
            },
        )
    except httpx.HTTPError as error:
        timing.errors.append(repr(error))
        return
    timing.answered = time.time()
    timing.status = response.status_code
    if not response.is_success:
        timing.errors.append(f"{response.status_code}: {response.text[:200]}")


async def _observe(database_url: str, timings: list[Timing], done: asyncio.Event) -> None:
    """Record when each checkout's order is first seen paid and its key first seen."""
    import asyncpg

    from bench.__main__ import plain

    by_id = {t.checkout_id: t for t in timings}
    connection = await asyncpg.connect(plain(database_url))
    try:
        while True:
            # A confirmation that failed (or has not answered yet and will fail) makes no key:
            # only the answered, successful ones are waited for once the run is over.
            pending = [
                i
                for i, t in by_id.items()
                if t.sent and not t.errors and (t.paid is None or t.keyed is None)
            ]
            if pending:
                rows = await connection.fetch(
                    "SELECT c.id, o.status = 'paid' AS paid,"
                    " EXISTS (SELECT 1 FROM license_keys k WHERE k.customer_id = c.customer_id)"
                    " AS keyed"
                    " FROM checkouts c LEFT JOIN orders o ON o.checkout_id = c.id"
                    " WHERE c.id = ANY($1::uuid[])",
                    pending,
                )
                now = time.time()
                for row in rows:
                    timing = by_id[str(row["id"])]
                    if row["paid"] and timing.paid is None:
                        timing.paid = now
                    if row["keyed"] and timing.keyed is None:
                        timing.keyed = now
            elif done.is_set():
                return
            await asyncio.sleep(POLL)
    finally:
        await connection.close()


async def _drive(
    app_url: str, database_url: str, token: str, receiver: int | None
) -> tuple[list[Timing], float]:
    count = round(RATE * SECONDS)
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=app_url, timeout=60, limits=limits) as client:
        timings = await _prepare(client, token, WARMUP + count)
        if receiver is not None:
            # After the setup: its own events (hundreds of checkout.created) would otherwise
            # still be on their way when the measurement starts.
            await _subscribe_everything(client, token, receiver)
        warmup, measured = timings[:WARMUP], timings[WARMUP:]
        done = asyncio.Event()
        # Warm-up: the API's and the worker's connections open, their code paths run once.
        observer = asyncio.create_task(_observe(database_url, warmup, done))
        for n, timing in enumerate(warmup):
            await _confirm(client, timing, n)
        done.set()
        await asyncio.wait_for(observer, DRAIN_TIMEOUT)

        done = asyncio.Event()
        observer = asyncio.create_task(_observe(database_url, measured, done))
        print(
            f"checkouts: {len(timings)} open, {WARMUP} confirmed as a warm-up; measuring",
            flush=True,
        )
        start, confirms = time.monotonic(), []
        for n, timing in enumerate(measured):
            pause = start + n / RATE - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            confirms.append(asyncio.create_task(_confirm(client, timing, WARMUP + n)))
        await asyncio.gather(*confirms)
        elapsed = time.monotonic() - start
        done.set()
        try:
            await asyncio.wait_for(observer, DRAIN_TIMEOUT)
        except TimeoutError:
            print(f"checkouts: not every key arrived within {DRAIN_TIMEOUT:g} s")
    return measured, elapsed


async def _outbox_breakdown(database_url: str, since: float) -> dict[str, Any]:
    """Per job name: how long rows waited between their transaction and Redis (dispatched_at -
    created_at), p50/p99 in ms, and how many the relay (not the commit) sent."""
    import asyncpg

    from bench.__main__ import plain

    connection = await asyncpg.connect(plain(database_url))
    try:
        rows = await connection.fetch(
            "SELECT job_name, extract(epoch FROM dispatched_at - created_at) * 1000 AS ms,"
            " attempts FROM outbox WHERE created_at >= to_timestamp($1)",
            since,
        )
    finally:
        await connection.close()
    names: dict[str, list[float]] = {}
    relayed: dict[str, int] = {}
    for row in rows:
        if row["ms"] is not None:
            names.setdefault(row["job_name"], []).append(float(row["ms"]))
        relayed[row["job_name"]] = relayed.get(row["job_name"], 0) + (row["attempts"] > 0)
    from bench.webhooks import _percentile

    return {
        name: {
            "rows": len(values),
            "p50_ms": _percentile(values, 0.5),
            "p99_ms": _percentile(values, 0.99),
            "sent_by_relay": relayed.get(name, 0),
        }
        for name, values in sorted(names.items())
    }


def _ms(values: list[float]) -> dict[str, float]:
    from bench.webhooks import _percentile

    return {
        "p50_ms": _percentile(values, 0.5) * 1000,
        "p99_ms": _percentile(values, 0.99) * 1000,
        "max_ms": max(values, default=float("nan")) * 1000,
    }


def run(database_url: str, organization_access_token: str) -> dict[str, Any] | None:
    from bench.__main__ import free_port, server
    from bench.webhooks import (
        Receivers,
        _cpu_seconds,
        _redis_answers,
        _redis_processes,
        redis_url,
    )

    if not _redis_answers(redis_url()):
        return None
    queue = f"meridian-bench:{uuid.uuid4().hex}"
    port = free_port()
    env = {
        "MERIDIAN_DATABASE_URL": database_url,
        "MERIDIAN_REDIS_URL": redis_url(),
        "MERIDIAN_QUEUE_NAME": queue,
        "MERIDIAN_LOG_LEVEL": "WARNING",
        "MERIDIAN_RATE_LIMIT_RULES": json.dumps(RATE_LIMIT_RULES),
        "MERIDIAN_WEBHOOK_ALLOW_LOOPBACK": "true",
    }
    argv = [sys.executable, "-m", "entrypoints.cli", "api", "--port", str(port)]
    print(
        f"measuring checkouts: {RATE:g} confirmations/s x {SECONDS:g} s against the API, Redis "
        f"and one worker (rate limits on, raised: {json.dumps(RATE_LIMIT_RULES)}; "
        f"{'one endpoint subscribed to every event' if WEBHOOKS else 'no webhook endpoint'}) ...",
        flush=True,
    )
    receivers = Receivers(1) if WEBHOOKS else None
    with ExitStack() as stack:
        if receivers is not None:
            stack.callback(receivers.stop)
        worker = stack.enter_context(_redis_processes(database_url, queue))
        app = stack.enter_context(server("app", argv, port, env))
        since = time.time()
        cpu = {"api": _cpu_seconds(app.process.pid), "worker": _cpu_seconds(worker)}
        began = time.monotonic()
        timings, elapsed = asyncio.run(
            _drive(
                app.url,
                database_url,
                organization_access_token,
                None if receivers is None else receivers.ports[0],
            )
        )
        wall = time.monotonic() - began
        cpu = {
            "api": _cpu_seconds(app.process.pid) - cpu["api"],
            "worker": _cpu_seconds(worker) - cpu["worker"],
        }
    outbox = asyncio.run(_outbox_breakdown(database_url, since))
    answered = [t.answered - t.sent for t in timings if t.answered and not t.errors]
    paid = [t.paid - t.sent for t in timings if t.paid]
    keyed = [t.keyed - t.sent for t in timings if t.keyed]
    paid_to_key = [t.keyed - t.paid for t in timings if t.keyed and t.paid]
    count = len(timings)
    # Confirm → key by quarter of the run: flat, the pipeline's own latency; growing, a backlog.
    quarters = [
        _ms([t.keyed - t.sent for t in timings[q * count // 4 : (q + 1) * count // 4] if t.keyed])
        for q in range(4)
    ]
    summary: dict[str, Any] = {
        "rate": RATE,
        "seconds": SECONDS,
        "checkouts": count,
        "confirmed_per_s": count / elapsed,
        "errors": sum(1 for t in timings if t.errors),
        "first_errors": [e for t in timings for e in t.errors][:5],
        "paid": len(paid),
        "keyed": len(keyed),
        "confirm_response": _ms(answered),
        "confirm_to_paid": _ms(paid),
        "paid_to_key": _ms(paid_to_key),
        "confirm_to_key": _ms(keyed),
        "confirm_to_key_by_quarter": quarters,
        "poll_interval_ms": POLL * 1000,
        "outbox_commit_to_redis": outbox,
        # CPU seconds per checkout (warm-up and setup included in the API's).
        "cpu_ms_per_checkout": {k: v * 1000 / count for k, v in cpu.items()},
        # Share of one core over setup, warm-up, the run and its drain.
        "cpu_share": {k: v / wall for k, v in cpu.items()},
        "machine": {"cpus": os.cpu_count(), "load_average_1m": os.getloadavg()[0]},
        "rate_limits": f"on, raised: {json.dumps(RATE_LIMIT_RULES)}",
        "mode": "API process + redis, one worker, the scheduler",
        "webhooks": "one endpoint, every event" if WEBHOOKS else "no endpoint",
    }
    met = (
        RATE >= TARGET_RATE
        and summary["keyed"] == count
        and summary["errors"] == 0
        and summary["confirm_to_key"]["p99_ms"] < TARGET_P99_MS
    )
    summary["target"] = {"rate": TARGET_RATE, "p99_ms": TARGET_P99_MS, "met": met}

    def line(name: str) -> str:
        figures = summary[name]
        return (
            f"p50 {figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms, "
            f"max {figures['max_ms']:.0f} ms"
        )

    print(
        f"checkouts: {count} confirmed at {summary['confirmed_per_s']:.1f}/s, "
        f"{summary['errors']} errors, {summary['paid']} paid, {summary['keyed']} keys"
    )
    print(f"  confirm response:          {line('confirm_response')}")
    print(f"  confirm → order paid:      {line('confirm_to_paid')}")
    print(f"  order paid → key granted:  {line('paid_to_key')}")
    print(f"  confirm → key granted:     {line('confirm_to_key')}")
    by_quarter = ", ".join(f"{q['p50_ms']:.0f}/{q['p99_ms']:.0f}" for q in quarters)
    print(f"  confirm → key p50/p99 ms by quarter of the run: {by_quarter}")
    for name, figures in outbox.items():
        print(
            f"  outbox {name}: {figures['rows']} rows, commit → Redis p50 "
            f"{figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms, "
            f"{figures['sent_by_relay']} by the relay"
        )
    cpu_line = ", ".join(f"{k} {v:.1f} ms" for k, v in summary["cpu_ms_per_checkout"].items())
    share = ", ".join(f"{k} {v:.0%}" for k, v in summary["cpu_share"].items())
    print(
        f"  CPU per checkout: {cpu_line} (share of a core: {share}; {os.cpu_count()} CPUs, "
        f"load {summary['machine']['load_average_1m']:.1f}); rate limits {summary['rate_limits']}"
        f"; webhooks: {summary['webhooks']}"
    )
    if summary["first_errors"]:
        print(f"  first errors: {summary['first_errors']}")
    print(
        f"TARGET confirm → key p99 < {TARGET_P99_MS:g} ms at {TARGET_RATE:g} checkouts/s: "
        f"{'MET' if met else 'NOT MET'} (measured at {RATE:g}/s)"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main() -> int:
    from bench.__main__ import bench_database, database_server, seed

    with ExitStack() as stack:
        server_url = stack.enter_context(database_server())
        database_url = stack.enter_context(bench_database(server_url))
        seeded = asyncio.run(seed(database_url))
        run(database_url, seeded.organization_access_token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
