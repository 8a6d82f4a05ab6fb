"""X-Request-Id: accepted from the client or made up, echoed, and carried by every log line of
the request and of the jobs it enqueued."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import outbox
from tests.harness import Seeder

PRODUCT = {"name": "Traced", "prices": [{"amount_type": "fixed", "price_amount": 100}]}


async def test_each_response_carries_a_new_request_id(client: httpx.AsyncClient) -> None:
    first, second = await client.get("/healthz"), await client.get("/healthz")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert ids[0] != ids[1]


async def test_a_usable_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-Id": "checkout-7f3a:retry.2"})
    assert response.headers["x-request-id"] == "checkout-7f3a:retry.2"


@pytest.mark.parametrize("sent", ["x" * 129, "has space", "new\\nline", "é", ""])
async def test_an_unusable_client_request_id_is_replaced(
    client: httpx.AsyncClient, sent: str
) -> None:
    response = await client.get("/healthz", headers={"X-Request-Id": sent.encode("utf-8")})
    echoed = response.headers["x-request-id"]
    assert echoed != sent and len(echoed) == 32


async def test_errors_carry_it_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/products/", headers={"X-Request-Id": "no-token"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "no-token"


async def test_the_request_and_its_jobs_log_and_enqueue_with_its_id(
    client: httpx.AsyncClient,
    seeder: Seeder,
    connection: AsyncConnection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tenant = await seeder.tenant()
    headers = {**tenant.headers("organization"), "X-Request-Id": "create-product-1"}
    with caplog.at_level(logging.INFO):
        response = await client.post("/v1/products/", json=PRODUCT, headers=headers)
    assert response.status_code == 201, response.text
    product_id = response.json()["id"]
    # The product.created job ran (inline in these tests) and logged under the request's id.
    job_lines = [r for r in caplog.records if product_id in r.getMessage()]
    assert job_lines and {getattr(r, "request_id", None) for r in job_lines} == {"create-product-1"}
    # And its outbox row keeps the id for a relay that sends it later.
    rows = await connection.execute(
        select(outbox.c.job_name, outbox.c.request_id).where(
            outbox.c.arguments["product_id"].astext == product_id
        )
    )
    assert rows.all() == [("product.created", "create-product-1")]
