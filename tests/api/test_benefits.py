"""The benefits API, as a user and as an organization: Polar's wire format for each supported
type, tenancy (ids smuggled in bodies included), scopes, validation (422 naming the field,
nothing changed), deletion detaching from products, and the event jobs."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from polar.base import deserialize
from polar.v2026_10.outputs import Benefit as SdkBenefit
from polar.v2026_10.outputs import ListResourceBenefit, ListResourceBenefitGrant
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from application.auth import Scope
from domain.file import FileService
from domain.membership import MemberRole
from tests.harness import Seeder, Tenant, error_loc, listed

CUSTOM = {"type": "custom", "description": "Priority support", "properties": {"note": "Mail us"}}
LICENSE_KEYS = {
    "type": "license_keys",
    "description": "License key",
    "properties": {
        "prefix": "ACME",
        "expires": {"ttl": 1, "timeframe": "year"},
        "activations": {"limit": 3, "enable_customer_admin": True},
        "limit_usage": 100,
    },
}
METER_CREDIT = {
    "type": "meter_credit",
    "description": "1000 API calls",
    "properties": {"units": 1000, "rollover": False, "meter_id": str(uuid.uuid4())},
}


def _loads(body: dict[str, Any]) -> Any:
    """The official client loads the response into the model of its type."""
    return deserialize(body, SdkBenefit)


async def _create(
    client: httpx.AsyncClient, tenant: Tenant, kind: str, body: dict[str, Any] = CUSTOM
) -> dict[str, Any]:
    response = await client.post(
        "/v1/benefits/", json=tenant.body(kind, body), headers=tenant.headers(kind)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    _loads(created)
    return created


async def _downloadables(seeder: Seeder, tenant: Tenant, files: int = 1) -> dict[str, Any]:
    ids = [str((await seeder.file(tenant)).id) for _ in range(files)]
    return {"type": "downloadables", "description": "The e-book", "properties": {"files": ids}}


async def _meter_credit(seeder: Seeder, tenant: Tenant) -> dict[str, Any]:
    meter = await seeder.meter(tenant)
    return {**METER_CREDIT, "properties": {**METER_CREDIT["properties"], "meter_id": str(meter.id)}}


async def _state(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Every benefit of the tenant, in full: compared before and after a refused request."""
    return await listed(client, "/v1/benefits/", tenant, ListResourceBenefit)


async def _product(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    response = await client.post(
        "/v1/products/",
        json={
            "name": "Pro",
            "organization_id": str(tenant.organization.id),
            "prices": [{"amount_type": "fixed", "price_amount": 1000}],
        },
        headers=tenant.headers("user"),
    )
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        some = uuid.uuid4()
        for method, path in [
            ("GET", "/v1/benefits/"),
            ("POST", "/v1/benefits/"),
            ("GET", f"/v1/benefits/{some}"),
            ("PATCH", f"/v1/benefits/{some}"),
            ("DELETE", f"/v1/benefits/{some}"),
            ("GET", f"/v1/benefits/{some}/grants"),
            ("POST", f"/v1/products/{some}/benefits"),
        ]:
            response = await client.request(method, path, json=CUSTOM)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "Unauthorized"

    async def test_missing_scope(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.products_read, Scope.products_write])
        headers = tenant.headers(subject_kind)
        some = uuid.uuid4()
        responses = [
            await client.get("/v1/benefits/", headers=headers),
            await client.get(f"/v1/benefits/{some}", headers=headers),
            await client.get(f"/v1/benefits/{some}/grants", headers=headers),
            await client.post(
                "/v1/benefits/", json=tenant.body(subject_kind, CUSTOM), headers=headers
            ),
            await client.patch(f"/v1/benefits/{some}", json=CUSTOM, headers=headers),
            await client.delete(f"/v1/benefits/{some}", headers=headers),
        ]
        for response in responses:
            assert response.status_code == 403
            assert response.json()["error"] == "NotPermitted"

    async def test_read_scope_reads_but_cannot_write(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.benefits_read])
        writer = (await seeder.member(tenant, MemberRole.member)).token  # every scope
        response = await client.post(
            "/v1/benefits/",
            json={**CUSTOM, "organization_id": str(tenant.organization.id)},
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert response.status_code == 201
        path = f"/v1/benefits/{response.json()['id']}"
        headers = tenant.headers(subject_kind)
        assert (await client.get(path, headers=headers)).status_code == 200
        assert (await client.get("/v1/benefits/", headers=headers)).status_code == 200
        assert (await client.patch(path, json=CUSTOM, headers=headers)).status_code == 403
        assert (await client.delete(path, headers=headers)).status_code == 403


class TestCreate:
    async def test_each_type_in_the_clients_model(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        downloadables = await _downloadables(seeder, tenant, files=2)
        credit = await _meter_credit(seeder, tenant)
        for body in (CUSTOM, LICENSE_KEYS, credit, downloadables):
            created = await _create(client, tenant, subject_kind, body)
            loaded = _loads(created)
            assert loaded.type == body["type"]
            assert created["description"] == body["description"]
            assert created["organization_id"] == str(tenant.organization.id)
            assert created["is_deleted"] is False
            assert created["selectable"] is True and created["deletable"] is True
            assert created["visibility"] == "public"
            assert created["metadata"] == {}
        # Properties come back complete, in the wire format's shape.
        benefits = {b["type"]: b for b in await _state(client, tenant)}
        assert benefits["custom"]["properties"] == {"note": "Mail us"}
        assert benefits["license_keys"]["properties"] == LICENSE_KEYS["properties"]
        assert benefits["meter_credit"]["properties"] == credit["properties"]
        assert benefits["downloadables"]["properties"] == {
            "archived": {},
            "files": downloadables["properties"]["files"],
        }

    async def test_optional_properties_default_to_null(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        keys = await _create(
            client,
            tenant,
            subject_kind,
            {"type": "license_keys", "description": "Key", "properties": {}},
        )
        assert keys["properties"] == {
            "prefix": None,
            "expires": None,
            "activations": None,
            "limit_usage": None,
        }
        custom = await _create(
            client,
            tenant,
            subject_kind,
            {"type": "custom", "description": "Perk", "properties": {}},
        )
        assert custom["properties"] == {"note": None}

    async def test_visibility_and_metadata(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(
            client,
            tenant,
            subject_kind,
            {**CUSTOM, "visibility": "private", "metadata": {"tier": "gold", "seats": 3}},
        )
        assert created["visibility"] == "private"
        assert created["metadata"] == {"tier": "gold", "seats": 3}

    async def test_user_names_the_organization_in_the_header(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(
            "/v1/benefits/",
            json=CUSTOM,
            headers={**tenant.headers("user"), "Polar-Organization": str(tenant.organization.id)},
        )
        assert response.status_code == 201, response.text

    async def test_user_without_organization(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post("/v1/benefits/", json=CUSTOM, headers=tenant.headers("user"))
        assert error_loc(response) == ["body", "organization_id"]

    async def test_another_tenants_organization(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        response = await client.post(
            "/v1/benefits/",
            json={**CUSTOM, "organization_id": str(other.organization.id)},
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 404
        assert await _state(client, other) == []

    async def test_another_tenants_file_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await seeder.file(other)
        deleted = await seeder.file(tenant, deleted=True)
        mine = await seeder.file(tenant)
        for smuggled in (theirs.id, deleted.id, uuid.uuid4()):
            body = {
                "type": "downloadables",
                "description": "The e-book",
                "properties": {"files": [str(mine.id), str(smuggled)]},
            }
            response = await client.post(
                "/v1/benefits/",
                json=tenant.body(subject_kind, body),
                headers=tenant.headers(subject_kind),
            )
            assert response.status_code == 404, response.text
            assert response.json()["error"] == "ResourceNotFound"
        assert await _state(client, tenant) == []

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({**CUSTOM, "description": "ab"}, ["body", "description"]),
            ({**CUSTOM, "description": "x" * 43}, ["body", "description"]),
            ({**CUSTOM, "description": "   "}, ["body", "description"]),
            ({**CUSTOM, "type": "discord"}, ["body", "type"]),
            ({**CUSTOM, "type": "nonsense"}, ["body", "type"]),
            ({"type": "custom", "description": "Perk"}, ["body", "properties"]),
            ({**CUSTOM, "properties": {"note": 5}}, ["body", "properties", "note"]),
            ({**CUSTOM, "visibility": "hidden"}, ["body", "visibility"]),
            ({**CUSTOM, "metadata": {"k" * 41: "v"}}, ["body", "metadata", "k" * 41]),
            ({**CUSTOM, "metadata": {"k": "v" * 501}}, ["body", "metadata", "k"]),
            (
                {**LICENSE_KEYS, "properties": {"activations": {"limit": 0}}},
                ["body", "properties", "activations", "limit"],
            ),
            (
                {
                    **LICENSE_KEYS,
                    "properties": {"activations": {"limit": 51, "enable_customer_admin": False}},
                },
                ["body", "properties", "activations", "limit"],
            ),
            (
                {**LICENSE_KEYS, "properties": {"expires": {"ttl": 0, "timeframe": "day"}}},
                ["body", "properties", "expires", "ttl"],
            ),
            (
                {**LICENSE_KEYS, "properties": {"expires": {"ttl": 1, "timeframe": "week"}}},
                ["body", "properties", "expires", "timeframe"],
            ),
            (
                {**LICENSE_KEYS, "properties": {"prefix": "has space"}},
                ["body", "properties", "prefix"],
            ),
            (
                {**LICENSE_KEYS, "properties": {"limit_usage": 0}},
                ["body", "properties", "limit_usage"],
            ),
            (
                {**METER_CREDIT, "properties": {**METER_CREDIT["properties"], "units": 0}},
                ["body", "properties", "units"],
            ),
            (
                {**METER_CREDIT, "properties": {**METER_CREDIT["properties"], "meter_id": "x"}},
                ["body", "properties", "meter_id"],
            ),
            (
                {**METER_CREDIT, "properties": {"units": 5, "meter_id": str(uuid.uuid4())}},
                ["body", "properties", "rollover"],
            ),
            (
                {"type": "downloadables", "description": "Files", "properties": {"files": []}},
                ["body", "properties", "files"],
            ),
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
        response = await client.post(
            "/v1/benefits/",
            json=tenant.body(subject_kind, body),
            headers=tenant.headers(subject_kind),
        )
        assert error_loc(response) == loc
        assert await _state(client, tenant) == []

    async def test_meter_credit_needs_a_live_meter_of_the_organization(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await seeder.meter(other)
        archived = await seeder.meter(tenant, archived=True)

        def body(meter_id: object) -> dict[str, Any]:
            properties = {**METER_CREDIT["properties"], "meter_id": str(meter_id)}
            return tenant.body(subject_kind, {**METER_CREDIT, "properties": properties})

        for smuggled in (theirs.id, uuid.uuid4()):
            response = await client.post(
                "/v1/benefits/", json=body(smuggled), headers=tenant.headers(subject_kind)
            )
            assert response.status_code == 404, response.text
            assert response.json()["detail"] == f"Meter {smuggled} not found."
        response = await client.post(
            "/v1/benefits/", json=body(archived.id), headers=tenant.headers(subject_kind)
        )
        assert error_loc(response) == ["body", "properties", "meter_id"]
        assert await _state(client, tenant) == []

    async def test_downloadables_file_rules(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        good = await seeder.file(tenant)
        media = await seeder.file(tenant, service=FileService.product_media)
        pending = await seeder.file(tenant, uploaded=False)
        cases = [
            ({"files": [str(good.id), str(good.id)]}, ["body", "properties", "files", 1]),
            ({"files": [str(media.id)]}, ["body", "properties", "files", 0]),
            ({"files": [str(good.id), str(pending.id)]}, ["body", "properties", "files", 1]),
            (
                {"files": [str(good.id)], "archived": {str(pending.id): True}},
                ["body", "properties", "archived", str(pending.id)],
            ),
        ]
        for properties, loc in cases:
            body = {"type": "downloadables", "description": "Files", "properties": properties}
            response = await client.post(
                "/v1/benefits/",
                json=tenant.body(subject_kind, body),
                headers=tenant.headers(subject_kind),
            )
            assert error_loc(response) == loc, properties
        assert await _state(client, tenant) == []
        archived = await _create(
            client,
            tenant,
            subject_kind,
            {
                "type": "downloadables",
                "description": "Files",
                "properties": {"files": [str(good.id)], "archived": {str(good.id): True}},
            },
        )
        assert archived["properties"]["archived"] == {str(good.id): True}


class TestRead:
    async def test_get_own_and_not_another_tenants(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        mine = await _create(client, tenant, subject_kind)
        theirs = await _create(client, other, "organization")
        response = await client.get(
            f"/v1/benefits/{mine['id']}", headers=tenant.headers(subject_kind)
        )
        assert response.status_code == 200
        assert response.json() == mine
        response = await client.get(
            f"/v1/benefits/{theirs['id']}", headers=tenant.headers(subject_kind)
        )
        assert response.status_code == 404
        assert response.json()["error"] == "ResourceNotFound"
        assert (
            await client.get("/v1/benefits/not-a-uuid", headers=tenant.headers(subject_kind))
        ).status_code == 422

    async def test_list_only_own_with_filters_sorting_and_pages(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        await _create(client, other, "organization")
        custom = await _create(
            client, tenant, subject_kind, {**CUSTOM, "metadata": {"tier": "gold"}}
        )
        keys = await _create(client, tenant, subject_kind, LICENSE_KEYS)
        credit = await _create(client, tenant, subject_kind, await _meter_credit(seeder, tenant))
        headers = tenant.headers(subject_kind)

        async def ids(**params: Any) -> list[str]:
            response = await client.get("/v1/benefits/", params=params, headers=headers)
            assert response.status_code == 200, response.text
            deserialize(response.json(), ListResourceBenefit)
            return [b["id"] for b in response.json()["items"]]

        assert await ids() == [credit["id"], keys["id"], custom["id"]]  # newest first
        assert await ids(type=["license_keys", "custom"]) == [keys["id"], custom["id"]]
        assert await ids(id=[custom["id"], credit["id"]]) == [credit["id"], custom["id"]]
        assert await ids(exclude_id=[keys["id"]]) == [credit["id"], custom["id"]]
        assert await ids(query="LICENSE") == [keys["id"]]
        assert await ids(query="%") == []
        assert await ids(**{"metadata[tier]": "gold"}) == [custom["id"]]
        assert await ids(sorting="description") == [credit["id"], keys["id"], custom["id"]]
        assert await ids(sorting="type") == [custom["id"], keys["id"], credit["id"]]
        assert await ids(sorting="-type") == [credit["id"], keys["id"], custom["id"]]
        assert await ids(organization_id=str(tenant.organization.id), limit=2, page=2) == [
            custom["id"]
        ]
        response = await client.get("/v1/benefits/", params={"limit": 2}, headers=headers)
        assert response.json()["pagination"] == {"total_count": 3, "max_page": 2}
        assert await ids(organization_id=str(other.organization.id)) == []
        response = await client.get("/v1/benefits/", params={"sorting": "name"}, headers=headers)
        assert error_loc(response) == ["query", "sorting", 0]

    async def test_grants_are_empty_and_private(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        mine = await _create(client, tenant, subject_kind)
        theirs = await _create(client, other, "organization")
        headers = tenant.headers(subject_kind)
        response = await client.get(f"/v1/benefits/{mine['id']}/grants", headers=headers)
        assert response.status_code == 200
        deserialize(response.json(), ListResourceBenefitGrant)
        assert response.json() == {"items": [], "pagination": {"total_count": 0, "max_page": 0}}
        response = await client.get(f"/v1/benefits/{theirs['id']}/grants", headers=headers)
        assert response.status_code == 404


class TestUpdate:
    async def test_fields_and_properties(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind, LICENSE_KEYS)
        path = f"/v1/benefits/{created['id']}"
        headers = tenant.headers(subject_kind)
        response = await client.patch(
            path,
            json={"type": "license_keys", "description": "  Renamed key  "},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        _loads(updated)
        assert updated["description"] == "Renamed key"
        assert updated["properties"] == created["properties"]  # left out: unchanged
        assert updated["modified_at"] is not None
        response = await client.patch(
            path,
            json={
                "type": "license_keys",
                "visibility": "draft",
                "metadata": {"v": 2},
                "properties": {"limit_usage": 5},
            },
            headers=headers,
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["visibility"] == "draft"
        assert updated["metadata"] == {"v": 2}
        # Properties are replaced whole.
        assert updated["properties"] == {
            "prefix": None,
            "expires": None,
            "activations": None,
            "limit_usage": 5,
        }
        assert (await client.get(path, headers=headers)).json() == updated

    async def test_downloadables_files_change(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        created = await _create(client, tenant, subject_kind, await _downloadables(seeder, tenant))
        path = f"/v1/benefits/{created['id']}"
        headers = tenant.headers(subject_kind)
        new = await seeder.file(tenant)
        theirs = await seeder.file(other)
        response = await client.patch(
            path,
            json={"type": "downloadables", "properties": {"files": [str(theirs.id)]}},
            headers=headers,
        )
        assert response.status_code == 404
        assert (await client.get(path, headers=headers)).json() == created
        response = await client.patch(
            path,
            json={"type": "downloadables", "properties": {"files": [str(new.id)]}},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        assert response.json()["properties"]["files"] == [str(new.id)]

    async def test_rules_name_their_field_and_change_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind, LICENSE_KEYS)
        path = f"/v1/benefits/{created['id']}"
        headers = tenant.headers(subject_kind)
        for body, loc in [
            ({"type": "custom", "description": "Other"}, ["body", "type"]),
            ({"description": "Other"}, ["body", "type"]),
            ({"type": "license_keys", "description": "x"}, ["body", "description"]),
            (
                {"type": "license_keys", "properties": {"limit_usage": -1}},
                ["body", "properties", "limit_usage"],
            ),
            ({"type": "license_keys", "metadata": {"": "v"}}, ["body", "metadata", ""]),
        ]:
            response = await client.patch(path, json=body, headers=headers)
            assert error_loc(response) == loc, body
        assert (await client.get(path, headers=headers)).json() == created

    async def test_another_tenants_benefit(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await _create(client, other, "organization")
        response = await client.patch(
            f"/v1/benefits/{theirs['id']}",
            json={"type": "custom", "description": "Mine now"},
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 404
        assert await _state(client, other) == [theirs]


class TestDelete:
    async def test_soft_delete_detaches_from_products(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        connection: AsyncConnection,
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        kept = await _create(client, tenant, subject_kind, LICENSE_KEYS)
        doomed = await _create(client, tenant, subject_kind)
        product = await _product(client, tenant)
        response = await client.post(
            f"/v1/products/{product['id']}/benefits",
            json={"benefits": [doomed["id"], kept["id"]]},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        before = response.json()

        response = await client.delete(f"/v1/benefits/{doomed['id']}", headers=headers)
        assert response.status_code == 204
        assert (
            await client.get(f"/v1/benefits/{doomed['id']}", headers=headers)
        ).status_code == 404
        assert [b["id"] for b in await _state(client, tenant)] == [kept["id"]]
        after = (await client.get(f"/v1/products/{product['id']}", headers=headers)).json()
        assert [b["id"] for b in after["benefits"]] == [kept["id"]]
        assert after["modified_at"] > before["modified_at"]
        # Deleting again: already gone.
        assert (
            await client.delete(f"/v1/benefits/{doomed['id']}", headers=headers)
        ).status_code == 404
        # A deleted benefit cannot be attached again.
        response = await client.post(
            f"/v1/products/{product['id']}/benefits",
            json={"benefits": [doomed["id"]]},
            headers=headers,
        )
        assert response.status_code == 404
        rows = await connection.execute(
            text(
                "SELECT job_name, arguments FROM outbox WHERE arguments->>'benefit_id' = :b "
                "OR arguments->>'product_id' = :p"
            ),
            {"b": doomed["id"], "p": product["id"]},
        )
        jobs = sorted(
            (name, arguments[f"{name.split('.')[0]}_id"]) for name, arguments in rows.all()
        )
        # Created, then updated by the deletion; the product: created, given the benefits,
        # then losing one.
        assert jobs == [
            ("benefit.created", doomed["id"]),
            ("benefit.updated", doomed["id"]),
            ("product.created", product["id"]),
            ("product.updated", product["id"]),
            ("product.updated", product["id"]),
        ]

    async def test_another_tenants_benefit(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await _create(client, other, "organization")
        response = await client.delete(
            f"/v1/benefits/{theirs['id']}", headers=tenant.headers(subject_kind)
        )
        assert response.status_code == 404
        assert await _state(client, other) == [theirs]


class TestProductBenefits:
    async def test_attach_in_order_replace_and_filter(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        from polar.v2026_10.outputs import Product as SdkProduct

        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        a = await _create(client, tenant, subject_kind, LICENSE_KEYS)
        b = await _create(client, tenant, subject_kind, await _downloadables(seeder, tenant))
        c = await _create(client, tenant, subject_kind)
        product = await _product(client, tenant)
        other_product = await _product(client, tenant)
        path = f"/v1/products/{product['id']}/benefits"

        response = await client.post(path, json={"benefits": [b["id"], a["id"]]}, headers=headers)
        assert response.status_code == 200, response.text
        attached = response.json()
        loaded = deserialize(attached, SdkProduct)
        assert [x.id for x in loaded.benefits] == [b["id"], a["id"]]
        assert attached["benefits"][0] == b
        fetched = (await client.get(f"/v1/products/{product['id']}", headers=headers)).json()
        assert fetched == attached

        response = await client.post(path, json={"benefits": [c["id"]]}, headers=headers)
        assert [x["id"] for x in response.json()["benefits"]] == [c["id"]]

        async def granting(benefit_id: str) -> list[str]:
            response = await client.get(
                "/v1/products/", params={"benefit_id": benefit_id}, headers=headers
            )
            assert response.status_code == 200
            return [p["id"] for p in response.json()["items"]]

        assert await granting(c["id"]) == [product["id"]]
        assert await granting(a["id"]) == []
        listed = (await client.get("/v1/products/", headers=headers)).json()["items"]
        assert {p["id"]: [x["id"] for x in p["benefits"]] for p in listed} == {
            product["id"]: [c["id"]],
            other_product["id"]: [],
        }
        response = await client.post(path, json={"benefits": []}, headers=headers)
        assert response.json()["benefits"] == []

    async def test_smuggled_ids_and_bad_lists_change_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        headers = tenant.headers(subject_kind)
        mine = await _create(client, tenant, subject_kind)
        theirs = await _create(client, other, "organization")
        product = await _product(client, tenant)
        their_product = await _product(client, other)
        path = f"/v1/products/{product['id']}/benefits"
        assert (
            await client.post(path, json={"benefits": [mine["id"]]}, headers=headers)
        ).status_code == 200
        before = (await client.get(f"/v1/products/{product['id']}", headers=headers)).json()

        for benefits in ([mine["id"], theirs["id"]], [str(uuid.uuid4())]):
            response = await client.post(path, json={"benefits": benefits}, headers=headers)
            assert response.status_code == 404, response.text
        response = await client.post(
            path, json={"benefits": [mine["id"], mine["id"]]}, headers=headers
        )
        assert error_loc(response) == ["body", "benefits", 1]
        response = await client.post(path, json={"benefits": ["nope"]}, headers=headers)
        assert error_loc(response) == ["body", "benefits", 0]
        response = await client.post(path, json={}, headers=headers)
        assert error_loc(response) == ["body", "benefits"]
        after = (await client.get(f"/v1/products/{product['id']}", headers=headers)).json()
        assert after == before
        # Another tenant's product: not found, even with its own organization's benefit.
        response = await client.post(
            f"/v1/products/{their_product['id']}/benefits",
            json={"benefits": [theirs["id"]]},
            headers=headers,
        )
        assert response.status_code == 404


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
            response = await client.patch(
                f"/v1/benefits/{created['id']}",
                json={"type": "custom", "description": "Changed"},
                headers=headers,
            )
            assert response.status_code == 200
        rows = await connection.execute(
            text(
                "SELECT job_name, dispatched_at FROM outbox "
                "WHERE arguments->>'benefit_id' = :id ORDER BY created_at, job_name"
            ),
            {"id": created["id"]},
        )
        jobs = rows.all()
        assert [name for name, _ in jobs] == ["benefit.created", "benefit.updated"]
        assert all(dispatched is not None for _, dispatched in jobs)
        recorded = [r.getMessage() for r in caplog.records if r.name == "meridian.jobs.webhooks"]
        assert recorded == [
            f"benefit.created recorded for benefit {created['id']}: 0 webhook events",
            f"benefit.updated recorded for benefit {created['id']}: 0 webhook events",
        ]

    async def test_attaching_benefits_updates_the_product(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        connection: AsyncConnection,
    ) -> None:
        tenant = await seeder.tenant()
        benefit = await _create(client, tenant, "organization")
        product = await _product(client, tenant)
        path = f"/v1/products/{product['id']}/benefits"
        headers = tenant.headers("organization")
        for _ in range(2):  # the second call changes nothing and sends nothing
            response = await client.post(path, json={"benefits": [benefit["id"]]}, headers=headers)
            assert response.status_code == 200
        rows = await connection.execute(
            text("SELECT job_name FROM outbox WHERE arguments->>'product_id' = :id"),
            {"id": product["id"]},
        )
        assert sorted(rows.scalars()) == ["product.created", "product.updated"]
