"""Money under concurrency, in real concurrent transactions on PostgreSQL: a discount's last
redemption goes to exactly one of the checkouts confirming it at once, and of two refunds
racing for an order's last cents exactly one is taken. The losers get the answer they would
get one after the other (422), never a 500, and nothing half-written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from adapters.payments.sandbox import SUCCESS
from application.payments.service import PAYMENT_SUCCEEDED
from entrypoints.container import Container
from tests.api.conftest import committing_app
from tests.api.test_concurrency import CONCURRENCY, _race
from tests.harness import Seeder, Tenant

FIXED = {"name": "Race", "prices": [{"amount_type": "fixed", "price_amount": 900}]}


@pytest.fixture
async def committing(database_url: str) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    async with committing_app(
        database_url,
        database_pool_size=CONCURRENCY + 2,
        database_pool_timeout=30,
        # Polar's 6 confirms a minute per address would refuse the race itself.
        rate_limit_rules={"checkout_confirm": "1000/minute"},
    ) as app:
        yield app


async def _checkout(
    client: httpx.AsyncClient, tenant: Tenant, product_id: str, email: str
) -> dict[str, Any]:
    response = await client.post(
        "/v1/checkouts/",
        json={"products": [product_id], "customer_email": email},
        headers=tenant.headers("organization"),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _product(client: httpx.AsyncClient, tenant: Tenant) -> str:
    response = await client.post(
        "/v1/products/", json=FIXED, headers=tenant.headers("organization")
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_the_last_redemption_goes_to_one_checkout(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    discount = await client.post(
        "/v1/discounts/",
        json={
            "name": "Last one",
            "type": "fixed",
            "amount": 100,
            "currency": "usd",
            "duration": "once",
            "code": "LAST",
            "max_redemptions": 1,
        },
        headers=headers,
    )
    assert discount.status_code == 201, discount.text
    product = await _product(client, tenant)
    checkouts = []
    for n in range(CONCURRENCY):
        checkout = await _checkout(client, tenant, product, f"buyer{n}@example.com")
        applied = await client.patch(
            f"/v1/checkouts/client/{checkout['client_secret']}", json={"discount_code": "last"}
        )
        assert applied.status_code == 200 and applied.json()["total_amount"] == 800
        checkouts.append(checkout)

    responses = await _race(
        container,
        "discounts",
        discount.json()["id"],
        [
            client.post(
                f"/v1/checkouts/client/{c['client_secret']}/confirm",
                json={"confirmation_token_id": SUCCESS},
            )
            for c in checkouts
        ],
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [422] * (CONCURRENCY - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 422:
            assert response.json()["detail"][0]["loc"] == ["body", "discount_code"]
    got = await client.get(f"/v1/discounts/{discount.json()['id']}", headers=headers)
    assert got.json()["redemptions_count"] == 1
    # One payment started: the refused confirms wrote nothing.
    payments = await client.get("/v1/payments/", params={"limit": 100}, headers=headers)
    assert [p["amount"] for p in payments.json()["items"]] == [800]


async def test_two_refunds_racing_for_the_last_cents(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    product = await _product(client, tenant)
    checkout = await _checkout(client, tenant, product, "buyer@example.com")
    confirmed = await client.post(
        f"/v1/checkouts/client/{checkout['client_secret']}/confirm",
        json={"confirmation_token_id": SUCCESS},
    )
    assert confirmed.status_code == 200, confirmed.text
    # The committing app records its jobs: run the processor's report as the worker would.
    [report] = [job for job in container.job_queue().sent if job.name == PAYMENT_SUCCEEDED]
    async with container.uow_factory().write() as uow:
        await container.payment_service().on_succeeded(uow, report.arguments["processor_id"])
        await uow.commit()
    orders = await client.get(
        "/v1/orders/", params={"checkout_id": checkout["id"]}, headers=headers
    )
    [order] = orders.json()["items"]
    assert (order["status"], order["refundable_amount"]) == ("paid", 900)

    body = {"order_id": order["id"], "reason": "customer_request", "amount": 600}
    responses = await _race(
        container,
        "orders",
        order["id"],
        [client.post("/v1/refunds/", json=body, headers=headers) for _ in range(2)],
    )
    assert sorted(r.status_code for r in responses) == [201, 422], [r.text for r in responses]
    [refused] = [r for r in responses if r.status_code == 422]
    assert refused.json()["detail"][0]["loc"] == ["body", "amount"]
    after = await client.get(f"/v1/orders/{order['id']}", headers=headers)
    assert (after.json()["refunded_amount"], after.json()["status"]) == (600, "partially_refunded")
    refunds = await client.get("/v1/refunds/", params={"order_id": order["id"]}, headers=headers)
    assert [r["amount"] for r in refunds.json()["items"]] == [600]
