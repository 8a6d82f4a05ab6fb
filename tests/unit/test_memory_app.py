"""The whole API on the memory adapters (what `MERIDIAN_ADAPTERS=memory` serves), called over
ASGI: what a write commits is there for the next request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from entrypoints.http.app import create_app
from tests.unit.conftest import Harness, memory_container


@pytest.fixture
async def app_harness() -> AsyncIterator[tuple[Harness, httpx.AsyncClient]]:
    container = memory_container()  # credentials are looked up on every request
    app = create_app(container, manage_runtime=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://meridian.test") as client:
        yield Harness(container), client


async def test_a_product_created_with_an_uncached_token_is_kept(
    app_harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    # Before: authentication's read unit of work, opened before the write and closed after it,
    # restored the store it had copied, and the 201's product was gone.
    harness, client = app_harness
    tenant = await harness.tenant()
    headers = tenant.headers("organization")
    body = {"name": "Pro", "prices": [{"amount_type": "fixed", "price_amount": 900}]}
    created = await client.post("/v1/products/", json=body, headers=headers)
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    fetched = await client.get(f"/v1/products/{product_id}", headers=headers)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == created.json()
    assert [str(id) for id in harness.store.tables["products"]] == [product_id]


async def test_another_tenants_product_is_not_found_on_memory_too(
    app_harness: tuple[Harness, httpx.AsyncClient],
) -> None:
    harness, client = app_harness
    mine, theirs = await harness.tenant(), await harness.tenant()
    body = {"name": "Secret", "prices": [{"amount_type": "fixed", "price_amount": 900}]}
    created = await client.post("/v1/products/", json=body, headers=theirs.headers("organization"))
    path = f"/v1/products/{created.json()['id']}"
    assert (await client.get(path, headers=mine.headers("organization"))).status_code == 404
    listed = await client.get("/v1/products/", headers=mine.headers("user"))
    assert listed.json()["items"] == []
