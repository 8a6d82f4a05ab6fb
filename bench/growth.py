"""The growth scenario: a list's first page at 1 k rows and at 1 M rows.

Two organizations, each with its own user and tokens, live in the same tables: one holds 1,000
products and 1,000 benefits, the other 1,000,000 of each, written with SQL (one INSERT … SELECT
generate_series per table, as an import would, from a row the app wrote: the row counts the
app reads its totals from are kept by the database's triggers, so the import is counted like
the app's own rows). A tenth of the products are archived. The tables are then vacuumed and
analyzed, as autovacuum would after such an import, and checkpointed, so that the import's
writes are not still being flushed while this and the later scenarios measure.

Each variant's first page is loaded with few connections (latency, not throughput, is the
point), for the small and the big organization in alternating rounds; reported: each size's
p50/p99 and their ratio, big over small (the target is at most 2). Variants: the products as
the organization, archived ones only, as the user filtered by organization, five products by
id, and the benefits.

Environment: MERIDIAN_BENCH_GROWTH_ROWS (the big size, default 1000000),
MERIDIAN_BENCH_GROWTH_DURATION (seconds per variant and size, default 6),
MERIDIAN_BENCH_GROWTH_CONCURRENCY (default 2), MERIDIAN_BENCH_ROUNDS (default 3).

`python -m bench.growth` runs it alone on a fresh bench database; `uv run task bench` runs it
after the route benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.report import combine, latencies, print_rows, write_results

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "growth.json"
SMALL = 1_000
BIG = int(os.environ.get("MERIDIAN_BENCH_GROWTH_ROWS", "1000000"))
DURATION = float(os.environ.get("MERIDIAN_BENCH_GROWTH_DURATION", "6"))
CONCURRENCY = int(os.environ.get("MERIDIAN_BENCH_GROWTH_CONCURRENCY", "2"))
ROUNDS = max(1, int(os.environ.get("MERIDIAN_BENCH_ROUNDS", "3")))
TARGET = 2.0


@dataclass(frozen=True)
class Tenant:
    rows: int
    organization_id: str
    personal_access_token: str
    organization_access_token: str
    product_ids: list[str]


# The template's id with its last twelve hex digits replaced by `n`: valid version-4 ids, in
# the order rows are written (the primary key's index is appended to, not shuffled).
_NTH_ID = "(left(t.id::text, 24) || lpad(to_hex(n), 12, '0'))::uuid"

_CLONE_PRODUCTS = f"""
INSERT INTO products (id, created_at, organization_id, name, description, visibility,
    is_archived, recurring_interval, recurring_interval_count, trial_interval,
    trial_interval_count, metadata)
SELECT {_NTH_ID}, t.created_at - make_interval(secs => n), t.organization_id,
    'Product ' || lpad(n::text, 7, '0'), t.description, t.visibility, n % 10 = 0,
    t.recurring_interval, t.recurring_interval_count, t.trial_interval, t.trial_interval_count,
    t.metadata
FROM products AS t, generate_series(1, $2) AS n WHERE t.id = $1"""

_CLONE_BENEFITS = f"""
INSERT INTO benefits (id, created_at, organization_id, type, description, visibility,
    selectable, deletable, metadata, properties)
SELECT {_NTH_ID}, t.created_at - make_interval(secs => n), t.organization_id, t.type,
    'Benefit ' || lpad(n::text, 7, '0'), t.visibility, t.selectable, t.deletable, t.metadata,
    t.properties
FROM benefits AS t, generate_series(1, $2) AS n WHERE t.id = $1"""


async def _tenant(container: Any, name: str) -> tuple[Any, Any, Any]:
    """A new organization with its owner and tokens, and one product and one benefit written
    by the app (the templates of the rows the import writes)."""
    from application.auth import MERCHANT_SCOPES, AuthSubject
    from application.benefits.commands import BenefitCreate
    from application.products.commands import FixedPriceCreate, ProductCreate
    from domain.organization import slugify

    async with container.uow_factory().write() as uow:
        result = await container.bootstrap_service().bootstrap(
            uow, email=f"{slugify(name)}@example.com", organization_name=name
        )
        subject = AuthSubject.user(result.user_id, MERCHANT_SCOPES)
        product = await container.product_service().create(
            uow,
            subject,
            ProductCreate(
                name="Product",
                organization_id=result.organization_id,
                prices=[FixedPriceCreate(amount_type="fixed", price_amount=1000)],
            ),
        )
        benefit = await container.benefit_service().create(
            uow,
            subject,
            BenefitCreate(
                type="custom",
                description="Benefit",
                organization_id=result.organization_id,
                properties={"note": "Thanks"},
            ),
        )
        await uow.commit()
    return result, product, benefit


async def seed(url: str) -> list[Tenant]:
    """The small and the big organization (see the module docstring)."""
    from dependency_injector import providers

    from entrypoints.container import Container
    from entrypoints.runtime import Runtime
    from entrypoints.settings import Settings

    container = Container()
    container.settings.override(providers.Object(Settings(database_url=url)))
    runtime = Runtime(container, role="cli")
    await runtime.start()
    try:
        made = [(await _tenant(container, f"Growth {rows}"), rows) for rows in (SMALL, BIG)]
    finally:
        await runtime.stop()
    connection = await asyncpg.connect(url)
    tenants = []
    try:
        for (result, product, benefit), rows in made:
            started = time.monotonic()
            await connection.execute(_CLONE_PRODUCTS, product.id, rows - 1)
            await connection.execute(_CLONE_BENEFITS, benefit.id, rows - 1)
            print(f"  {rows:,} products and benefits written in {time.monotonic() - started:.0f} s")
            ids = await connection.fetch(
                "SELECT id FROM products WHERE organization_id = $1 ORDER BY id LIMIT 5",
                result.organization_id,
            )
            tenants.append(
                Tenant(
                    rows=rows,
                    organization_id=str(result.organization_id),
                    personal_access_token=result.personal_access_token,
                    organization_access_token=result.organization_access_token,
                    product_ids=[str(row["id"]) for row in ids],
                )
            )
        await connection.execute("VACUUM ANALYZE products, benefits, row_counts")
        await checkpoint(connection)
    finally:
        await connection.close()
    return tenants


async def checkpoint(connection: asyncpg.Connection) -> None:
    """Write the import's pages out now. Otherwise its WAL sets off a checkpoint that spreads
    its writes over the next minutes (seen: 3 minutes, from the growth scenario into the
    webhook and checkout scenarios after it), and every commit measured meanwhile pays for
    them: the webhook scenario's p99 at 100/s went from 57-133 ms alone to 341 ms after it."""
    try:
        await connection.execute("CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        print(
            "  note: no CHECKPOINT after the import (it needs the pg_checkpoint role): the "
            "measurements after it may share the disk with PostgreSQL's checkpoint"
        )


def variants(tenant: Tenant) -> dict[str, tuple[str, str]]:
    """Each variant's path and token for `tenant`."""
    ids = "&".join(f"id={id}" for id in tenant.product_ids)
    return {
        "products": ("/v1/products/", tenant.organization_access_token),
        "products archived": ("/v1/products/?is_archived=true", tenant.organization_access_token),
        "products by organization (user)": (
            f"/v1/products/?organization_id={tenant.organization_id}",
            tenant.personal_access_token,
        ),
        "products by id": (f"/v1/products/?{ids}", tenant.organization_access_token),
        "benefits": ("/v1/benefits/", tenant.organization_access_token),
    }


def _load(url: str, path: str, token: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.load", "--url", url, "--path", path, "--token", token]
    argv += ["--concurrency", str(CONCURRENCY), "--duration", str(DURATION / ROUNDS)]
    argv += ["--warmup", str(min(1.0, DURATION / ROUNDS / 2))]
    completed = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _check(url: str, path: str, token: str, rows: int) -> None:
    """The variant answers a page, and the unfiltered lists the whole organization's total."""
    import httpx

    response = httpx.get(url + path, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    response.raise_for_status()
    body = response.json()
    assert body["items"], (path, body)
    if "?" not in path:
        assert body["pagination"]["total_count"] == rows, (path, body["pagination"])


def measure(app_url: str, tenants: list[Tenant]) -> list[dict[str, Any]]:
    small, big = tenants
    results = []
    for name in variants(small):
        for tenant in (small, big):
            _check(app_url, *variants(tenant)[name], tenant.rows)
        print(f"measuring growth: {name} ...", flush=True)
        pairs = [
            (_load(app_url, *variants(small)[name]), _load(app_url, *variants(big)[name]))
            for _ in range(ROUNDS)
        ]
        sides = {
            "small": {"rows": small.rows, **combine([s for s, _ in pairs])},
            "big": {"rows": big.rows, **combine([b for _, b in pairs])},
        }
        p50_ratios = [b["p50_ms"] / s["p50_ms"] for s, b in pairs]
        p99_ratios = [b["p99_ms"] / s["p99_ms"] for s, b in pairs]
        results.append(
            {
                "variant": name,
                **sides,
                "p50_ratio": statistics.median(p50_ratios),
                "p99_ratio": statistics.median(p99_ratios),
                "p50_ratios": p50_ratios,
                "p99_ratios": p99_ratios,
            }
        )
    return results


def print_table(results: list[dict[str, Any]]) -> None:
    small, big = results[0]["small"]["rows"], results[0]["big"]["rows"]
    header = (
        f"{'first page of':<32} {f'{small:,} rows p50/p99 ms':>22} "
        f"{f'{big:,} rows p50/p99 ms':>24} {'ratio p50/p99':>14} {'errors':>7}"
    )
    print_rows(
        header,
        (
            f"{r['variant']:<32} {latencies(r['small'], 11, 10)} {latencies(r['big'], 13, 10)} "
            f"{r['p50_ratio']:>6.2f}/{r['p99_ratio']:<7.2f} "
            f"{r['small']['errors'] + r['big']['errors']:>7}"
            for r in results
        ),
    )
    worst = max(max(r["p50_ratio"], r["p99_ratio"]) for r in results)
    met = worst <= TARGET
    print(
        f"TARGET ≤ {TARGET:.1f} (big over small, p50 and p99): {'MET' if met else 'NOT MET'} "
        f"(worst {worst:.2f}; {CONCURRENCY} connections, {ROUNDS} alternating rounds)"
    )


def run(app_url: str, database_url: str) -> list[dict[str, Any]]:
    print(f"growth scenario: seeding {SMALL:,} and {BIG:,} rows ...", flush=True)
    tenants = asyncio.run(seed(database_url))
    results = measure(app_url, tenants)
    settings = {"concurrency": CONCURRENCY, "duration_s": DURATION, "rounds": ROUNDS}
    write_results(RESULTS, {**settings, "rows": [SMALL, BIG]}, results=results, target=TARGET)
    return results


def main() -> int:
    from contextlib import ExitStack

    from bench.__main__ import bench_database, database_server, start_app

    with ExitStack() as stack:
        server_url = stack.enter_context(database_server())
        database_url = stack.enter_context(bench_database(server_url))
        app = start_app(stack, database_url)
        results = run(app.url, database_url)
    print()
    print_table(results)
    print(f"results: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
