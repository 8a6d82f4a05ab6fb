"""The custom fields API, as a user and as an organization: Polar's wire format for the five
types, tenancy (another organization's field is not found anywhere, and never listed), scopes,
slugs unique among live fields, validation (422 naming the field, nothing changed), listing and
soft deletion."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from polar.base import deserialize
from polar.v2026_10.outputs import CustomField as SdkCustomField
from polar.v2026_10.outputs import ListResourceCustomField
from polar.v2026_10.outputs import Product as SdkProduct

from application.auth import Scope
from application.custom_fields.service import SLUG_TAKEN
from tests.harness import Seeder, Tenant, error_loc, listed

BASE = "/v1/custom-fields"
OPTIONS = [{"value": "s", "label": "Small"}, {"value": "l", "label": "Large"}]

# One create body per type, with every property the type has.
BODIES: dict[str, dict[str, Any]] = {
    "text": {
        "type": "text",
        "slug": "company",
        "name": "Company",
        "properties": {
            "form_label": "Your company",
            "form_help_text": "As on invoices",
            "form_placeholder": "Acme",
            "textarea": False,
            "min_length": 2,
            "max_length": 100,
        },
    },
    "number": {
        "type": "number",
        "slug": "seats",
        "name": "Seats",
        "properties": {"ge": 1, "le": 500},
    },
    "date": {
        "type": "date",
        "slug": "birthday",
        "name": "Birthday",
        "properties": {"form_label": "Birthday", "ge": 0, "le": 1798675200},
    },
    "checkbox": {
        "type": "checkbox",
        "slug": "terms",
        "name": "Terms",
        "properties": {"form_label": "I agree"},
    },
    "select": {
        "type": "select",
        "slug": "size",
        "name": "Size",
        "properties": {"options": OPTIONS},
    },
}


async def _create(
    client: httpx.AsyncClient, tenant: Tenant, kind: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        f"{BASE}/", json=tenant.body(kind, body), headers=tenant.headers(kind)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    deserialize(created, SdkCustomField)
    return created


async def _state(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    return await listed(client, f"{BASE}/", tenant, ListResourceCustomField)


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        id = uuid.uuid4()
        paths = [("GET", f"{BASE}/"), ("POST", f"{BASE}/")] + [
            (method, f"{BASE}/{id}") for method in ("GET", "PATCH", "DELETE")
        ]
        for method, path in paths:
            response = await client.request(method, path, json=BODIES["text"])
            assert response.status_code == 401, (method, path)

    async def test_scopes(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        owner = await seeder.tenant()
        field = await _create(client, owner, "organization", BODIES["text"])
        outsider = await seeder.tenant(scopes=[Scope.products_read])
        headers = outsider.headers(subject_kind)
        for method in ("GET", "POST"):
            response = await client.request(method, f"{BASE}/", json={}, headers=headers)
            assert response.status_code == 403, method
        reader = await seeder.tenant(scopes=[Scope.custom_fields_read])
        headers = reader.headers(subject_kind)
        assert (await client.get(f"{BASE}/", headers=headers)).status_code == 200
        mine = await client.post(
            f"{BASE}/", json=reader.body(subject_kind, BODIES["text"]), headers=headers
        )
        assert mine.status_code == 403
        for method in ("PATCH", "DELETE"):
            response = await client.request(
                method, f"{BASE}/{field['id']}", json={"type": "text"}, headers=headers
            )
            assert response.status_code in (403, 404), method


class TestCrud:
    @pytest.mark.parametrize("type", list(BODIES))
    async def test_each_type_in_the_clients_model(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str, type: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        body = {**BODIES[type], "metadata": {"source": "test", "rank": 2}}
        created = await _create(client, tenant, subject_kind, body)
        assert (created["type"], created["slug"], created["name"]) == (
            type,
            body["slug"],
            body["name"],
        )
        assert created["properties"] == body["properties"]
        assert created["metadata"] == {"source": "test", "rank": 2}
        assert created["organization_id"] == str(tenant.organization.id)
        assert created["modified_at"] is None
        fetched = await client.get(f"{BASE}/{created['id']}", headers=headers)
        assert fetched.json() == created

        renamed = await client.patch(
            f"{BASE}/{created['id']}",
            json={"type": type, "name": "Renamed", "slug": f"new_{type}"},
            headers=headers,
        )
        assert renamed.status_code == 200, renamed.text
        deserialize(renamed.json(), SdkCustomField)
        assert (renamed.json()["name"], renamed.json()["slug"]) == ("Renamed", f"new_{type}")
        assert renamed.json()["properties"] == body["properties"]  # unchanged: not sent
        assert renamed.json()["metadata"] == body["metadata"]
        assert renamed.json()["modified_at"] is not None

        deleted = await client.delete(f"{BASE}/{created['id']}", headers=headers)
        assert deleted.status_code == 204
        gone = await client.get(f"{BASE}/{created['id']}", headers=headers)
        assert gone.status_code == 404
        again = await client.delete(f"{BASE}/{created['id']}", headers=headers)
        assert again.status_code == 404
        assert await _state(client, tenant) == []

    async def test_properties_are_replaced_and_unset_ones_dropped(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        body = {**BODIES["text"], "properties": {"form_label": "", "textarea": None}}
        created = await _create(client, tenant, "organization", body)
        assert created["properties"] == {}
        updated = await client.patch(
            f"{BASE}/{created['id']}",
            json={"type": "text", "properties": {"textarea": True}, "metadata": {"a": "b"}},
            headers=headers,
        )
        assert updated.json()["properties"] == {"textarea": True}
        assert updated.json()["metadata"] == {"a": "b"}

    async def test_slugs_are_unique_among_live_fields(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        first = await _create(client, tenant, subject_kind, BODIES["text"])
        other = await _create(client, tenant, subject_kind, BODIES["number"])
        before = await _state(client, tenant)
        taken = await client.post(
            f"{BASE}/",
            json=tenant.body(subject_kind, {**BODIES["select"], "slug": "company"}),
            headers=headers,
        )
        assert taken.status_code == 422
        assert [(e["loc"], e["msg"]) for e in taken.json()["detail"]] == [
            (["body", "slug"], SLUG_TAKEN)
        ]
        renamed = await client.patch(
            f"{BASE}/{other['id']}", json={"type": "number", "slug": "company"}, headers=headers
        )
        assert error_loc(renamed) == ["body", "slug"]
        assert await _state(client, tenant) == before
        # Another organization may use the slug; a deleted field frees it.
        await _create(client, await seeder.tenant(), subject_kind, BODIES["text"])
        assert (await client.delete(f"{BASE}/{first['id']}", headers=headers)).status_code == 204
        await _create(client, tenant, subject_kind, BODIES["text"])

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({**BODIES["text"], "slug": "not a slug"}, ["body", "text", "slug"]),
            ({**BODIES["text"], "slug": ""}, ["body", "text", "slug"]),
            ({**BODIES["text"], "name": ""}, ["body", "text", "name"]),
            ({**BODIES["text"], "type": "color"}, ["body"]),
            ({k: v for k, v in BODIES["text"].items() if k != "properties"}, ["body", "text"]),
            (
                {**BODIES["text"], "properties": {"min_length": -1}},
                ["body", "text", "properties", "min_length"],
            ),
            (
                {**BODIES["text"], "properties": {"min_length": 5, "max_length": 1}},
                ["body", "properties", "max_length"],
            ),
            (
                {**BODIES["number"], "properties": {"ge": 5, "le": 1}},
                ["body", "properties", "le"],
            ),
            (
                {**BODIES["number"], "properties": {"ge": 2**31}},
                ["body", "number", "properties", "ge"],
            ),
            (
                {**BODIES["select"], "properties": {"options": []}},
                ["body", "select", "properties", "options"],
            ),
            (
                {**BODIES["select"], "properties": {"options": [{"value": "", "label": "x"}]}},
                ["body", "select", "properties", "options", 0, "value"],
            ),
            ({**BODIES["text"], "metadata": {"k": [1]}}, ["body", "text", "metadata", "k"]),
            ({**BODIES["text"], "name": "a\x00b"}, ["body", "text", "name"]),
        ],
    )
    async def test_bad_input_is_refused_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        body: dict[str, Any],
        loc: list[Any],
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(f"{BASE}/", json=body, headers=tenant.headers("organization"))
        found = error_loc(response)
        assert found[: len(loc)] == loc, found
        assert await _state(client, tenant) == []

    async def test_bad_updates_are_refused_and_change_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        field = await _create(client, tenant, "organization", BODIES["number"])
        path = f"{BASE}/{field['id']}"
        for body, loc in [
            ({"type": "text", "name": "x"}, ["body", "type"]),
            ({"name": "x"}, ["body"]),
            ({"type": "number", "properties": {"ge": 3, "le": 2}}, ["body", "properties", "le"]),
            ({"type": "number", "slug": "Bad Slug"}, ["body", "number", "slug"]),
        ]:
            response = await client.patch(path, json=body, headers=headers)
            assert error_loc(response)[: len(loc)] == loc, (body, response.text)
        assert await _state(client, tenant) == [field]


class TestTenancy:
    async def test_another_organizations_field_is_not_found_anywhere(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await _create(client, other, "organization", BODIES["select"])
        headers = tenant.headers(subject_kind)
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(
                method, f"{BASE}/{theirs['id']}", json={"type": "select"}, headers=headers
            )
            assert response.status_code == 404, method
            assert response.json()["error"] == "ResourceNotFound"
        listed_page = await client.get(f"{BASE}/", headers=headers)
        assert listed_page.json()["items"] == []
        assert listed_page.json()["pagination"] == {"total_count": 0, "max_page": 0}
        by_org = await client.get(
            f"{BASE}/", params={"organization_id": str(other.organization.id)}, headers=headers
        )
        assert by_org.json()["items"] == []
        foreign = await client.post(
            f"{BASE}/",
            json={**BODIES["text"], "organization_id": str(other.organization.id)},
            headers=tenant.headers("user"),
        )
        assert foreign.status_code == 404
        still = await client.get(f"{BASE}/{theirs['id']}", headers=other.headers("organization"))
        assert still.json() == theirs


class TestListing:
    async def test_filters_sorting_and_pagination(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        made = {t: await _create(client, tenant, subject_kind, BODIES[t]) for t in BODIES}
        ids = {t: f["id"] for t, f in made.items()}

        async def listed_ids(**params: Any) -> list[str]:
            response = await client.get(f"{BASE}/", params=params, headers=headers)
            assert response.status_code == 200, response.text
            deserialize(response.json(), ListResourceCustomField)
            return [f["id"] for f in response.json()["items"]]

        # By slug by default: birthday, company, seats, size, terms.
        by_slug = [ids["date"], ids["text"], ids["number"], ids["select"], ids["checkbox"]]
        assert await listed_ids() == by_slug
        assert await listed_ids(sorting="-slug") == by_slug[::-1]
        assert await listed_ids(sorting="name") == by_slug  # names follow the slugs' order
        assert await listed_ids(sorting="-created_at") == list(ids.values())[::-1]
        assert await listed_ids(sorting=["type", "slug"]) == [
            ids["checkbox"],
            ids["date"],
            ids["number"],
            ids["select"],
            ids["text"],
        ]
        assert await listed_ids(type="select") == [ids["select"]]
        assert await listed_ids(type=["text", "number"]) == [ids["text"], ids["number"]]
        assert await listed_ids(query="SEA") == [ids["number"]]
        assert await listed_ids(query="Siz") == [ids["select"]]
        assert await listed_ids(query="%") == []
        assert await listed_ids(organization_id=str(tenant.organization.id)) == by_slug
        page = await client.get(f"{BASE}/", params={"limit": 2, "page": 3}, headers=headers)
        assert [f["id"] for f in page.json()["items"]] == [ids["checkbox"]]
        assert page.json()["pagination"] == {"total_count": 5, "max_page": 3}
        bad = await client.get(f"{BASE}/", params={"type": "color"}, headers=headers)
        assert error_loc(bad)[:2] == ["query", "type"]
        bad = await client.get(f"{BASE}/", params={"sorting": "email"}, headers=headers)
        assert error_loc(bad)[:2] == ["query", "sorting"]


class TestProducts:
    """Custom fields attached to products: in order, each required or not, shown in the
    product's `attached_custom_fields`."""

    async def test_attach_reorder_and_detach(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        headers = tenant.headers(subject_kind)
        text = await _create(client, tenant, subject_kind, BODIES["text"])
        select = await _create(client, tenant, subject_kind, BODIES["select"])
        theirs = await _create(client, other, "organization", BODIES["number"])
        body = {
            "name": "Shirt",
            "prices": [{"amount_type": "fixed", "price_amount": 1000, "price_currency": "usd"}],
            "attached_custom_fields": [
                {"custom_field_id": select["id"], "required": True},
                {"custom_field_id": text["id"], "required": False},
            ],
        }
        response = await client.post(
            "/v1/products/", json=tenant.body(subject_kind, body), headers=headers
        )
        assert response.status_code == 201, response.text
        product = response.json()
        deserialize(product, SdkProduct)
        assert product["attached_custom_fields"] == [
            {"custom_field_id": select["id"], "custom_field": select, "order": 0, "required": True},
            {"custom_field_id": text["id"], "custom_field": text, "order": 1, "required": False},
        ]
        path = f"/v1/products/{product['id']}"
        assert (await client.get(path, headers=headers)).json() == product
        listed_products = await client.get("/v1/products/", headers=headers)
        assert (
            listed_products.json()["items"][0]["attached_custom_fields"]
            == (product["attached_custom_fields"])
        )

        # Another organization's field, or one named twice, is refused and changes nothing.
        for attached, index in [
            ([{"custom_field_id": theirs["id"], "required": True}], 0),
            (
                [
                    {"custom_field_id": text["id"], "required": True},
                    {"custom_field_id": text["id"], "required": False},
                ],
                1,
            ),
        ]:
            refused = await client.patch(
                path, json={"attached_custom_fields": attached}, headers=headers
            )
            assert error_loc(refused) == [
                "body",
                "attached_custom_fields",
                index,
                "custom_field_id",
            ]
        assert (await client.get(path, headers=headers)).json() == product

        reordered = await client.patch(
            path,
            json={"attached_custom_fields": [{"custom_field_id": text["id"], "required": True}]},
            headers=headers,
        )
        assert reordered.status_code == 200, reordered.text
        assert [
            (a["custom_field_id"], a["order"], a["required"])
            for a in reordered.json()["attached_custom_fields"]
        ] == [(text["id"], 0, True)]
        # Other changes keep them; a deleted field leaves the product.
        renamed = await client.patch(path, json={"name": "Tee"}, headers=headers)
        assert len(renamed.json()["attached_custom_fields"]) == 1
        assert (await client.delete(f"{BASE}/{text['id']}", headers=headers)).status_code == 204
        assert (await client.get(path, headers=headers)).json()["attached_custom_fields"] == []
