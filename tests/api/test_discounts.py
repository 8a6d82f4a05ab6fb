"""The discounts API, as a user and as an organization: Polar's wire format, tenancy, scopes,
validation (422 naming the field, nothing changed) and the event jobs."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from polar.base import deserialize
from polar.v2026_10.outputs import Discount as SdkDiscount
from polar.v2026_10.outputs import ListResourceDiscount
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from application.auth import Scope
from domain.membership import MemberRole
from entrypoints.container import Container
from tests.harness import Seeder, ShiftableClock, Tenant, error_loc, listed

PERCENTAGE = {"name": "Spring", "type": "percentage", "basis_points": 2500, "duration": "once"}
FIXED = {
    "name": "Five off",
    "type": "fixed",
    "amount": 500,
    "currency": "usd",
    "duration": "forever",
}
# Keys typed `X | None` without a default in the client: present, as null when unset.
NULLABLE_KEYS = (
    "modified_at",
    "code",
    "starts_at",
    "ends_at",
    "max_redemptions",
    "max_redemptions_per_customer",
)


def _loads(body: dict[str, Any]) -> None:
    """The official client loads the response (it is the specification)."""
    deserialize(body, SdkDiscount)


def _base(body: dict[str, Any]) -> dict[str, Any]:
    # Fields not sent default to the percentage example; a fixed body stands on its own.
    return {} if body.get("type") == "fixed" else PERCENTAGE


async def _product(client: httpx.AsyncClient, tenant: Tenant) -> str:
    response = await client.post(
        "/v1/products/",
        json={
            "name": "Restricted",
            "organization_id": str(tenant.organization.id),
            "prices": [{"amount_type": "fixed", "price_amount": 1000}],
        },
        headers=tenant.headers("user"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _create(
    client: httpx.AsyncClient, tenant: Tenant, kind: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/discounts/",
        json=tenant.body(kind, {**_base(body), **body}),
        headers=tenant.headers(kind),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    _loads(created)
    return created


async def _state(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Every discount of the tenant, in full: compared before and after a refused request."""
    return await listed(client, "/v1/discounts/", tenant)


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        some = uuid.uuid4()
        for method, path in [
            ("GET", "/v1/discounts/"),
            ("POST", "/v1/discounts/"),
            ("GET", f"/v1/discounts/{some}"),
            ("PATCH", f"/v1/discounts/{some}"),
            ("DELETE", f"/v1/discounts/{some}"),
        ]:
            response = await client.request(method, path, json=PERCENTAGE)
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"] == "Unauthorized"

    async def test_missing_scope(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.products_read, Scope.products_write])
        headers = tenant.headers(subject_kind)
        listed = await client.get("/v1/discounts/", headers=headers)
        created = await client.post(
            "/v1/discounts/", json=tenant.body(subject_kind, PERCENTAGE), headers=headers
        )
        for response in (listed, created):
            assert response.status_code == 403
            assert response.json()["error"] == "NotPermitted"

    async def test_read_scope_reads_but_cannot_write(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.discounts_read])
        writer = (await seeder.member(tenant, MemberRole.member)).token  # every scope
        response = await client.post(
            "/v1/discounts/",
            json={**PERCENTAGE, "organization_id": str(tenant.organization.id)},
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert response.status_code == 201
        path = f"/v1/discounts/{response.json()['id']}"
        headers = tenant.headers(subject_kind)
        assert (await client.get("/v1/discounts/", headers=headers)).status_code == 200
        assert (await client.get(path, headers=headers)).status_code == 200
        before = await _state(client, tenant)
        assert (await client.patch(path, json={"name": "x"}, headers=headers)).status_code == 403
        assert (await client.delete(path, headers=headers)).status_code == 403
        body = tenant.body(subject_kind, PERCENTAGE)
        assert (await client.post("/v1/discounts/", json=body, headers=headers)).status_code == 403
        assert await _state(client, tenant) == before

    async def test_write_scope_reads(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.discounts_write])
        created = await _create(client, tenant, subject_kind)
        headers = tenant.headers(subject_kind)
        assert (await client.get("/v1/discounts/", headers=headers)).status_code == 200
        got = await client.get(f"/v1/discounts/{created['id']}", headers=headers)
        assert got.status_code == 200


class TestCreate:
    async def test_percentage(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        body = await _create(client, tenant, subject_kind, code="Spring25")
        assert body["type"] == "percentage"
        assert body["basis_points"] == 2500
        assert body["duration"] == "once"
        assert body["code"] == "Spring25"
        assert body["organization_id"] == str(tenant.organization.id)
        assert body["redemptions_count"] == 0
        assert body["metadata"] == {}
        assert body["products"] == []
        for key in NULLABLE_KEYS:
            assert key in body
        assert body["modified_at"] is None
        assert "amount" not in body
        assert "duration_in_months" not in body

    async def test_fixed_repeating_with_everything(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant)
        body = await _create(
            client,
            tenant,
            subject_kind,
            **{**FIXED, "duration": "repeating"},
            duration_in_months=12,
            code="TENOFF",
            starts_at="2026-01-01T00:00:00Z",
            ends_at="2026-12-31T00:00:00+01:00",
            max_redemptions=100,
            max_redemptions_per_customer=1,
            metadata={"campaign": "launch", "wave": 2, "ratio": 0.25, "paid": True},
            products=[product],
        )
        assert (body["type"], body["amount"], body["currency"]) == ("fixed", 500, "usd")
        assert body["amounts"] == {"usd": 500}
        assert (body["duration"], body["duration_in_months"]) == ("repeating", 12)
        assert body["starts_at"].startswith("2026-01-01T00:00:00")
        assert body["ends_at"].startswith("2026-12-30T23:00:00")  # stored in UTC
        assert (body["max_redemptions"], body["max_redemptions_per_customer"]) == (100, 1)
        assert body["metadata"] == {"campaign": "launch", "wave": 2, "ratio": 0.25, "paid": True}
        assert "basis_points" not in body
        # The product is checked, kept, and listed as the client's `DiscountProduct`.
        assert [(p["id"], p["name"], p["is_recurring"]) for p in body["products"]] == [
            (product, "Restricted", False)
        ]
        headers = tenant.headers(subject_kind)
        fetched = (await client.get(f"/v1/discounts/{body['id']}", headers=headers)).json()
        assert fetched == body
        (listed,) = (await client.get("/v1/discounts/", headers=headers)).json()["items"]
        assert listed == body

    async def test_fixed_in_several_currencies_without_type(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        body = await _create(
            client,
            tenant,
            subject_kind,
            type=None,
            basis_points=None,
            amounts={"usd": 1000, "eur": 900},
            currency="eur",
        )
        assert body["type"] == "fixed"
        assert (body["amount"], body["currency"], body["amounts"]) == (
            900,
            "eur",
            {"usd": 1000, "eur": 900},
        )

    async def test_user_names_the_organization_in_the_header(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(
            "/v1/discounts/",
            json=PERCENTAGE,
            headers={**tenant.headers("user"), "Polar-Organization": str(tenant.organization.id)},
        )
        assert response.status_code == 201
        assert response.json()["organization_id"] == str(tenant.organization.id)

    async def test_user_without_organization(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(
            "/v1/discounts/", json=PERCENTAGE, headers=tenant.headers("user")
        )
        assert error_loc(response) == ["body", "organization_id"]
        assert await _state(client, tenant) == []

    async def test_another_tenants_organization(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        response = await client.post(
            "/v1/discounts/",
            json={**PERCENTAGE, "organization_id": str(other.organization.id)},
            headers=mine.headers(subject_kind),
        )
        assert response.status_code == 404
        assert await _state(client, other) == []
        assert await _state(client, mine) == []

    async def test_duplicate_code_ignoring_case(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        other = await seeder.tenant()
        await _create(client, tenant, subject_kind, code="SPRING")
        before = await _state(client, tenant)
        response = await client.post(
            "/v1/discounts/",
            json=tenant.body(subject_kind, {**PERCENTAGE, "code": "spring"}),
            headers=tenant.headers(subject_kind),
        )
        assert error_loc(response) == ["body", "code"]
        assert "already exists" in response.json()["detail"][0]["msg"]
        assert await _state(client, tenant) == before
        # Another organization may use the same code.
        await _create(client, other, subject_kind, code="Spring")

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"name": ""}, ["body", "name"]),
            ({"name": "x" * 257}, ["body", "name"]),
            ({"name": None}, ["body", "name"]),
            ({"type": "bogus"}, ["body", "type"]),
            ({"type": None, "basis_points": None}, ["body", "type"]),
            ({"basis_points": 0}, ["body", "basis_points"]),
            ({"basis_points": 10_001}, ["body", "basis_points"]),
            ({"basis_points": "many"}, ["body", "basis_points"]),
            ({"basis_points": None}, ["body", "basis_points"]),
            ({"amount": 100}, ["body", "amount"]),
            ({"duration": "weekly"}, ["body", "duration"]),
            ({"duration": "repeating"}, ["body", "duration_in_months"]),
            ({"duration": "repeating", "duration_in_months": 0}, ["body", "duration_in_months"]),
            (
                {"duration": "repeating", "duration_in_months": 1000},
                ["body", "duration_in_months"],
            ),
            ({"duration_in_months": 3}, ["body", "duration_in_months"]),
            ({"code": "ab"}, ["body", "code"]),
            ({"code": "no spaces"}, ["body", "code"]),
            ({"code": "x" * 257}, ["body", "code"]),
            ({"code": "bad\u0000"}, ["body", "code"]),
            (
                {"starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"},
                ["body", "ends_at"],
            ),
            ({"starts_at": "yesterday"}, ["body", "starts_at"]),
            ({"max_redemptions": 0}, ["body", "max_redemptions"]),
            ({"max_redemptions_per_customer": -1}, ["body", "max_redemptions_per_customer"]),
            ({"metadata": {"k" * 41: "v"}}, ["body", "metadata", "k" * 41]),
            ({"metadata": {"note": "v" * 501}}, ["body", "metadata", "note"]),
            ({"metadata": {f"k{i}": i for i in range(51)}}, ["body", "metadata"]),
            ({"products": ["not-a-uuid"]}, ["body", "products", 0]),
            ({**FIXED, "amount": 0}, ["body", "amount"]),
            ({**FIXED, "amount": -5}, ["body", "amount"]),
            ({**FIXED, "amount": None}, ["body", "amount"]),
            ({**FIXED, "currency": "USD"}, ["body", "currency"]),
            ({**FIXED, "amounts": {}}, ["body", "amounts"]),
            ({**FIXED, "amounts": {"usd": 5}}, ["body", "amount"]),
            ({**FIXED, "amount": None, "amounts": {"usd": 0}}, ["body", "amounts", "usd"]),
            ({**FIXED, "basis_points": 100}, ["body", "basis_points"]),
        ],
    )
    async def test_each_rule_names_its_field_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        body: dict[str, Any],
        loc: list[Any],
    ) -> None:
        tenant = await seeder.tenant()
        await _create(client, tenant, subject_kind, code="EXISTING")
        before = await _state(client, tenant)
        payload = {**_base(body), **body}
        response = await client.post(
            "/v1/discounts/",
            json=tenant.body(subject_kind, payload),
            headers=tenant.headers(subject_kind),
        )
        assert error_loc(response)[: len(loc)] == loc
        assert await _state(client, tenant) == before


class TestGet:
    async def test_own(self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind)
        response = await client.get(
            f"/v1/discounts/{created['id']}", headers=tenant.headers(subject_kind)
        )
        assert response.status_code == 200
        assert response.json() == created
        _loads(response.json())

    async def test_another_tenants_discount_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        theirs = await _create(client, other, "organization")
        response = await client.get(
            f"/v1/discounts/{theirs['id']}", headers=mine.headers(subject_kind)
        )
        assert response.status_code == 404
        assert response.json() == {"error": "ResourceNotFound", "detail": "Discount not found."}

    async def test_unknown_and_malformed_ids(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        unknown = await client.get(f"/v1/discounts/{uuid.uuid4()}", headers=headers)
        assert unknown.status_code == 404
        malformed = await client.get("/v1/discounts/nope", headers=headers)
        assert error_loc(malformed) == ["path", "id"]


class TestList:
    async def test_only_own_newest_first(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str, clock: ShiftableClock
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        ids = []
        for name in ("first", "second", "third"):
            ids.append((await _create(client, mine, subject_kind, name=name))["id"])
            clock.offset += timedelta(seconds=1)
        await _create(client, other, "organization", name="theirs")
        response = await client.get("/v1/discounts/", headers=mine.headers(subject_kind))
        assert response.status_code == 200
        body = response.json()
        deserialize(body, ListResourceDiscount)
        assert [item["id"] for item in body["items"]] == ids[::-1]
        assert body["pagination"] == {"total_count": 3, "max_page": 1}
        # Filtering on the other tenant's organization widens nothing.
        filtered = await client.get(
            "/v1/discounts/",
            params={"organization_id": str(other.organization.id)},
            headers=mine.headers(subject_kind),
        )
        assert filtered.json() == {"items": [], "pagination": {"total_count": 0, "max_page": 0}}

    async def test_filters(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        await _create(client, tenant, subject_kind, name="Summer Sale")
        await _create(client, tenant, subject_kind, name="Winter", code="SUMMERTIME")
        await _create(client, tenant, subject_kind, name="100% off")
        headers = tenant.headers(subject_kind)

        async def names(**params: Any) -> list[str]:
            response = await client.get(
                "/v1/discounts/", params={**params, "sorting": "name"}, headers=headers
            )
            assert response.status_code == 200, response.text
            return [item["name"] for item in response.json()["items"]]

        assert await names(query="summer") == ["Summer Sale", "Winter"]
        assert await names(query="%") == ["100% off"]
        assert await names(organization_id=str(tenant.organization.id)) == [
            "100% off",
            "Summer Sale",
            "Winter",
        ]
        assert await names(organization_id=[str(tenant.organization.id), str(uuid.uuid4())]) == [
            "100% off",
            "Summer Sale",
            "Winter",
        ]

    async def test_sorting_accepts_exactly_the_clients_literals(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        await _create(client, tenant, subject_kind, name="b", code="BBB")
        await _create(client, tenant, subject_kind, name="a", code="CCC")
        await _create(client, tenant, subject_kind, name="c", code="AAA")
        headers = tenant.headers(subject_kind)
        for key in ("created_at", "name", "code", "redemptions_count", "ends_at"):
            for value in (key, f"-{key}"):
                response = await client.get(
                    "/v1/discounts/", params={"sorting": value}, headers=headers
                )
                assert response.status_code == 200, value
        by_code = await client.get("/v1/discounts/", params={"sorting": "code"}, headers=headers)
        assert [i["name"] for i in by_code.json()["items"]] == ["c", "b", "a"]
        by_name = await client.get("/v1/discounts/", params=[("sorting", "-name")], headers=headers)
        assert [i["name"] for i in by_name.json()["items"]] == ["c", "b", "a"]
        for bad in ("discount_name", "amount", "-password"):
            response = await client.get("/v1/discounts/", params={"sorting": bad}, headers=headers)
            assert error_loc(response) == ["query", "sorting", 0]

    async def test_pagination(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        for i in range(5):
            await _create(client, tenant, subject_kind, name=f"d{i}")
        seen: list[str] = []
        for page in (1, 2, 3):
            response = await client.get(
                "/v1/discounts/",
                params={"page": page, "limit": 2},
                headers=tenant.headers(subject_kind),
            )
            body = response.json()
            assert body["pagination"] == {"total_count": 5, "max_page": 3}
            seen.extend(item["id"] for item in body["items"])
        assert len(seen) == len(set(seen)) == 5
        zero = await client.get(
            "/v1/discounts/", params={"page": 0}, headers=tenant.headers(subject_kind)
        )
        assert error_loc(zero) == ["query", "page"]


class TestUpdate:
    async def test_update(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(
            client, tenant, subject_kind, code="OLDCODE", max_redemptions=5, metadata={"a": 1}
        )
        response = await client.patch(
            f"/v1/discounts/{created['id']}",
            json={
                "name": "Renamed",
                "basis_points": 5000,
                "code": None,
                "ends_at": "2030-01-01T00:00:00Z",
                "metadata": {"b": "two"},
            },
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        _loads(body)
        assert (body["name"], body["basis_points"], body["code"]) == ("Renamed", 5000, None)
        assert body["max_redemptions"] == 5  # not sent: unchanged
        assert body["metadata"] == {"b": "two"}
        assert body["ends_at"].startswith("2030-01-01T00:00:00")
        assert body["modified_at"] is not None
        again = await client.get(
            f"/v1/discounts/{created['id']}", headers=tenant.headers(subject_kind)
        )
        assert again.json() == body

    async def test_fixed_amount(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind, **FIXED)
        response = await client.patch(
            f"/v1/discounts/{created['id']}",
            json={"amount": 750, "currency": "eur"},
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["amount"], body["currency"], body["amounts"]) == (750, "eur", {"eur": 750})

    async def test_another_tenants_discount(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        theirs = await _create(client, other, "organization")
        before = await _state(client, other)
        response = await client.patch(
            f"/v1/discounts/{theirs['id']}",
            json={"name": "Hijack"},
            headers=mine.headers(subject_kind),
        )
        assert response.status_code == 404
        assert await _state(client, other) == before

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"name": ""}, ["body", "name"]),
            ({"type": "fixed"}, ["body", "type"]),
            ({"duration": "forever"}, ["body", "duration"]),
            ({"basis_points": 0}, ["body", "basis_points"]),
            ({"amount": 100}, ["body", "amount"]),
            ({"duration_in_months": 2}, ["body", "duration_in_months"]),
            ({"code": "x"}, ["body", "code"]),
            ({"code": "TAKEN"}, ["body", "code"]),
            ({"code": "taken"}, ["body", "code"]),
            ({"ends_at": "2020-01-01T00:00:00Z"}, ["body", "ends_at"]),
            ({"max_redemptions": 0}, ["body", "max_redemptions"]),
            ({"metadata": {"": 1}}, ["body", "metadata", ""]),
            ({"products": [1]}, ["body", "products", 0]),
        ],
    )
    async def test_each_rule_names_its_field_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        body: dict[str, Any],
        loc: list[Any],
    ) -> None:
        tenant = await seeder.tenant()
        await _create(client, tenant, subject_kind, code="TAKEN")
        target = await _create(
            client, tenant, subject_kind, code="MINE", starts_at="2025-01-01T00:00:00Z"
        )
        before = await _state(client, tenant)
        response = await client.patch(
            f"/v1/discounts/{target['id']}", json=body, headers=tenant.headers(subject_kind)
        )
        assert error_loc(response)[: len(loc)] == loc
        assert await _state(client, tenant) == before

    async def test_a_redeemed_discount_keeps_its_value(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        container: Container,
    ) -> None:
        tenant = await seeder.tenant()
        fixed = await _create(client, tenant, subject_kind, **FIXED)
        percentage = await _create(client, tenant, subject_kind)
        async with container.uow_factory().write() as uow:
            for created in (fixed, percentage):
                discount = await uow.discounts.get(uuid.UUID(created["id"]))
                assert discount is not None
                await uow.discounts.update(discount, {"redemptions_count": 1})
            await uow.commit()
        before = await _state(client, tenant)
        headers = tenant.headers(subject_kind)
        for id, body, loc in [
            (fixed["id"], {"amount": 600}, ["body", "amount"]),
            (fixed["id"], {"amounts": {"usd": 500, "eur": 400}}, ["body", "amounts"]),
            (percentage["id"], {"basis_points": 100}, ["body", "basis_points"]),
        ]:
            response = await client.patch(f"/v1/discounts/{id}", json=body, headers=headers)
            assert error_loc(response) == loc
            assert "already been redeemed" in response.json()["detail"][0]["msg"]
        assert await _state(client, tenant) == before
        renamed = await client.patch(
            f"/v1/discounts/{fixed['id']}", json={"name": "Still fine"}, headers=headers
        )
        assert renamed.status_code == 200
        assert renamed.json()["redemptions_count"] == 1


class TestDelete:
    async def test_delete(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind, code="ONCE")
        headers = tenant.headers(subject_kind)
        response = await client.delete(f"/v1/discounts/{created['id']}", headers=headers)
        assert response.status_code == 204
        assert response.content == b""
        assert (
            await client.get(f"/v1/discounts/{created['id']}", headers=headers)
        ).status_code == 404
        assert await _state(client, tenant) == []
        again = await client.delete(f"/v1/discounts/{created['id']}", headers=headers)
        assert again.status_code == 404
        # The code is free again.
        await _create(client, tenant, subject_kind, code="once")

    async def test_another_tenants_discount(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        theirs = await _create(client, other, "organization")
        response = await client.delete(
            f"/v1/discounts/{theirs['id']}", headers=mine.headers(subject_kind)
        )
        assert response.status_code == 404
        assert [d["id"] for d in await _state(client, other)] == [theirs["id"]]


class TestEvents:
    async def test_each_change_sends_its_event_job(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        connection: AsyncConnection,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        with caplog.at_level("INFO", logger="meridian.jobs.webhooks"):
            created = await _create(client, tenant, subject_kind)
            path = f"/v1/discounts/{created['id']}"
            assert (
                await client.patch(path, json={"name": "x"}, headers=headers)
            ).status_code == 200
            assert (await client.delete(path, headers=headers)).status_code == 204
        rows = await connection.execute(
            text(
                "SELECT job_name, dispatched_at FROM outbox "
                "WHERE arguments->>'discount_id' = :id ORDER BY created_at, job_name"
            ),
            {"id": created["id"]},
        )
        jobs = rows.all()
        assert [name for name, _ in jobs] == [
            "discount.created",
            "discount.updated",
            "discount.deleted",
        ]
        # Sent: the queue knows the three tasks.
        assert all(dispatched is not None for _, dispatched in jobs)
        # The jobs fan out to webhook endpoints (none here).
        recorded = [r.getMessage() for r in caplog.records if r.name == "meridian.jobs.webhooks"]
        assert recorded == [
            f"discount.created recorded for discount {created['id']}: 0 webhook events",
            f"discount.updated recorded for discount {created['id']}: 0 webhook events",
            f"discount.deleted recorded for discount {created['id']}: 0 webhook events",
        ]


class TestRestrictedProducts:
    async def test_another_tenants_or_unknown_product_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine, other = await seeder.tenant(), await seeder.tenant()
        foreign = await _product(client, other)
        own = await _product(client, mine)
        for products in ([foreign], [own, str(uuid.uuid4())]):
            body = {**PERCENTAGE, "name": "Smuggled", "products": products}
            if subject_kind == "user":
                body["organization_id"] = str(mine.organization.id)
            response = await client.post(
                "/v1/discounts/", json=body, headers=mine.headers(subject_kind)
            )
            assert response.status_code == 404, response.text
            assert response.json()["error"] == "ResourceNotFound"
        listed = await client.get("/v1/discounts/", headers=mine.headers(subject_kind))
        assert listed.json()["pagination"]["total_count"] == 0
        created = await _create(client, mine, subject_kind, **PERCENTAGE, products=[own])
        patched = await client.patch(
            f"/v1/discounts/{created['id']}",
            json={"products": [foreign]},
            headers=mine.headers(subject_kind),
        )
        assert patched.status_code == 404
