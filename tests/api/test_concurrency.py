"""Concurrent writes to one resource, in real concurrent transactions on PostgreSQL: each
change happens once and emits one event; the requests that lose a race get the answer they
would get one after the other (404 for a deletion already done), never a 500."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from entrypoints.container import Container
from tests.api.conftest import committing_app
from tests.harness import Seeder, Tenant

CONCURRENCY = 10


@pytest.fixture
async def committing(database_url: str) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    # Enough connections for every request at once: they wait on each other's row locks, not
    # on the pool.
    async with committing_app(
        database_url, database_pool_size=CONCURRENCY, database_pool_timeout=30
    ) as app:
        yield app


def _jobs(container: Container, name: str, **arguments: str) -> list[Any]:
    return [
        job
        for job in container.job_queue().sent
        if job.name == name
        and all(job.arguments.get(key) == value for key, value in arguments.items())
    ]


async def _race(
    container: Container, table: str, id: str, requests: list[Any]
) -> list[httpx.Response]:
    """The responses to `requests`, sent at once while the row `id` of `table` is held locked
    by another transaction; it is released once every request waits for a lock (or after 10
    s). Requests that read, decide and write without locking all read before any writes, so a
    race that timing would only sometimes show, shows every time."""
    engine = container.write_engine()
    async with engine.connect() as holder:
        await holder.execute(
            text(f"SELECT 1 FROM {table} WHERE id = :id FOR UPDATE"), {"id": uuid.UUID(id)}
        )
        tasks = [asyncio.ensure_future(request) for request in requests]
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        deadline = asyncio.get_running_loop().time() + 10
        async with engine.connect() as watcher:
            while asyncio.get_running_loop().time() < deadline and not all(t.done() for t in tasks):
                if (await watcher.execute(waiting)).scalar_one() >= len(tasks):
                    break
                await watcher.rollback()
                await asyncio.sleep(0.02)
        await holder.rollback()
    return list(await asyncio.gather(*tasks))


async def _benefit(client: httpx.AsyncClient, tenant: Tenant, description: str) -> str:
    response = await client.post(
        "/v1/benefits/",
        json={"type": "custom", "description": description, "properties": {}},
        headers=tenant.headers("organization"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _product(client: httpx.AsyncClient, tenant: Tenant) -> str:
    response = await client.post(
        "/v1/products/",
        json={"name": "Race", "prices": [{"amount_type": "fixed", "price_amount": 500}]},
        headers=tenant.headers("organization"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize("same", [True, False], ids=["the same benefits", "different ones"])
async def test_attaching_benefits_at_once(
    committing: tuple[Container, httpx.AsyncClient], same: bool
) -> None:
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    benefits = [await _benefit(client, tenant, f"Perk {n}") for n in range(4)]
    product = await _product(client, tenant)
    path = f"/v1/products/{product}/benefits"
    bodies = [
        {"benefits": benefits[:2] if same else [benefits[n % 4], benefits[(n + 1) % 4]]}
        for n in range(CONCURRENCY)
    ]
    responses = await _race(
        container, "products", product, [client.post(path, json=b, headers=headers) for b in bodies]
    )
    assert [r.status_code for r in responses] == [200] * CONCURRENCY, [r.text for r in responses]
    got = await client.get(f"/v1/products/{product}", headers=headers)
    # The last one to commit wins, whole: never a mix of two requests.
    assert {"benefits": [b["id"] for b in got.json()["benefits"]]} in bodies
    if same:
        # One change, one event: the others found the benefits already attached.
        assert len(_jobs(container, "product.updated", product_id=product)) == 1


@pytest.mark.parametrize(
    ("path", "body", "event"),
    [
        (
            "/v1/discounts/",
            {"name": "Race", "basis_points": 1000, "duration": "once"},
            "discount.deleted",
        ),
        (
            "/v1/benefits/",
            {"type": "custom", "description": "Race perk", "properties": {}},
            "benefit.updated",
        ),
        ("/v1/customers/", {"email": "race@example.com"}, "customer.deleted"),
    ],
)
async def test_deleting_at_once(
    committing: tuple[Container, httpx.AsyncClient], path: str, body: dict[str, Any], event: str
) -> None:
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    created = await client.post(path, json=body, headers=headers)
    assert created.status_code == 201, created.text
    id = created.json()["id"]
    argument = {"discounts": "discount_id", "benefits": "benefit_id", "customers": "customer_id"}[
        path.strip("/").split("/")[1]
    ]
    before = len(_jobs(container, event, **{argument: id}))
    table = path.strip("/").split("/")[1]
    responses = await _race(
        container,
        table,
        id,
        [client.delete(f"{path}{id}", headers=headers) for _ in range(CONCURRENCY)],
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [204] + [404] * (CONCURRENCY - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 404:
            assert response.json()["error"] == "ResourceNotFound"
    assert len(_jobs(container, event, **{argument: id})) == before + 1


async def test_creating_customers_with_one_email_at_once(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    """Every request checks the email is free before any commits: the unique index decides,
    and the losers get the 422 they would get one after the other."""
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    responses = await asyncio.gather(
        *(
            client.post("/v1/customers/", json={"email": f"{case}@example.com"}, headers=headers)
            for case in (
                "same",
                "SAME",
                "Same",
                "sAme",
                "saMe",
                "samE",
                "SAme",
                "saME",
                "SaMe",
                "sAmE",
            )
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [422] * (len(responses) - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 422:
            assert response.json()["detail"][0]["loc"] == ["body", "email"]
    listed = await client.get("/v1/customers/", headers=headers)
    assert listed.json()["pagination"]["total_count"] == 1


async def test_deleting_a_benefit_while_it_is_attached(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    """Whichever commits first, the product never ends up granting a deleted benefit."""
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    for _ in range(3):
        benefit = await _benefit(client, tenant, "Doomed perk")
        products = [await _product(client, tenant) for _ in range(4)]
        attach = [
            client.post(f"/v1/products/{p}/benefits", json={"benefits": [benefit]}, headers=headers)
            for p in products
        ]
        responses = await asyncio.gather(
            *attach, client.delete(f"/v1/benefits/{benefit}", headers=headers)
        )
        assert responses[-1].status_code == 204
        assert {r.status_code for r in responses[:-1]} <= {200, 404}, [r.text for r in responses]
        for product in products:
            got = await client.get(f"/v1/products/{product}", headers=headers)
            assert got.json()["benefits"] == []


async def test_a_unique_violation_is_409_not_500(
    app: FastAPI, client: httpx.AsyncClient, container: Container
) -> None:
    """A race the locks do not cover still ends in a unique violation: the client gets a 409
    to retry, not a 500."""

    async def duplicate() -> None:
        async with container.uow_factory().write() as uow:
            connection = uow.connection
            table = f"race_{uuid.uuid4().hex[:8]}"
            await connection.execute(text(f"CREATE TEMP TABLE {table} (id int PRIMARY KEY)"))
            await connection.execute(text(f"INSERT INTO {table} VALUES (1), (1)"))

    app.add_api_route("/v1/_test_duplicate", duplicate, methods=["POST"])
    try:
        response = await client.post("/v1/_test_duplicate")
    finally:
        app.router.routes.pop()
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "ResourceAlreadyExists"


async def test_a_discount_naming_a_product_being_deleted_waits_for_the_deletion(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    """A deletion that found the product unused holds it until it commits: a discount created
    meanwhile for that product waits, then finds no product (404), rather than committing a
    restriction to a deleted product."""
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    product = await _product(client, tenant)
    body = {"name": "Late", "basis_points": 500, "duration": "once", "products": [product]}
    engine = container.write_engine()
    async with engine.connect() as deleting:
        # A deletion in flight: past its check, its row written, not yet committed.
        await deleting.execute(
            text("UPDATE products SET deleted_at = now() WHERE id = :id"),
            {"id": uuid.UUID(product)},
        )
        creating = asyncio.ensure_future(client.post("/v1/discounts/", json=body, headers=headers))
        await asyncio.sleep(0.5)
        await deleting.commit()
    response = await creating
    assert response.status_code == 404, response.text
    listed = await client.get("/v1/discounts/", headers=headers)
    assert listed.json()["items"] == []


async def test_deleting_a_product_while_a_discount_names_it(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    """Whichever commits first, no live discount is left restricted to a deleted product."""
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    for round in range(4):
        product = await _product(client, tenant)
        body = {"name": f"Race {round}", "basis_points": 500, "duration": "once"}
        created, deleted = await _race(
            container,
            "products",
            product,
            [
                client.post(
                    "/v1/discounts/", json={**body, "products": [product]}, headers=headers
                ),
                client.delete(f"/v1/products/{product}", headers=headers),
            ],
        )
        outcome = (created.status_code, deleted.status_code)
        assert outcome in {(201, 409), (404, 204)}, (created.text, deleted.text)


ACTIVATIONS = 20


@pytest.fixture
async def committing_wide(database_url: str) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    # A connection for every activation, plus `_race`'s holder and watcher.
    async with committing_app(
        database_url,
        database_pool_size=ACTIVATIONS + 2,
        database_pool_timeout=30,
        # Polar's 3 license-key calls a second per address would refuse the race itself.
        rate_limit_rules={"license_keys": "1000/second"},
    ) as app:
        yield app


async def test_activating_one_key_at_once_stops_at_its_limit(
    committing_wide: tuple[Container, httpx.AsyncClient],
) -> None:
    """Every activation locks the key's row before counting its activations: of 20 at once
    against a limit of 3, exactly 3 succeed and the others get the 403 they would get one after
    the other."""
    container, client = committing_wide
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    customer = await client.post(
        "/v1/customers/", json={"email": "activations@example.com"}, headers=headers
    )
    assert customer.status_code == 201, customer.text
    benefit = await client.post(
        "/v1/benefits/",
        json={
            "type": "license_keys",
            "description": "Race license",
            "properties": {"activations": {"limit": 3, "enable_customer_admin": False}},
        },
        headers=headers,
    )
    assert benefit.status_code == 201, benefit.text
    # This app records its jobs: the grant job's work is done here, as the job would.
    async with container.uow_factory().write() as uow:
        grant = await container.benefit_grant_service().grant(
            uow,
            customer_id=uuid.UUID(customer.json()["id"]),
            benefit_id=uuid.UUID(benefit.json()["id"]),
        )
        await uow.commit()
    assert grant is not None
    key_id = str(grant.properties["license_key_id"])
    key = (await client.get(f"/v1/license-keys/{key_id}", headers=headers)).json()
    body = {"key": key["key"], "organization_id": str(tenant.organization.id)}
    responses = await _race(
        container,
        "license_keys",
        key_id,
        [
            client.post(
                "/v1/customer-portal/license-keys/activate", json={**body, "label": f"d{n}"}
            )
            for n in range(ACTIVATIONS)
        ],
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 3 + [403] * (ACTIVATIONS - 3), [r.text for r in responses]
    for response in responses:
        if response.status_code == 403:
            assert response.json()["detail"] == "License key activation limit reached"
    key = (await client.get(f"/v1/license-keys/{key_id}", headers=headers)).json()
    assert sorted(a["id"] for a in key["activations"]) == sorted(
        r.json()["id"] for r in responses if r.status_code == 200
    )


async def test_a_customer_deleted_while_a_grant_runs_waits_for_it_and_then_revokes_it(
    committing: tuple[Container, httpx.AsyncClient],
) -> None:
    """A grant job holds its customer (FOR SHARE) from the moment it reads it until it commits:
    a deletion sent right after that read waits, so the deletion's `benefit.revoke_customer`
    job, enqueued when it commits, finds the grant and revokes it. Without the hold the deletion
    commits while the grant job goes on granting a customer it read alive, and a
    `revoke_customer` run then finds nothing: the grant outlives its customer."""
    container, client = committing
    tenant = await Seeder.of(container).tenant()
    headers = tenant.headers("organization")
    customer = await client.post("/v1/customers/", json={"email": "g@example.com"}, headers=headers)
    assert customer.status_code == 201, customer.text
    customer_id = uuid.UUID(customer.json()["id"])
    benefit_id = uuid.UUID(await _benefit(client, tenant, "Held"))
    service = container.benefit_grant_service()
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    engine = container.write_engine()
    deletions: list[asyncio.Future[httpx.Response]] = []

    async with container.uow_factory().write() as uow:
        read_benefit = uow.benefits.get_including_deleted

        async def deleting_in_between(id: uuid.UUID) -> Any:
            # The grant job has read its customer: the deletion starts now, and goes as far
            # as it can (done, or waiting for a lock) before the job goes on.
            deletion = asyncio.ensure_future(
                client.delete(f"/v1/customers/{customer_id}", headers=headers)
            )
            deletions.append(deletion)
            deadline = asyncio.get_running_loop().time() + 10
            async with engine.connect() as watcher:
                while asyncio.get_running_loop().time() < deadline and not deletion.done():
                    if (await watcher.execute(waiting)).scalar_one() >= 1:
                        break
                    await watcher.rollback()
                    await asyncio.sleep(0.02)
            return await read_benefit(id)

        uow.benefits.get_including_deleted = deleting_in_between  # type: ignore[method-assign]
        granted = await service.grant(uow, customer_id=customer_id, benefit_id=benefit_id)
        assert granted is not None and granted.is_granted
        [deletion] = deletions
        assert not deletion.done(), "the deletion waits for the grant job"
        await uow.commit()
    response = await deletion
    assert response.status_code == 204, response.text
    assert _jobs(container, "benefit.revoke_customer", customer_id=str(customer_id))
    # The jobs, as the worker would run them: the grant is found, and revoked.
    async with container.uow_factory().write() as uow:
        assert await service.revoke_customer(uow, customer_id) == 1
        await service.revoke(uow, customer_id=customer_id, benefit_id=benefit_id)
        await uow.commit()
    async with container.uow_factory().write() as uow:
        assert await uow.benefit_grants.granted_of_customer(customer_id) == []
        # A grant job delivered again after the deletion grants nothing.
        assert await service.grant(uow, customer_id=customer_id, benefit_id=benefit_id) is None
        await uow.commit()
