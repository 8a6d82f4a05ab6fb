"""Input crafted to break the server (found by an outside probe) is a 422 that changes nothing.

NUL bytes in query-string filters (PostgreSQL cannot take them), lone surrogates in bodies
(they cannot be encoded as UTF-8), non-finite numbers echoed back by the 422 (JSON has no
NaN), and timestamps whose UTC value falls outside the calendar.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.harness import Seeder, Tenant, listed


@pytest.fixture
async def tenant(seeder: Seeder) -> Tenant:
    return await seeder.tenant()


def _assert_422(response: httpx.Response, loc: list[Any]) -> None:
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert loc in [e["loc"] for e in errors], errors
    for error in errors:
        assert set(error) >= {"loc", "msg", "type", "input"}


class TestNulInQueryStrings:
    @pytest.mark.parametrize(
        ("path", "name"),
        [
            ("/v1/products/", "query"),
            ("/v1/discounts/", "query"),
            ("/v1/benefits/", "query"),
            ("/v1/benefits/", "type"),
            ("/v1/meters/", "query"),
            ("/v1/customers/", "query"),
            ("/v1/customers/", "email"),
            ("/v1/custom-fields/", "query"),
            ("/v1/payments/", "customer_email"),
            ("/v1/payments/", "method"),
            ("/v1/webhooks/deliveries", "query"),
            ("/v1/webhooks/deliveries", "event_type"),
            ("/v1/organizations/", "slug"),
        ],
    )
    async def test_a_nul_in_a_filter(
        self, client: httpx.AsyncClient, tenant: Tenant, path: str, name: str
    ) -> None:
        response = await client.get(f"{path}?{name}=a%00b", headers=tenant.headers("organization"))
        _assert_422(response, ["query", name])

    async def test_a_nul_in_a_metadata_filter(
        self, client: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        for query in ("metadata[key]=a%00b", "metadata[k%00ey]=a"):
            response = await client.get(
                f"/v1/products/?{query}", headers=tenant.headers("organization")
            )
            assert response.status_code == 422, response.text
            assert response.json()["detail"][0]["loc"][:2] == ["query", "metadata"]


class TestBodies:
    @pytest.mark.parametrize(
        "raw",
        [
            b'{"name": "\\ud800x", "slug": "surrogate"}',
            b'{"name": "x\\udfff", "slug": "surrogate"}',
            # An unknown key is ignored, but the 422 for the missing name echoes it.
            b'{"\\ud800x": 1, "slug": "surrogate-key"}',
        ],
    )
    async def test_a_lone_surrogate(
        self, client: httpx.AsyncClient, tenant: Tenant, raw: bytes
    ) -> None:
        before = await client.get("/v1/organizations/", headers=tenant.headers("user"))
        response = await client.post(
            "/v1/organizations/",
            content=raw,
            headers={**tenant.headers("user"), "Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"][0] == "body"
        after = await client.get("/v1/organizations/", headers=tenant.headers("user"))
        assert after.json() == before.json()

    async def test_a_lone_surrogate_in_a_benefit(
        self, client: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        before = await listed(client, "/v1/benefits/", tenant)
        response = await client.post(
            "/v1/benefits/",
            content=b'{"type": "custom", "description": "Perk \\ud800", "properties": {}}',
            headers={**tenant.headers("organization"), "Content-Type": "application/json"},
        )
        _assert_422(response, ["body", "description"])
        assert await listed(client, "/v1/benefits/", tenant) == before

    @pytest.mark.parametrize(
        "metadata", [b'{"\\ud800k": "v"}', b'{"k": "v\\udbff"}', b'{"k": NaN}', b'{"k": -1e400}']
    )
    async def test_metadata_that_json_or_postgresql_cannot_hold(
        self, client: httpx.AsyncClient, tenant: Tenant, metadata: bytes
    ) -> None:
        before = await listed(client, "/v1/products/", tenant)
        response = await client.post(
            "/v1/products/",
            content=b'{"name": "P", "recurring_interval": "month", "prices": '
            b'[{"amount_type": "fixed", "price_amount": 100}], "metadata": ' + metadata + b"}",
            headers={**tenant.headers("organization"), "Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"][:2] == ["body", "metadata"]
        assert await listed(client, "/v1/products/", tenant) == before

    @pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
    async def test_a_non_finite_number_that_fails_validation(
        self, client: httpx.AsyncClient, tenant: Tenant, number: bytes
    ) -> None:
        response = await client.post(
            "/v1/organizations/",
            content=b'{"name": ' + number + b', "slug": "nan"}',
            headers={**tenant.headers("user"), "Content-Type": "application/json"},
        )
        _assert_422(response, ["body", "name"])
        [error] = [e for e in response.json()["detail"] if e["loc"] == ["body", "name"]]
        # JSON has no NaN: the value is echoed as the text the client sent.
        assert isinstance(error["input"], str)

    async def test_a_non_finite_price(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        before = await listed(client, "/v1/products/", tenant)
        response = await client.post(
            "/v1/products/",
            content=b'{"name": "P", "recurring_interval": null, "prices": '
            b'[{"amount_type": "fixed", "price_amount": 1e400}]}',
            headers={**tenant.headers("organization"), "Content-Type": "application/json"},
        )
        _assert_422(response, ["body", "prices", 0, "fixed", "price_amount"])
        assert await listed(client, "/v1/products/", tenant) == before


EDGES = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"]


class TestCalendarEdges:
    @pytest.mark.parametrize("field", ["starts_at", "ends_at"])
    @pytest.mark.parametrize("value", EDGES)
    async def test_discount_dates(
        self, client: httpx.AsyncClient, tenant: Tenant, field: str, value: str
    ) -> None:
        before = await listed(client, "/v1/discounts/", tenant)
        body = {
            "name": "Edge",
            "type": "percentage",
            "basis_points": 1000,
            "duration": "once",
            field: value,
        }
        response = await client.post(
            "/v1/discounts/", json=body, headers=tenant.headers("organization")
        )
        _assert_422(response, ["body", field])
        assert await listed(client, "/v1/discounts/", tenant) == before

    @pytest.mark.parametrize("value", EDGES)
    async def test_discount_update_dates(
        self, client: httpx.AsyncClient, tenant: Tenant, value: str
    ) -> None:
        created = await client.post(
            "/v1/discounts/",
            json={"name": "Edge", "basis_points": 1000, "duration": "once"},
            headers=tenant.headers("organization"),
        )
        assert created.status_code == 201, created.text
        response = await client.patch(
            f"/v1/discounts/{created.json()['id']}",
            json={"ends_at": value},
            headers=tenant.headers("organization"),
        )
        _assert_422(response, ["body", "ends_at"])

    @pytest.mark.parametrize("name", ["start_timestamp", "end_timestamp"])
    @pytest.mark.parametrize("value", EDGES)
    async def test_deliveries_filter(
        self, client: httpx.AsyncClient, tenant: Tenant, name: str, value: str
    ) -> None:
        response = await client.get(
            "/v1/webhooks/deliveries",
            params={name: value},
            headers=tenant.headers("organization"),
        )
        _assert_422(response, ["query", name])

    async def test_the_calendars_edges_in_utc_are_fine(
        self, client: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        response = await client.get(
            "/v1/webhooks/deliveries",
            params={
                "start_timestamp": "0001-01-01T00:00:00Z",
                "end_timestamp": "9999-12-31T23:59:59Z",
            },
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 200, response.text
