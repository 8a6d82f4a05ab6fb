"""The meters API, as a user and as an organization: Polar's wire format, tenancy, scopes,
filters and sorting, validation (422 naming the field, nothing changed) and archiving."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from polar.base import deserialize
from polar.v2026_10.outputs import ListResourceMeter
from polar.v2026_10.outputs import Meter as SdkMeter

from application.auth import Scope
from domain.membership import MemberRole
from tests.harness import Seeder, Tenant, error_loc, listed

FILTER = {
    "conjunction": "and",
    "clauses": [
        {"property": "name", "operator": "eq", "value": "api_call"},
        {
            "conjunction": "or",
            "clauses": [
                {"property": "metadata.tokens", "operator": "gt", "value": 0},
                {"property": "metadata.billable", "operator": "eq", "value": True},
                {"property": "metadata.model", "operator": "like", "value": "gpt%"},
            ],
        },
    ],
}
METER = {
    "name": "API calls",
    "filter": FILTER,
    "aggregation": {"func": "sum", "property": "metadata.tokens"},
}


def _loads(body: dict[str, Any]) -> Any:
    """The official client loads the response (it is the specification)."""
    return deserialize(body, SdkMeter)


async def _create(
    client: httpx.AsyncClient, tenant: Tenant, kind: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/meters/", json=tenant.body(kind, {**METER, **body}), headers=tenant.headers(kind)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    _loads(created)
    return created


async def _state(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Every meter of the tenant, in full: compared before and after a refused request."""
    return await listed(client, "/v1/meters/", tenant, ListResourceMeter)


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        some = uuid.uuid4()
        for method, path in [
            ("GET", "/v1/meters/"),
            ("POST", "/v1/meters/"),
            ("GET", f"/v1/meters/{some}"),
            ("PATCH", f"/v1/meters/{some}"),
        ]:
            response = await client.request(method, path, json=METER)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "Unauthorized"

    async def test_missing_scope(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.products_read, Scope.products_write])
        headers = tenant.headers(subject_kind)
        some = uuid.uuid4()
        responses = [
            await client.get("/v1/meters/", headers=headers),
            await client.get(f"/v1/meters/{some}", headers=headers),
            await client.post(
                "/v1/meters/", json=tenant.body(subject_kind, METER), headers=headers
            ),
            await client.patch(f"/v1/meters/{some}", json={"name": "x"}, headers=headers),
        ]
        for response in responses:
            assert response.status_code == 403
            assert response.json()["error"] == "NotPermitted"

    async def test_read_scope_reads_but_cannot_write(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.meters_read])
        writer = (await seeder.member(tenant, MemberRole.member)).token  # every scope
        response = await client.post(
            "/v1/meters/",
            json={**METER, "organization_id": str(tenant.organization.id)},
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert response.status_code == 201
        path = f"/v1/meters/{response.json()['id']}"
        headers = tenant.headers(subject_kind)
        assert (await client.get(path, headers=headers)).status_code == 200
        assert (await client.get("/v1/meters/", headers=headers)).status_code == 200
        assert (await client.patch(path, json={"name": "x"}, headers=headers)).status_code == 403
        created = await client.post(
            "/v1/meters/", json=tenant.body(subject_kind, METER), headers=headers
        )
        assert created.status_code == 403


class TestCreate:
    async def test_in_the_clients_model(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind, metadata={"team": "core"})
        loaded = _loads(created)
        assert loaded.name == "API calls"
        assert created["filter"] == FILTER
        assert created["aggregation"] == {"func": "sum", "property": "metadata.tokens"}
        assert (created["unit"], created["custom_label"], created["custom_multiplier"]) == (
            "scalar",
            None,
            None,
        )
        assert created["organization_id"] == str(tenant.organization.id)
        assert created["archived_at"] is None and created["modified_at"] is None
        assert created["metadata"] == {"team": "core"}
        # A boolean stays a boolean and an integer an integer.
        clauses = created["filter"]["clauses"][1]["clauses"]
        assert [type(c["value"]) for c in clauses] == [int, bool, str]
        fetched = await client.get(
            f"/v1/meters/{created['id']}", headers=tenant.headers(subject_kind)
        )
        assert fetched.json() == created

    async def test_each_aggregation_and_unit(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        for aggregation in (
            {"func": "count"},
            {"func": "max", "property": "duration"},
            {"func": "min", "property": "duration"},
            {"func": "avg", "property": "duration"},
            {"func": "unique", "property": "user_id"},
        ):
            created = await _create(client, tenant, subject_kind, aggregation=aggregation)
            assert created["aggregation"] == aggregation
        tokens = await _create(client, tenant, subject_kind, unit="token")
        assert tokens["unit"] == "token"
        custom = await _create(
            client, tenant, subject_kind, unit="custom", custom_label="image", custom_multiplier=10
        )
        assert (custom["unit"], custom["custom_label"], custom["custom_multiplier"]) == (
            "custom",
            "image",
            10,
        )
        defaulted = await _create(client, tenant, subject_kind, unit="custom", custom_label="GB")
        assert defaulted["custom_multiplier"] == 1
        # Spaces around the label are dropped before its length counts.
        padded = await _create(
            client, tenant, subject_kind, unit="custom", custom_label=" " + "x" * 64 + " "
        )
        assert padded["custom_label"] == "x" * 64
        empty = await _create(client, tenant, subject_kind, filter={"conjunction": "or"})
        assert empty["filter"] == {"conjunction": "or", "clauses": []}

    async def test_clause_integers_fit_in_64_bits(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)

        def clauses(*values: int) -> dict[str, Any]:
            return {
                "conjunction": "or",
                "clauses": [{"property": "n", "operator": "lte", "value": v} for v in values],
            }

        widest = await _create(client, tenant, subject_kind, filter=clauses(2**63 - 1, -(2**63)))
        fetched = await client.get(f"/v1/meters/{widest['id']}", headers=headers)
        assert fetched.json()["filter"] == clauses(2**63 - 1, -(2**63))
        for wide in (2**63, -(2**63) - 1, 2**70):
            response = await client.post(
                "/v1/meters/",
                json=tenant.body(subject_kind, {**METER, "filter": clauses(wide)}),
                headers=headers,
            )
            assert error_loc(response)[:4] == ["body", "filter", "clauses", 0]
        assert await _state(client, tenant) == [widest]

    async def test_user_names_the_organization_in_the_header(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(
            "/v1/meters/",
            json=METER,
            headers={**tenant.headers("user"), "Polar-Organization": str(tenant.organization.id)},
        )
        assert response.status_code == 201, response.text

    async def test_user_without_organization(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post("/v1/meters/", json=METER, headers=tenant.headers("user"))
        assert error_loc(response) == ["body", "organization_id"]

    async def test_another_tenants_organization(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        response = await client.post(
            "/v1/meters/",
            json={**METER, "organization_id": str(other.organization.id)},
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 404
        assert await _state(client, other) == []

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"name": ""}, ["body", "name"]),
            ({"name": "   "}, ["body", "name"]),
            ({"name": "x" * 257}, ["body", "name"]),
            ({"unit": "bytes"}, ["body", "unit"]),
            ({"unit": "custom"}, ["body", "custom_label"]),
            ({"unit": "custom", "custom_label": "  "}, ["body", "custom_label"]),
            ({"unit": "custom", "custom_label": "x" * 65}, ["body", "custom_label"]),
            (
                {"unit": "custom", "custom_label": "GB", "custom_multiplier": 0},
                ["body", "custom_multiplier"],
            ),
            ({"custom_label": "request"}, ["body", "custom_label"]),
            ({"unit": "token", "custom_multiplier": 5}, ["body", "custom_multiplier"]),
            ({"filter": None}, ["body", "filter"]),
            ({"filter": {"clauses": []}}, ["body", "filter", "conjunction"]),
            ({"filter": {"conjunction": "xor", "clauses": []}}, ["body", "filter", "conjunction"]),
            (
                {
                    "filter": {
                        "conjunction": "and",
                        "clauses": [{"property": "", "operator": "eq", "value": 1}],
                    }
                },
                ["body", "filter", "clauses", 0, "FilterClauseInput", "property"],
            ),
            (
                {
                    "filter": {
                        "conjunction": "and",
                        "clauses": [{"property": " ", "operator": "eq", "value": 1}],
                    }
                },
                ["body", "filter", "clauses", 0, "FilterClauseInput", "property"],
            ),
            (
                {
                    "filter": {
                        "conjunction": "and",
                        "clauses": [{"property": "name", "operator": "in", "value": 1}],
                    }
                },
                ["body", "filter", "clauses", 0],
            ),
            (
                {
                    "filter": {
                        "conjunction": "and",
                        "clauses": [{"property": "name", "operator": "like", "value": 5}],
                    }
                },
                ["body", "filter", "clauses", 0, "value"],
            ),
            (
                {
                    "filter": {
                        "conjunction": "and",
                        "clauses": [{"property": "name", "operator": "eq", "value": [1]}],
                    }
                },
                ["body", "filter", "clauses", 0],
            ),
            (
                {
                    "filter": {
                        "conjunction": "and",
                        "clauses": [
                            {"property": f"p{i}", "operator": "eq", "value": i} for i in range(51)
                        ],
                    }
                },
                ["body", "filter", "clauses"],
            ),
            (
                {
                    "filter": {
                        "conjunction": "and",
                        "clauses": [
                            {
                                "conjunction": "or",
                                "clauses": [
                                    {
                                        "conjunction": "and",
                                        "clauses": [
                                            {
                                                "conjunction": "or",
                                                "clauses": [{"conjunction": "and", "clauses": []}],
                                            }
                                        ],
                                    }
                                ],
                            }
                        ],
                    }
                },
                ["body", "filter", "clauses", 0, "clauses", 0, "clauses", 0, "clauses", 0],
            ),
            ({"aggregation": {}}, ["body", "aggregation"]),
            ({"aggregation": {"func": "median", "property": "x"}}, ["body", "aggregation"]),
            ({"aggregation": {"func": "sum"}}, ["body", "aggregation", "sum", "property"]),
            (
                {"aggregation": {"func": "sum", "property": "  "}},
                ["body", "aggregation", "sum", "property"],
            ),
            ({"aggregation": {"func": "unique"}}, ["body", "aggregation", "unique", "property"]),
            (
                {"aggregation": {"func": "max", "property": ""}},
                ["body", "aggregation", "max", "property"],
            ),
            ({"metadata": {"k" * 41: "v"}}, ["body", "metadata", "k" * 41]),
            ({"metadata": {"k": "v" * 501}}, ["body", "metadata", "k"]),
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
        existing = await _create(client, tenant, subject_kind)
        response = await client.post(
            "/v1/meters/",
            json=tenant.body(subject_kind, {**METER, **body}),
            headers=tenant.headers(subject_kind),
        )
        assert error_loc(response)[: len(loc)] == loc
        assert await _state(client, tenant) == [existing]


class TestGet:
    async def test_another_tenants_meter_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await _create(client, other, "organization")
        for id in (theirs["id"], str(uuid.uuid4())):
            response = await client.get(f"/v1/meters/{id}", headers=tenant.headers(subject_kind))
            assert response.status_code == 404
            assert response.json()["error"] == "ResourceNotFound"
        malformed = await client.get("/v1/meters/nope", headers=tenant.headers(subject_kind))
        assert malformed.status_code == 422


class TestList:
    async def test_only_own_with_filters_sorting_and_pages(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        await _create(client, other, "organization", name="Alpha elsewhere")
        beta = await _create(client, tenant, subject_kind, name="Beta", metadata={"tier": "gold"})
        alpha = await _create(client, tenant, subject_kind, name="Alpha_1")
        gamma = await _create(client, tenant, subject_kind, name="Gamma")
        headers = tenant.headers(subject_kind)
        archived = await client.patch(
            f"/v1/meters/{gamma['id']}", json={"is_archived": True}, headers=headers
        )
        assert archived.status_code == 200

        async def names(**params: Any) -> list[str]:
            response = await client.get("/v1/meters/", params=params, headers=headers)
            assert response.status_code == 200, response.text
            deserialize(response.json(), ListResourceMeter)
            return [m["name"] for m in response.json()["items"]]

        assert await names() == ["Alpha_1", "Beta", "Gamma"]  # by name
        assert await names(sorting="-name") == ["Gamma", "Beta", "Alpha_1"]
        assert await names(sorting="-created_at") == ["Gamma", "Alpha_1", "Beta"]
        assert await names(sorting="created_at") == ["Beta", "Alpha_1", "Gamma"]
        assert await names(query="ALPHA") == ["Alpha_1"]
        assert await names(query="a_") == ["Alpha_1"]  # `_` is a plain character
        assert await names(is_archived=True) == ["Gamma"]
        assert await names(is_archived=False) == ["Alpha_1", "Beta"]
        assert await names(**{"metadata[tier]": "gold"}) == ["Beta"]
        assert await names(organization_id=str(tenant.organization.id)) == [
            "Alpha_1",
            "Beta",
            "Gamma",
        ]
        assert await names(organization_id=str(other.organization.id)) == []
        page = await client.get("/v1/meters/", params={"limit": 2, "page": 2}, headers=headers)
        assert [m["name"] for m in page.json()["items"]] == ["Gamma"]
        assert page.json()["pagination"] == {"total_count": 3, "max_page": 2}
        assert {m["id"] for m in await _state(client, tenant)} == {
            alpha["id"],
            beta["id"],
            gamma["id"],
        }

    async def test_sorting_accepts_exactly_the_clients_literals(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        for sorting in ("created_at", "-created_at", "name", "-name"):
            response = await client.get("/v1/meters/", params={"sorting": sorting}, headers=headers)
            assert response.status_code == 200, sorting
        response = await client.get("/v1/meters/", params={"sorting": "unit"}, headers=headers)
        assert error_loc(response)[:2] == ["query", "sorting"]


class TestUpdate:
    async def test_fields(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind)
        path = f"/v1/meters/{created['id']}"
        headers = tenant.headers(subject_kind)
        new_filter = {
            "conjunction": "or",
            "clauses": [{"property": "name", "operator": "ne", "value": "ping"}],
        }
        response = await client.patch(
            path,
            json={
                "name": "Requests",
                "unit": "custom",
                "custom_label": "request",
                "custom_multiplier": 1000,
                "filter": new_filter,
                "aggregation": {"func": "count"},
                "metadata": {"v": 2},
            },
            headers=headers,
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        _loads(updated)
        assert updated["name"] == "Requests"
        assert (updated["unit"], updated["custom_label"], updated["custom_multiplier"]) == (
            "custom",
            "request",
            1000,
        )
        assert updated["filter"] == new_filter
        assert updated["aggregation"] == {"func": "count"}
        assert updated["metadata"] == {"v": 2}
        assert updated["modified_at"] is not None
        assert updated["created_at"] == created["created_at"]
        # Leaving the custom unit drops its label and multiplier.
        scalar = await client.patch(path, json={"unit": "scalar"}, headers=headers)
        assert (scalar.json()["custom_label"], scalar.json()["custom_multiplier"]) == (None, None)
        # An empty body changes nothing but the modification time.
        same = await client.patch(path, json={}, headers=headers)
        assert {**same.json(), "modified_at": None} == {**scalar.json(), "modified_at": None}
        assert (await client.get(path, headers=headers)).json() == same.json()

    async def test_archive_and_unarchive(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind)
        path = f"/v1/meters/{created['id']}"
        headers = tenant.headers(subject_kind)
        archived = (await client.patch(path, json={"is_archived": True}, headers=headers)).json()
        assert archived["archived_at"] is not None
        again = (await client.patch(path, json={"is_archived": True}, headers=headers)).json()
        assert again["archived_at"] == archived["archived_at"]  # the first archiving stays
        restored = await client.patch(path, json={"is_archived": False}, headers=headers)
        assert restored.json()["archived_at"] is None

    async def test_a_priced_meter_cannot_be_archived_until_the_price_is(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        meter = await _create(client, tenant, subject_kind)
        headers = tenant.headers(subject_kind)
        product = await client.post(
            "/v1/products/",
            json=tenant.body(
                subject_kind,
                {
                    "name": "Usage",
                    "recurring_interval": "month",
                    "prices": [
                        {"amount_type": "fixed", "price_amount": 0},
                        {"amount_type": "metered_unit", "meter_id": meter["id"], "unit_amount": 1},
                    ],
                },
            ),
            headers=headers,
        )
        assert product.status_code == 201, product.text
        path = f"/v1/meters/{meter['id']}"
        refused = await client.patch(path, json={"is_archived": True}, headers=headers)
        assert error_loc(refused) == ["body", "is_archived"]
        assert await _state(client, tenant) == [meter]
        # Archiving the product keeps its prices live: still refused.
        archived_product = await client.patch(
            f"/v1/products/{product.json()['id']}", json={"is_archived": True}, headers=headers
        )
        assert archived_product.status_code == 200, archived_product.text
        assert archived_product.json()["is_archived"] is True
        refused = await client.patch(path, json={"is_archived": True}, headers=headers)
        assert error_loc(refused) == ["body", "is_archived"]
        free = product.json()["prices"][0]
        unpriced = await client.patch(
            f"/v1/products/{product.json()['id']}",
            json={"prices": [{"id": free["id"]}]},
            headers=headers,
        )
        assert unpriced.status_code == 200, unpriced.text
        archived = await client.patch(path, json={"is_archived": True}, headers=headers)
        assert archived.status_code == 200, archived.text
        assert archived.json()["archived_at"] is not None
        # The archived price still shows the meter it billed.
        fetched = await client.get(f"/v1/products/{product.json()['id']}", headers=headers)
        metered = next(p for p in fetched.json()["prices"] if p["amount_type"] == "metered_unit")
        assert (metered["is_archived"], metered["meter"]["id"]) == (True, meter["id"])

    async def test_another_tenants_meter(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await _create(client, other, "organization")
        before = await _state(client, other)
        for body in ({"name": "Mine"}, {"is_archived": True}):
            response = await client.patch(
                f"/v1/meters/{theirs['id']}", json=body, headers=tenant.headers(subject_kind)
            )
            assert response.status_code == 404
        assert await _state(client, other) == before

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"name": ""}, ["body", "name"]),
            ({"unit": "custom"}, ["body", "custom_label"]),
            ({"custom_label": "request"}, ["body", "custom_label"]),
            ({"filter": {"conjunction": "and", "clauses": [1]}}, ["body", "filter", "clauses", 0]),
            ({"aggregation": {"func": "avg"}}, ["body", "aggregation", "avg", "property"]),
            ({"metadata": {"k" * 41: "v"}}, ["body", "metadata", "k" * 41]),
            ({"is_archived": True, "name": ""}, ["body", "name"]),
            ({"is_archived": "later"}, ["body", "is_archived"]),
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
        created = await _create(client, tenant, subject_kind)
        response = await client.patch(
            f"/v1/meters/{created['id']}", json=body, headers=tenant.headers(subject_kind)
        )
        assert error_loc(response)[: len(loc)] == loc
        assert await _state(client, tenant) == [created]
