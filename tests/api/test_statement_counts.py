"""No N+1 queries: a list call runs the same number of statements for one item or a full page.

Counted at the driver (SQLAlchemy's `before_cursor_execute` on the engine) over a whole HTTP
call, authentication included, with the token's credential already cached as it is for every
request but the first within the cache's time to live.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.file import FileService
from tests.harness import Seeder, Tenant, statements_sent


async def _list(
    client: httpx.AsyncClient, connection: AsyncConnection, path: str, headers: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    warm = await client.get(path, headers=headers)  # Authenticates: the credential is cached.
    assert warm.status_code == 200, warm.text
    with statements_sent(connection) as sent:
        response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    statements = [s.sql for s in sent]
    return body, statements


@pytest.mark.parametrize("extra", [0, 12])
async def test_listing_organizations_is_one_statement(
    client: httpx.AsyncClient, connection: AsyncConnection, seeder: Seeder, extra: int
) -> None:
    tenant = await seeder.tenant()
    for n in range(extra):
        response = await client.post(
            "/v1/organizations/",
            json={"name": f"Org {n}", "slug": f"org-{n}-{tenant.organization.slug}"},
            headers=tenant.headers("user"),
        )
        assert response.status_code == 201, response.text
    body, statements = await _list(client, connection, "/v1/organizations/", tenant.headers("user"))
    assert len(body["items"]) == min(1 + extra, 10)
    assert body["pagination"]["total_count"] == 1 + extra
    # The page and its total in one statement (a window count), whatever the page holds.
    assert len(statements) == 1, statements


@pytest.mark.parametrize("count", [1, 12])
async def test_listing_products_is_five_statements(
    client: httpx.AsyncClient, connection: AsyncConnection, seeder: Seeder, count: int
) -> None:
    tenant: Tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    benefit_ids = []
    for n in range(2):
        response = await client.post(
            "/v1/benefits/",
            json={"type": "custom", "description": f"Perk {n}", "properties": {}},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        benefit_ids.append(response.json()["id"])
    media = await seeder.file(tenant, service=FileService.product_media)
    meters = [await seeder.meter(tenant, name=f"Meter {n}") for n in range(2)]
    fields = []
    for n in range(2):
        response = await client.post(
            "/v1/custom-fields/",
            json={"type": "text", "slug": f"field-{n}", "name": f"Field {n}", "properties": {}},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        fields.append({"custom_field_id": response.json()["id"], "required": n == 0})
    for n in range(count):
        prices = [
            {"amount_type": "fixed", "price_amount": 1000 + n},
            # Metered prices name their meter: read with the prices, in the same statement.
            {"amount_type": "metered_unit", "meter_id": str(meters[n % 2].id), "unit_amount": 1},
        ]
        response = await client.post(
            "/v1/products/",
            json={
                "name": f"Product {n}",
                "recurring_interval": "month",
                "prices": prices,
                "medias": [str(media.id)],
                "attached_custom_fields": fields,
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        response = await client.post(
            f"/v1/products/{response.json()['id']}/benefits",
            json={"benefits": benefit_ids},
            headers=headers,
        )
        assert response.status_code == 200, response.text
    body, statements = await _list(client, connection, "/v1/products/", headers)
    assert len(body["items"]) == min(count, 10)
    assert all(len(item["prices"]) == 2 for item in body["items"])
    assert {item["prices"][1]["meter"]["name"] for item in body["items"]} == {
        m.name for m in meters[: min(count, 2)]
    }
    assert all([b["id"] for b in item["benefits"]] == benefit_ids for item in body["items"])
    assert all(len(item["medias"]) == 1 for item in body["items"])
    assert all(len(item["attached_custom_fields"]) == 2 for item in body["items"])
    # The page (with its total), then the prices, the benefits, the media and the custom
    # fields of all its products, each in one statement.
    assert len(statements) == 5, statements


@pytest.mark.parametrize("count", [1, 12])
async def test_listing_meters_is_one_statement(
    client: httpx.AsyncClient, connection: AsyncConnection, seeder: Seeder, count: int
) -> None:
    tenant = await seeder.tenant()
    for n in range(count):
        await seeder.meter(tenant, name=f"Meter {n:02}")
    body, statements = await _list(client, connection, "/v1/meters/", tenant.headers("user"))
    assert len(body["items"]) == min(count, 10)
    assert len(statements) == 1, statements


@pytest.mark.parametrize("count", [1, 12])
async def test_listing_customers_is_one_statement(
    client: httpx.AsyncClient, connection: AsyncConnection, seeder: Seeder, count: int
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    for n in range(count):
        created = await client.post(
            "/v1/customers/", json={"email": f"c{n}@example.com"}, headers=headers
        )
        assert created.status_code == 201, created.text
    body, statements = await _list(client, connection, "/v1/customers/", tenant.headers("user"))
    assert len(body["items"]) == min(count, 10)
    assert len(statements) == 1, statements


@pytest.mark.parametrize("count", [1, 12])
async def test_listing_payments_is_one_statement(
    client: httpx.AsyncClient, connection: AsyncConnection, seeder: Seeder, count: int
) -> None:
    tenant = await seeder.tenant()
    for _ in range(count):
        await seeder.payment(tenant)
    body, statements = await _list(client, connection, "/v1/payments/", tenant.headers("user"))
    assert len(body["items"]) == min(count, 10)
    assert body["pagination"]["total_count"] == count
    assert len(statements) == 1, statements


async def test_checking_a_products_media_is_one_statement_for_any_number_of_files(
    client: httpx.AsyncClient, connection: AsyncConnection, seeder: Seeder
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    media = [await seeder.file(tenant, service=FileService.product_media) for _ in range(4)]
    counts = []
    for files in (media[:1], media):
        body = {
            "name": "Shown",
            "prices": [{"amount_type": "fixed", "price_amount": 100}],
            "medias": [str(f.id) for f in files],
        }
        with statements_sent(connection) as statements:
            response = await client.post("/v1/products/", json=body, headers=headers)
        assert response.status_code == 201, response.text
        assert len(response.json()["medias"]) == len(files)
        counts.append(len([s for s in statements if "FROM files" in s.sql]))
    # The files are read in one statement, whether the product shows one image or four.
    assert counts == [1, 1]


@pytest.mark.parametrize("count", [1, 12])
async def test_listing_checkout_links_runs_as_many_statements_for_one_as_for_a_page(
    client: httpx.AsyncClient, connection: AsyncConnection, seeder: Seeder, count: int
) -> None:
    tenant: Tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    response = await client.post(
        "/v1/discounts/",
        json={"name": "D", "type": "percentage", "basis_points": 100, "duration": "once"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    discount_id = response.json()["id"]
    for n in range(count):
        response = await client.post(
            "/v1/products/",
            json={"name": f"P{n}", "prices": [{"amount_type": "fixed", "price_amount": 100}]},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        response = await client.post(
            "/v1/checkout-links/",
            json={
                "payment_processor": "stripe",
                "products": [response.json()["id"]],
                "discount_id": discount_id,
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
    body, statements = await _list(client, connection, "/v1/checkout-links/", headers)
    assert len(body["items"]) == min(count, 10)
    assert all(item["discount"]["id"] == discount_id for item in body["items"])
    # The page, the links' products, the products whole (five: rows, prices, benefits, media,
    # custom fields) and the discounts: the same for one link as for a page.
    assert len(statements) == 8, statements
