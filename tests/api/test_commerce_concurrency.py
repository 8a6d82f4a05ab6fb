"""Money under concurrency, in real concurrent transactions on PostgreSQL: a discount's last
redemption goes to exactly one of the checkouts confirming it at once, and of two refunds
racing for an order's last cents exactly one is taken. The losers get the answer they would
get one after the other (422), never a 500, and nothing half-written. First-time buyers
confirming at once with one email end up as one customer, and of one customer's cards saved
at once exactly one is its default."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from adapters.payments.sandbox import SUCCESS
from application.customers.service import CUSTOMER_CREATED
from application.payments.service import PAYMENT_SUCCEEDED
from domain.customer import Customer
from domain.payment import CardMetadata
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


async def test_first_time_buyers_with_one_email_become_one_customer(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    """Checkouts confirmed at once by the same new buyer (one email, cased differently): each
    finds no customer and inserts one; the unique (organization, lower(email)) index lets one
    insert through, and the others match the customer it made instead of failing. One
    customer, one `customer.created`, every confirm answered 200.

    To make every confirm read "no customer" before any inserts, another transaction holds an
    uncommitted customer with that email: each confirm's insert waits on it; once all wait, it
    rolls back, and the confirms race on the index."""
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    product = await _product(client, tenant)
    checkouts = [
        await _checkout(
            client, tenant, product, "Twin@Example.com" if n % 2 else "twin@example.com"
        )
        for n in range(CONCURRENCY)
    ]
    async with container.uow_factory().write() as holder:
        await holder.customers.create(
            Customer.create(
                at=datetime.now(UTC),
                organization_id=tenant.organization.id,
                email="TWIN@example.com",
            )
        )
        tasks = [
            asyncio.ensure_future(
                client.post(
                    f"/v1/checkouts/client/{c['client_secret']}/confirm",
                    json={"confirmation_token_id": SUCCESS},
                )
            )
            for c in checkouts
        ]
        await _until_waiting(container, len(tasks), tasks)
        await holder.rollback()
    responses = list(await asyncio.gather(*tasks))

    assert [r.status_code for r in responses] == [200] * CONCURRENCY, [
        r.text for r in responses if r.status_code != 200
    ]
    customers = await client.get("/v1/customers/", headers=headers)
    [customer] = customers.json()["items"]
    assert customer["email"].lower() == "twin@example.com"
    assert {r.json()["customer_id"] for r in responses} == {customer["id"]}
    created = [
        job
        for job in container.job_queue().sent
        if job.name == CUSTOMER_CREATED
        and job.arguments.get("organization_id") == str(tenant.organization.id)
    ]
    assert [job.arguments["customer_id"] for job in created] == [customer["id"]]
    # Every payment is the one customer's.
    payments = await client.get(
        "/v1/payments/", params={"limit": 100, "customer_id": customer["id"]}, headers=headers
    )
    assert {p["checkout_id"] for p in payments.json()["items"]} == {c["id"] for c in checkouts}


async def _until_waiting(
    container: Container, count: int, tasks: list[asyncio.Future[Any]]
) -> None:
    """Return once `count` sessions of the test database wait for a lock (or the tasks are
    done, or 10 s passed)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    async with container.write_engine().connect() as watcher:
        while loop.time() < deadline and not all(t.done() for t in tasks):
            if (await watcher.execute(waiting)).scalar_one() >= count:
                return
            await watcher.rollback()
            await asyncio.sleep(0.02)


async def test_a_checkout_another_request_is_changing_is_409_checkout_locked(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    """As Polar (FOR UPDATE NOWAIT): while a request holds the checkout (a confirm under way),
    an update or a second confirm answers 409 `CheckoutLocked` at once, changing nothing;
    once it is released the same request goes through."""
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    product = await _product(client, tenant)
    checkout = await _checkout(client, tenant, product, "held@example.com")
    path = f"/v1/checkouts/client/{checkout['client_secret']}"

    async with container.write_engine().connect() as holder:
        transaction = await holder.begin()
        await holder.execute(
            text("SELECT id FROM checkouts WHERE id = :id FOR UPDATE"), {"id": checkout["id"]}
        )
        updated = await client.patch(path, json={"customer_name": "Ada"})
        confirmed = await client.post(f"{path}/confirm", json={"confirmation_token_id": SUCCESS})
        by_merchant = await client.patch(
            f"/v1/checkouts/{checkout['id']}",
            json={"metadata": {"k": "v"}},
            headers=tenant.headers("organization"),
        )
        # The hosted page's form sent twice: the second shows the page again (303), which
        # tells how the first goes.
        page = await client.post(
            f"/checkout/{checkout['client_secret']}",
            data={"action": "pay", "customer_email": "held@example.com"},
        )
        await transaction.rollback()
    assert page.status_code == 303, page.text
    assert page.headers["location"].endswith(f"/checkout/{checkout['client_secret']}")
    for response in (updated, confirmed, by_merchant):
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "CheckoutLocked"
        assert response.headers["retry-after"] == "1"
    got = (await client.get(path)).json()
    assert (got["status"], got["customer_name"]) == ("open", None)
    payments = await client.get("/v1/payments/", headers=tenant.headers("organization"))
    assert payments.json()["items"] == []
    retried = await client.post(f"{path}/confirm", json={"confirmation_token_id": SUCCESS})
    assert retried.status_code == 200, retried.text


async def test_concurrent_saves_for_one_customer_make_one_default(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    created = await client.post(
        "/v1/customers/",
        json={"email": "saver@example.com"},
        headers=tenant.headers("organization"),
    )
    assert created.status_code == 201, created.text
    customer = created.json()
    service = container.payment_method_service()
    card = CardMetadata(brand="visa", last4="4242", exp_month=12, exp_year=2034)

    async def save(processor_id: str) -> None:
        async with container.uow_factory().write() as uow:
            await service.save(
                uow,
                organization_id=uuid.UUID(customer["organization_id"]),
                customer_id=uuid.UUID(customer["id"]),
                processor_id=processor_id,
                method_metadata=card,
            )
            await asyncio.sleep(0.2)  # both transactions open at once
            await uow.commit()

    await asyncio.gather(*(save(f"pm_race_{i}") for i in range(CONCURRENCY)))
    listed = await client.get(
        f"/v1/customers/{customer['id']}/payment-methods",
        params={"limit": 100},
        headers=tenant.headers("organization"),
    )
    methods = listed.json()["items"]
    assert len(methods) == CONCURRENCY
    assert [m["is_default"] for m in methods] == [True] + [False] * (CONCURRENCY - 1)
