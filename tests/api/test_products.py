"""The products API, as a user and as an organization: Polar's wire format, tenancy, scopes,
validation (422 naming the field, nothing changed), price updates and the event jobs."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx
import pytest
from polar.base import deserialize
from polar.v2026_10.outputs import ListResourceProduct
from polar.v2026_10.outputs import Product as SdkProduct
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.kit.statements import STATEMENTS
from application.auth import Scope
from domain.file import FileService
from domain.membership import MemberRole
from tests.harness import Seeder, Tenant, error_loc, listed

FIXED = {"amount_type": "fixed", "price_amount": 1000}
PRODUCT = {"name": "Pro", "recurring_interval": "month", "prices": [FIXED]}
# Keys typed `X | None` without a default in the client: present, as null when unset.
NULLABLE_KEYS = (
    "modified_at",
    "trial_interval",
    "trial_interval_count",
    "description",
    "recurring_interval",
    "recurring_interval_count",
    "meter_interval",
    "meter_interval_count",
)
PRICE_NULLABLE_KEYS = ("modified_at", "tax_behavior")


def _loads(body: dict[str, Any]) -> None:
    """The official client loads the response (it is the specification)."""
    deserialize(body, SdkProduct)


async def _create(
    client: httpx.AsyncClient, tenant: Tenant, kind: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/products/",
        json=tenant.body(kind, {**PRODUCT, **body}),
        headers=tenant.headers(kind),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    _loads(created)
    return created


async def _state(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Every product of the tenant, in full: compared before and after a refused request."""
    return await listed(client, "/v1/products/", tenant, ListResourceProduct)


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        some = uuid.uuid4()
        for method, path in [
            ("GET", "/v1/products/"),
            ("POST", "/v1/products/"),
            ("GET", f"/v1/products/{some}"),
            ("PATCH", f"/v1/products/{some}"),
        ]:
            response = await client.request(method, path, json=PRODUCT)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "Unauthorized"

    async def test_missing_scope(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.discounts_read, Scope.discounts_write])
        headers = tenant.headers(subject_kind)
        some = uuid.uuid4()
        responses = [
            await client.get("/v1/products/", headers=headers),
            await client.get(f"/v1/products/{some}", headers=headers),
            await client.post(
                "/v1/products/", json=tenant.body(subject_kind, PRODUCT), headers=headers
            ),
            await client.patch(f"/v1/products/{some}", json={"name": "x"}, headers=headers),
        ]
        for response in responses:
            assert response.status_code == 403
            assert response.json()["error"] == "NotPermitted"

    async def test_read_scope_reads_but_cannot_write(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.products_read])
        writer = (await seeder.member(tenant, MemberRole.member)).token  # every scope
        response = await client.post(
            "/v1/products/",
            json={**PRODUCT, "organization_id": str(tenant.organization.id)},
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert response.status_code == 201
        path = f"/v1/products/{response.json()['id']}"
        headers = tenant.headers(subject_kind)
        assert (await client.get("/v1/products/", headers=headers)).status_code == 200
        assert (await client.get(path, headers=headers)).status_code == 200
        before = await _state(client, tenant)
        assert (await client.patch(path, json={"name": "x"}, headers=headers)).status_code == 403
        body = tenant.body(subject_kind, PRODUCT)
        assert (await client.post("/v1/products/", json=body, headers=headers)).status_code == 403
        assert await _state(client, tenant) == before

    async def test_write_scope_reads(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.products_write])
        created = await _create(client, tenant, subject_kind)
        headers = tenant.headers(subject_kind)
        assert (await client.get("/v1/products/", headers=headers)).status_code == 200
        got = await client.get(f"/v1/products/{created['id']}", headers=headers)
        assert got.status_code == 200


class TestCreate:
    async def test_recurring_with_a_fixed_price(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        body = await _create(client, tenant, subject_kind, metadata={"tier": "pro", "n": 2})
        assert body["organization_id"] == str(tenant.organization.id)
        assert (body["name"], body["visibility"]) == ("Pro", "public")
        assert (body["recurring_interval"], body["recurring_interval_count"]) == ("month", 1)
        assert (body["is_recurring"], body["is_archived"], body["is_deletable"]) == (
            True,
            False,
            True,
        )
        assert body["metadata"] == {"tier": "pro", "n": 2}
        assert (body["benefits"], body["medias"], body["attached_custom_fields"]) == ([], [], [])
        for key in NULLABLE_KEYS:
            assert key in body
        (price,) = body["prices"]
        for key in PRICE_NULLABLE_KEYS:
            assert price[key] is None
        assert price["amount_type"] == "fixed"
        assert (price["price_amount"], price["price_currency"]) == (1000, "usd")
        assert (price["source"], price["is_archived"]) == ("catalog", False)
        assert price["product_id"] == body["id"]

    async def test_one_time_with_each_static_price_kind(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        custom = await _create(
            client,
            tenant,
            subject_kind,
            recurring_interval=None,
            description="Pay what you want",
            visibility="private",
            prices=[
                {
                    "amount_type": "custom",
                    "minimum_amount": 100,
                    "maximum_amount": 5000,
                    "preset_amount": 900,
                    "price_currency": "EUR",
                    "tax_behavior": "inclusive",
                }
            ],
        )
        assert (custom["is_recurring"], custom["recurring_interval"]) == (False, None)
        assert custom["recurring_interval_count"] is None
        (price,) = custom["prices"]
        assert (price["minimum_amount"], price["maximum_amount"], price["preset_amount"]) == (
            100,
            5000,
            900,
        )
        assert (price["price_currency"], price["tax_behavior"]) == ("eur", "inclusive")
        seats = await _create(
            client,
            tenant,
            subject_kind,
            trial_interval="day",
            trial_interval_count=14,
            prices=[
                {
                    "amount_type": "seat_based",
                    "seat_tiers": {
                        "seat_tier_type": "graduated",
                        "tiers": [
                            {"min_seats": 1, "max_seats": 4, "price_per_seat": 1000},
                            {"min_seats": 5, "price_per_seat": 800},
                        ],
                    },
                }
            ],
        )
        assert (seats["trial_interval"], seats["trial_interval_count"]) == ("day", 14)
        tiers = seats["prices"][0]["seat_tiers"]
        assert (tiers["minimum_seats"], tiers["maximum_seats"]) == (1, None)
        assert tiers["seat_tier_type"] == "graduated"
        assert tiers["tiers"][1] == {"min_seats": 5, "max_seats": None, "price_per_seat": 800}
        units = await _create(
            client,
            tenant,
            subject_kind,
            recurring_interval=None,
            prices=[
                {
                    "amount_type": "unit_based",
                    "tiers": {
                        "type": "graduated",
                        "tiers": [
                            {"bound": 10, "unit_amount": "500"},
                            {"bound": 100, "unit_amount": 0.25},
                        ],
                    },
                    "minimum_units": 2,
                    "unit_label": {"en": {"=1": "device", "other": "devices"}},
                }
            ],
        )
        (price,) = units["prices"]
        assert price["tiers"] == {
            "type": "graduated",
            "tiers": [{"bound": 10, "unit_amount": "500"}, {"bound": 100, "unit_amount": "0.25"}],
        }
        assert (price["minimum_units"], price["maximum_units"]) == (2, 100)
        assert price["unit_label"] == {"en": {"=1": "device", "other": "devices"}}
        # Sorting by price: a unit-based price counts what its minimum quantity costs (1000).
        response = await client.get(
            "/v1/products/",
            params={"sorting": "price_amount", "id": [units["id"], custom["id"]]},
            headers=tenant.headers(subject_kind),
        )
        assert [p["id"] for p in response.json()["items"]] == [custom["id"], units["id"]]

    async def test_user_names_the_organization_in_the_header(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(
            "/v1/products/",
            json=PRODUCT,
            headers={
                **tenant.headers("user"),
                "Polar-Organization": str(tenant.organization.id),
            },
        )
        assert response.status_code == 201
        assert response.json()["organization_id"] == str(tenant.organization.id)

    async def test_user_without_organization(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post("/v1/products/", json=PRODUCT, headers=tenant.headers("user"))
        assert error_loc(response) == ["body", "organization_id"]
        assert await _state(client, tenant) == []

    async def test_another_tenants_organization(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        response = await client.post(
            "/v1/products/",
            json={**PRODUCT, "organization_id": str(other.organization.id)},
            headers=mine.headers(subject_kind),
        )
        assert response.status_code == 404
        assert await _state(client, other) == []

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"name": ""}, ["body", "name"]),
            ({"name": "   "}, ["body", "name"]),
            ({"name": "x" * 257}, ["body", "name"]),
            ({"visibility": "hidden"}, ["body", "visibility"]),
            ({"recurring_interval": "decade"}, ["body", "recurring_interval"]),
            ({"recurring_interval_count": 0}, ["body", "recurring_interval_count"]),
            ({"recurring_interval": None, "trial_interval": "day"}, ["body", "trial_interval"]),
            ({"trial_interval_count": 3}, ["body", "trial_interval_count"]),
            ({"prices": []}, ["body", "prices"]),
            ({"prices": [FIXED, FIXED]}, ["body", "prices"]),
            ({"prices": [{"amount_type": "fixed"}]}, ["body", "prices", 0]),
            ({"prices": [{"amount_type": "free"}]}, ["body", "prices", 0]),
            ({"prices": [{**FIXED, "price_amount": -1}]}, ["body", "prices", 0, "price_amount"]),
            (
                {"prices": [{**FIXED, "price_amount": 100_000_000}]},
                ["body", "prices", 0, "price_amount"],
            ),
            ({"prices": [{**FIXED, "price_currency": "us"}]}, ["body", "prices", 0]),
            ({"prices": [{**FIXED, "tax_behavior": "never"}]}, ["body", "prices", 0]),
            (
                {"prices": [{"amount_type": "custom", "minimum_amount": 500, "maximum_amount": 1}]},
                ["body", "prices", 0, "maximum_amount"],
            ),
            (
                {"prices": [{"amount_type": "custom", "preset_amount": -3}]},
                ["body", "prices", 0, "preset_amount"],
            ),
            (
                {"prices": [{"amount_type": "seat_based", "seat_tiers": {"tiers": []}}]},
                ["body", "prices", 0, "seat_tiers"],
            ),
            (
                {
                    "prices": [
                        {
                            "amount_type": "seat_based",
                            "seat_tiers": {
                                "tiers": [
                                    {"min_seats": 1, "max_seats": 2, "price_per_seat": 10},
                                    {"min_seats": 4, "price_per_seat": 5},
                                ]
                            },
                        }
                    ]
                },
                ["body", "prices", 0, "seat_tiers"],
            ),
            (
                {
                    "prices": [
                        {"amount_type": "unit_based", "tiers": {"type": "volume", "tiers": []}}
                    ]
                },
                ["body", "prices", 0, "tiers", "tiers"],
            ),
            (
                {
                    "prices": [
                        {
                            "amount_type": "unit_based",
                            "tiers": {
                                "type": "volume",
                                "tiers": [
                                    {"bound": 5, "unit_amount": 1},
                                    {"bound": 5, "unit_amount": 1},
                                ],
                            },
                        }
                    ]
                },
                ["body", "prices", 0, "tiers", "tiers", 1, "bound"],
            ),
            (
                {
                    "prices": [
                        {
                            "amount_type": "unit_based",
                            "tiers": {"type": "volume", "tiers": [{"unit_amount": "abc"}]},
                        }
                    ]
                },
                ["body", "prices", 0, "unit_based", "tiers", "tiers", 0, "unit_amount"],
            ),
            (
                {
                    "prices": [
                        {
                            "amount_type": "unit_based",
                            "tiers": {"type": "stairs", "tiers": [{"unit_amount": 1}]},
                        }
                    ]
                },
                ["body", "prices", 0, "unit_based", "tiers", "type"],
            ),
            (
                {
                    "prices": [
                        {
                            "amount_type": "unit_based",
                            "tiers": {"type": "volume", "tiers": [{"bound": 3, "unit_amount": 1}]},
                            "minimum_units": 4,
                        }
                    ]
                },
                ["body", "prices", 0, "minimum_units"],
            ),
            (
                {"prices": [{"amount_type": "metered_volume", "meter_id": str(uuid.uuid4())}]},
                ["body", "prices", 0],
            ),
            (
                {"attached_custom_fields": [{"custom_field_id": "x"}]},
                ["body", "attached_custom_fields"],
            ),
            (
                {
                    "attached_custom_fields": [
                        {"custom_field_id": str(uuid.uuid4()), "required": True}
                    ]
                },
                ["body", "attached_custom_fields", 0, "custom_field_id"],
            ),
            ({"metadata": {"k" * 41: "v"}}, ["body", "metadata", "k" * 41]),
            ({"metadata": {"note": "v" * 501}}, ["body", "metadata", "note"]),
            ({"metadata": {f"k{i}": i for i in range(51)}}, ["body", "metadata"]),
            # Stored, it used to come back as a float that the client's model refuses.
            ({"metadata": {"n": 2**70}}, ["body", "metadata", "n"]),
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
        await _create(client, tenant, subject_kind)
        before = await _state(client, tenant)
        response = await client.post(
            "/v1/products/",
            json=tenant.body(subject_kind, {**PRODUCT, **body}),
            headers=tenant.headers(subject_kind),
        )
        assert error_loc(response)[: len(loc)] == loc
        assert await _state(client, tenant) == before

    async def test_empty_media_and_custom_fields_are_accepted(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        body = await _create(client, tenant, subject_kind, medias=[], attached_custom_fields=[])
        assert (body["medias"], body["attached_custom_fields"]) == ([], [])


class TestGet:
    async def test_own(self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind)
        response = await client.get(
            f"/v1/products/{created['id']}", headers=tenant.headers(subject_kind)
        )
        assert response.status_code == 200
        assert response.json() == created

    async def test_another_tenants_product_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        theirs = await _create(client, other, "organization")
        response = await client.get(
            f"/v1/products/{theirs['id']}", headers=mine.headers(subject_kind)
        )
        assert response.status_code == 404
        assert response.json() == {"error": "ResourceNotFound", "detail": "Product not found."}

    async def test_unknown_and_malformed_ids(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        assert (
            await client.get(f"/v1/products/{uuid.uuid4()}", headers=headers)
        ).status_code == 404
        assert error_loc(await client.get("/v1/products/nope", headers=headers)) == ["path", "id"]


class TestList:
    async def test_only_own_newest_first(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        first = await _create(client, mine, subject_kind, name="First")
        second = await _create(client, mine, subject_kind, name="Second")
        theirs = await _create(client, other, "organization")
        response = await client.get("/v1/products/", headers=mine.headers(subject_kind))
        assert response.status_code == 200
        listed = response.json()
        deserialize(listed, ListResourceProduct)
        assert [p["id"] for p in listed["items"]] == [second["id"], first["id"]]
        assert listed["pagination"] == {"total_count": 2, "max_page": 1}
        assert listed["items"][1] == first
        filtered = await client.get(
            "/v1/products/",
            params={"organization_id": str(other.organization.id)},
            headers=mine.headers(subject_kind),
        )
        assert filtered.json()["items"] == []
        by_id = await client.get(
            "/v1/products/", params={"id": theirs["id"]}, headers=mine.headers(subject_kind)
        )
        assert by_id.json()["items"] == []

    async def test_filters(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        pro = await _create(client, tenant, subject_kind, name="Pro plan", metadata={"tier": "pro"})
        ebook = await _create(
            client,
            tenant,
            subject_kind,
            name="Ebook",
            recurring_interval=None,
            visibility="draft",
            metadata={"tier": "basic", "paid": True},
        )
        old = await _create(client, tenant, subject_kind, name="Old")
        archive = await client.patch(
            f"/v1/products/{old['id']}", json={"is_archived": True}, headers=headers
        )
        assert archive.status_code == 200

        async def ids(params: Any) -> list[str]:
            response = await client.get("/v1/products/", params=params, headers=headers)
            assert response.status_code == 200, response.text
            return [p["id"] for p in response.json()["items"]]

        assert await ids({"query": "PRO"}) == [pro["id"]]
        assert await ids({"is_archived": "true"}) == [old["id"]]
        assert await ids({"is_archived": "false", "sorting": "name"}) == [ebook["id"], pro["id"]]
        assert await ids({"is_recurring": "false"}) == [ebook["id"]]
        assert await ids({"visibility": ["draft", "private"]}) == [ebook["id"]]
        assert await ids({"metadata[tier]": "pro"}) == [pro["id"]]
        assert await ids([("metadata[tier]", "pro"), ("metadata[tier]", "basic")]) == [
            ebook["id"],
            pro["id"],
        ]
        assert await ids({"metadata[paid]": "true"}) == [ebook["id"]]
        assert await ids([("id", pro["id"]), ("id", old["id"])]) == [old["id"], pro["id"]]
        assert error_loc(
            await client.get("/v1/products/", params={"visibility": "x"}, headers=headers)
        )[:2] == ["query", "visibility"]

    async def test_sorting_accepts_exactly_the_clients_literals(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        cheap = await _create(client, tenant, subject_kind, name="b", prices=[FIXED])
        custom = await _create(
            client,
            tenant,
            subject_kind,
            name="a",
            prices=[{"amount_type": "custom", "minimum_amount": 5000}],
        )

        async def names(*sorting: str) -> list[str]:
            response = await client.get(
                "/v1/products/", params={"sorting": list(sorting)}, headers=headers
            )
            assert response.status_code == 200, response.text
            return [p["name"] for p in response.json()["items"]]

        assert await names("price_amount") == ["b", "a"]
        assert await names("-price_amount") == ["a", "b"]
        assert await names("price_amount_type") == ["a", "b"]  # custom < fixed
        assert await names("-price_amount_type") == ["b", "a"]
        assert await names("name") == ["a", "b"]
        assert await names("-created_at") == ["a", "b"]
        assert await names("created_at") == ["b", "a"]
        response = await client.get("/v1/products/", params={"sorting": "amount"}, headers=headers)
        assert error_loc(response) == ["query", "sorting", 0]
        assert cheap and custom

    async def test_pagination(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        for i in range(5):
            await _create(client, tenant, subject_kind, name=f"p{i}")
        seen: list[str] = []
        for page in (1, 2, 3):
            response = await client.get(
                "/v1/products/",
                params={"limit": 2, "page": page, "sorting": "name"},
                headers=tenant.headers(subject_kind),
            )
            body = response.json()
            assert body["pagination"] == {"total_count": 5, "max_page": 3}
            seen += [p["name"] for p in body["items"]]
        assert seen == ["p0", "p1", "p2", "p3", "p4"]


async def test_sortings_beyond_the_statement_cache_bound_are_evicted(
    client: httpx.AsyncClient, seeder: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each `?sorting=` is a statement shape of its own. Past the cache's bound (8 here, for
    the test) the least recently used shapes go, and every answer is still in its own order."""
    monkeypatch.setattr(STATEMENTS, "size", 8)
    STATEMENTS.clear()
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    for name in ("b", "c", "a"):
        await _create(client, tenant, "organization", name=name)
    properties = ["created_at", "name", "price_amount", "price_amount_type"]
    sortings = [
        [f"{sign}{p}" for sign, p in zip(signs, chosen, strict=True)]
        for length in (1, 2)
        for chosen in itertools.permutations(properties, length)
        for signs in itertools.product(("", "-"), repeat=length)
    ]
    assert len(sortings) == 56
    for sorting in sortings:
        response = await client.get("/v1/products/", params={"sorting": sorting}, headers=headers)
        assert response.status_code == 200, response.text
        names = [p["name"] for p in response.json()["items"]]
        if sorting[0] in ("name", "-name"):
            assert names == sorted(names, reverse=sorting[0] == "-name"), sorting
        assert len(STATEMENTS) <= 8
    STATEMENTS.clear()


class TestUpdate:
    async def test_fields(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind, description="old")
        response = await client.patch(
            f"/v1/products/{created['id']}",
            json={
                "name": " Pro 2 ",
                "description": None,
                "visibility": "private",
                "trial_interval": "week",
                "trial_interval_count": 2,
                "metadata": {"v": 2},
                "recurring_interval": "month",
            },
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        _loads(body)
        assert (body["name"], body["description"], body["visibility"]) == (
            "Pro 2",
            None,
            "private",
        )
        assert (body["trial_interval"], body["trial_interval_count"]) == ("week", 2)
        assert body["metadata"] == {"v": 2}
        assert body["modified_at"] is not None
        assert body["prices"] == created["prices"]

    async def test_archive_and_unarchive(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind)
        path = f"/v1/products/{created['id']}"
        headers = tenant.headers(subject_kind)
        archived = await client.patch(path, json={"is_archived": True}, headers=headers)
        assert archived.json()["is_archived"] is True
        renamed = await client.patch(path, json={"name": "Still here"}, headers=headers)
        assert (renamed.json()["name"], renamed.json()["is_archived"]) == ("Still here", True)
        restored = await client.patch(path, json={"is_archived": False}, headers=headers)
        assert restored.json()["is_archived"] is False

    async def test_prices_keep_add_archive(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        created = await _create(client, tenant, subject_kind)
        path = f"/v1/products/{created['id']}"
        (original,) = created["prices"]
        # Keeping the only price changes nothing.
        kept = await client.patch(path, json={"prices": [{"id": original["id"]}]}, headers=headers)
        assert kept.status_code == 200
        assert kept.json()["prices"] == [original]
        # A new price replaces it: the old one is archived, still listed.
        replaced = await client.patch(
            path,
            json={"prices": [{"amount_type": "fixed", "price_amount": 2500}]},
            headers=headers,
        )
        assert replaced.status_code == 200, replaced.text
        body = replaced.json()
        _loads(body)
        old, new = body["prices"]
        assert (old["id"], old["is_archived"]) == (original["id"], True)
        assert old["modified_at"] is not None
        assert (new["price_amount"], new["is_archived"]) == (2500, False)
        # An archived price cannot be kept.
        refused = await client.patch(path, json={"prices": [{"id": old["id"]}]}, headers=headers)
        assert error_loc(refused) == ["body", "prices", 0, "id"]
        fetched = await client.get(path, headers=headers)
        assert fetched.json() == body

    async def test_another_tenants_product(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine = await seeder.tenant()
        other = await seeder.tenant()
        theirs = await _create(client, other, "organization")
        before = await _state(client, other)
        response = await client.patch(
            f"/v1/products/{theirs['id']}",
            json={"name": "Mine"},
            headers=mine.headers(subject_kind),
        )
        assert response.status_code == 404
        assert await _state(client, other) == before
        assert await _state(client, mine) == []

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"name": ""}, ["body", "name"]),
            ({"visibility": "hidden"}, ["body", "visibility"]),
            ({"recurring_interval": "year"}, ["body", "recurring_interval"]),
            ({"recurring_interval_count": 3}, ["body", "recurring_interval_count"]),
            (
                {"trial_interval_count": 0, "trial_interval": "day"},
                ["body", "trial_interval_count"],
            ),
            ({"prices": []}, ["body", "prices"]),
            ({"prices": [{"id": str(uuid.uuid4())}]}, ["body", "prices", 0, "id"]),
            ({"prices": [{"id": "nope"}]}, ["body", "prices", 0]),
            ({"prices": ["KEEP", "KEEP"]}, ["body", "prices", 1, "id"]),
            ({"prices": ["KEEP", FIXED]}, ["body", "prices"]),
            ({"prices": [{**FIXED, "price_amount": -1}]}, ["body", "prices", 0, "price_amount"]),
            (
                {"prices": [{"amount_type": "metered_volume", "meter_id": str(uuid.uuid4())}]},
                ["body", "prices", 0],
            ),
            (
                {"attached_custom_fields": [{"custom_field_id": "x"}]},
                ["body", "attached_custom_fields"],
            ),
            ({"metadata": {"k" * 41: "v"}}, ["body", "metadata", "k" * 41]),
            ({"is_archived": True, "name": ""}, ["body", "name"]),
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
        price_id = created["prices"][0]["id"]
        if "prices" in body:
            body = {
                **body,
                "prices": [{"id": price_id} if p == "KEEP" else p for p in body["prices"]],
            }
        before = await _state(client, tenant)
        response = await client.patch(
            f"/v1/products/{created['id']}", json=body, headers=tenant.headers(subject_kind)
        )
        assert error_loc(response)[: len(loc)] == loc
        assert await _state(client, tenant) == before


class TestDelete:
    async def test_deleted_product_leaves_reads_and_lists(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        doomed = await _create(client, tenant, subject_kind, name="Doomed")
        kept = await _create(client, tenant, subject_kind, name="Kept")
        path = f"/v1/products/{doomed['id']}"
        response = await client.delete(path, headers=headers)
        assert (response.status_code, response.content) == (204, b"")
        assert (await client.get(path, headers=headers)).status_code == 404
        assert (await client.patch(path, json={"name": "x"}, headers=headers)).status_code == 404
        listed_ids = [
            p["id"] for p in (await client.get("/v1/products/", headers=headers)).json()["items"]
        ]
        assert listed_ids == [kept["id"]]
        listing = await client.get("/v1/products/", headers=headers)
        assert listing.json()["pagination"]["total_count"] == 1
        again = await client.delete(path, headers=headers)
        assert again.status_code == 404
        assert again.json()["error"] == "ResourceNotFound"

    async def test_a_product_a_discount_is_restricted_to_is_not_deletable(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        product = await _create(client, tenant, subject_kind)
        other = await _create(client, tenant, subject_kind, name="Other")
        path = f"/v1/products/{product['id']}"
        discount = await client.post(
            "/v1/discounts/",
            json=tenant.body(
                subject_kind,
                {
                    "name": "Launch",
                    "basis_points": 1000,
                    "duration": "once",
                    "products": [product["id"]],
                },
            ),
            headers=headers,
        )
        assert discount.status_code == 201, discount.text
        got = (await client.get(path, headers=headers)).json()
        assert got["is_deletable"] is False
        _loads(got)
        by_id = {
            p["id"]: p["is_deletable"]
            for p in (await client.get("/v1/products/", headers=headers)).json()["items"]
        }
        assert by_id == {product["id"]: False, other["id"]: True}
        before = await _state(client, tenant)
        refused = await client.delete(path, headers=headers)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "ProductNotDeletable"
        assert await _state(client, tenant) == before
        # Once the discount is gone nothing points at the product.
        gone = await client.delete(f"/v1/discounts/{discount.json()['id']}", headers=headers)
        assert gone.status_code == 204
        assert (await client.get(path, headers=headers)).json()["is_deletable"] is True
        assert (await client.delete(path, headers=headers)).status_code == 204

    async def test_another_tenants_product_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine, theirs = await seeder.tenant(), await seeder.tenant()
        product = await _create(client, theirs, "organization")
        response = await client.delete(
            f"/v1/products/{product['id']}", headers=mine.headers(subject_kind)
        )
        assert response.status_code == 404
        got = await client.get(
            f"/v1/products/{product['id']}", headers=theirs.headers("organization")
        )
        assert got.status_code == 200

    async def test_read_scope_cannot_delete(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.products_read])
        writer = (await seeder.member(tenant, MemberRole.member)).token  # every scope
        created = await client.post(
            "/v1/products/",
            json={**PRODUCT, "organization_id": str(tenant.organization.id)},
            headers={"Authorization": f"Bearer {writer}"},
        )
        path = f"/v1/products/{created.json()['id']}"
        response = await client.delete(path, headers=tenant.headers(subject_kind))
        assert response.status_code == 403
        assert (await client.get(path, headers=tenant.headers(subject_kind))).status_code == 200


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
            path = f"/v1/products/{created['id']}"
            assert (
                await client.patch(path, json={"name": "x"}, headers=headers)
            ).status_code == 200
        rows = await connection.execute(
            text(
                "SELECT job_name, dispatched_at FROM outbox "
                "WHERE arguments->>'product_id' = :id ORDER BY created_at, job_name"
            ),
            {"id": created["id"]},
        )
        jobs = rows.all()
        assert [name for name, _ in jobs] == ["product.created", "product.updated"]
        assert all(dispatched is not None for _, dispatched in jobs)
        recorded = [r.getMessage() for r in caplog.records if r.name == "meridian.jobs.webhooks"]
        assert recorded == [
            f"product.created recorded for product {created['id']}: 0 webhook events",
            f"product.updated recorded for product {created['id']}: 0 webhook events",
        ]


async def test_an_unknown_benefit_filter_matches_no_product(
    client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
) -> None:
    tenant = await seeder.tenant()
    created = await client.post(
        "/v1/products/",
        json={
            "name": "Grants nothing",
            "organization_id": str(tenant.organization.id),
            "prices": [{"amount_type": "fixed", "price_amount": 1000}],
        },
        headers=tenant.headers("user"),
    )
    assert created.status_code == 201, created.text
    everything = await client.get("/v1/products/", headers=tenant.headers(subject_kind))
    assert everything.json()["pagination"]["total_count"] == 1
    filtered = await client.get(
        "/v1/products/",
        params={"benefit_id": str(uuid.uuid4())},
        headers=tenant.headers(subject_kind),
    )
    assert filtered.status_code == 200
    assert filtered.json() == {"items": [], "pagination": {"total_count": 0, "max_page": 0}}


class TestMedia:
    async def test_shown_in_order_with_public_urls_replaced_and_hidden_once_deleted(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        first = await seeder.file(tenant, service=FileService.product_media)
        second = await seeder.file(tenant, service=FileService.product_media)
        created = await _create(
            client, tenant, subject_kind, medias=[str(second.id), str(first.id)]
        )
        assert [m["id"] for m in created["medias"]] == [str(second.id), str(first.id)]
        media = created["medias"][0]
        assert media["service"] == "product_media"
        assert media["public_url"].startswith("http") and second.path in media["public_url"]
        path = f"/v1/products/{created['id']}"
        fetched = (await client.get(path, headers=headers)).json()
        assert fetched == created

        response = await client.patch(path, json={"medias": [str(first.id)]}, headers=headers)
        assert response.status_code == 200, response.text
        _loads(response.json())
        assert [m["id"] for m in response.json()["medias"]] == [str(first.id)]
        # Left out: unchanged.
        response = await client.patch(path, json={"name": "Renamed"}, headers=headers)
        assert [m["id"] for m in response.json()["medias"]] == [str(first.id)]

        deleted = await client.delete(f"/v1/files/{first.id}", headers=headers)
        assert deleted.status_code == 204
        assert (await client.get(path, headers=headers)).json()["medias"] == []

    async def test_only_the_organizations_uploaded_media_files(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        headers = tenant.headers(subject_kind)
        media = await seeder.file(tenant, service=FileService.product_media)
        theirs = await seeder.file(other, service=FileService.product_media)
        gone = await seeder.file(tenant, service=FileService.product_media, deleted=True)
        downloadable = await seeder.file(tenant)
        pending = await seeder.file(tenant, service=FileService.product_media, uploaded=False)
        existing = await _create(client, tenant, subject_kind, medias=[str(media.id)])
        before = await _state(client, tenant)
        for smuggled in (theirs.id, gone.id, uuid.uuid4()):
            body = tenant.body(subject_kind, {**PRODUCT, "medias": [str(smuggled)]})
            response = await client.post("/v1/products/", json=body, headers=headers)
            assert response.status_code == 404, response.text
            response = await client.patch(
                f"/v1/products/{existing['id']}", json={"medias": [str(smuggled)]}, headers=headers
            )
            assert response.status_code == 404, response.text
        for medias, index in (
            ([media.id, media.id], 1),
            ([downloadable.id], 0),
            ([media.id, pending.id], 1),
        ):
            body = tenant.body(subject_kind, {**PRODUCT, "medias": [str(m) for m in medias]})
            response = await client.post("/v1/products/", json=body, headers=headers)
            assert error_loc(response) == ["body", "medias", index]
        assert await _state(client, tenant) == before


def _metered(meter_id: object, **fields: Any) -> dict[str, Any]:
    return {
        "amount_type": "metered_unit",
        "meter_id": str(meter_id),
        "unit_amount": "0.5",
        **fields,
    }


def _tiered(meter_id: object, tiers: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "amount_type": "metered_tiers",
        "meter_id": str(meter_id),
        "tiers": {"type": "volume", "tiers": tiers},
        **fields,
    }


class TestMeteredPrices:
    async def test_billed_per_unit_of_the_meter_shown_with_its_name_and_unit(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        meter = await seeder.meter(tenant, name="Tokens")
        created = await _create(
            client,
            tenant,
            subject_kind,
            prices=[FIXED, _metered(meter.id, unit_amount="0.000001", cap_amount=50_000)],
        )
        fixed, metered = created["prices"]
        assert fixed["amount_type"] == "fixed"
        assert metered["amount_type"] == "metered_unit"
        assert metered["meter_id"] == str(meter.id)
        assert metered["meter"] == {
            "id": str(meter.id),
            "name": "Tokens",
            "unit": "scalar",
            "custom_label": None,
            "custom_multiplier": None,
        }
        assert (metered["unit_amount"], metered["cap_amount"]) == ("0.000001", 50_000)
        headers = tenant.headers(subject_kind)
        fetched = await client.get(f"/v1/products/{created['id']}", headers=headers)
        assert fetched.json() == created
        assert await _state(client, tenant) == [created]

    async def test_billed_by_tiers_of_usage(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        meter = await seeder.meter(tenant, name="Requests")
        tiers = {
            "type": "graduated",
            "tiers": [
                {"bound": 1000, "unit_amount": "0"},
                {"bound": 100000, "unit_amount": "0.05"},
                {"bound": None, "unit_amount": 0.025},
            ],
        }
        created = await _create(
            client,
            tenant,
            subject_kind,
            prices=[
                {
                    "amount_type": "metered_tiers",
                    "meter_id": str(meter.id),
                    "tiers": tiers,
                    "cap_amount": 900_000,
                }
            ],
        )
        (price,) = created["prices"]
        assert price["amount_type"] == "metered_tiers"
        assert (price["meter_id"], price["meter"]["name"]) == (str(meter.id), "Requests")
        assert price["cap_amount"] == 900_000
        assert price["tiers"] == {
            "type": "graduated",
            "tiers": [
                {"bound": 1000, "unit_amount": "0"},
                {"bound": 100000, "unit_amount": "0.05"},
                {"bound": None, "unit_amount": "0.025"},
            ],
        }
        fetched = await client.get(
            f"/v1/products/{created['id']}", headers=tenant.headers(subject_kind)
        )
        assert fetched.json() == created

    async def test_a_renamed_meter_shows_its_new_name(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        meter = await seeder.meter(tenant)
        created = await _create(client, tenant, subject_kind, prices=[_metered(meter.id)])
        headers = tenant.headers(subject_kind)
        renamed = await client.patch(
            f"/v1/meters/{meter.id}",
            json={"name": "Requests", "unit": "custom", "custom_label": "request"},
            headers=headers,
        )
        assert renamed.status_code == 200, renamed.text
        fetched = (await client.get(f"/v1/products/{created['id']}", headers=headers)).json()
        _loads(fetched)
        assert fetched["prices"][0]["meter"] == {
            "id": str(meter.id),
            "name": "Requests",
            "unit": "custom",
            "custom_label": "request",
            "custom_multiplier": 1,
        }

    async def test_added_by_an_update_next_to_kept_prices(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        first, second = await seeder.meter(tenant), await seeder.meter(tenant, name="Seats")
        created = await _create(client, tenant, subject_kind, prices=[FIXED, _metered(first.id)])
        fixed, metered = created["prices"]
        response = await client.patch(
            f"/v1/products/{created['id']}",
            json={"prices": [{"id": fixed["id"]}, _metered(second.id, unit_amount=2)]},
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 200, response.text
        _loads(response.json())
        prices = response.json()["prices"]
        archived = {p["id"]: p["is_archived"] for p in prices}
        assert archived.pop(fixed["id"]) is False
        assert archived.pop(metered["id"]) is True
        assert list(archived.values()) == [False]
        # The new price is listed last (newest), on the second meter.
        assert (prices[2]["meter"]["name"], prices[2]["unit_amount"]) == ("Seats", "2")

    async def test_another_tenants_or_an_unknown_meter_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await seeder.meter(other)
        existing = await _create(client, tenant, subject_kind)
        before = await _state(client, tenant)
        for smuggled in (theirs.id, uuid.uuid4()):
            created = await client.post(
                "/v1/products/",
                json=tenant.body(subject_kind, {**PRODUCT, "prices": [_metered(smuggled)]}),
                headers=tenant.headers(subject_kind),
            )
            updated = await client.patch(
                f"/v1/products/{existing['id']}",
                json={"prices": [_metered(smuggled)]},
                headers=tenant.headers(subject_kind),
            )
            for response in (created, updated):
                assert response.status_code == 404, response.text
                assert response.json()["detail"] == f"Meter {smuggled} not found."
        assert await _state(client, tenant) == before

    async def test_rules(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        meter = await seeder.meter(tenant)
        archived = await seeder.meter(tenant, archived=True)
        cases: list[tuple[dict[str, Any], list[Any]]] = [
            ({"prices": [FIXED, _metered(archived.id)]}, ["body", "prices", 1, "meter_id"]),
            ({"prices": [_metered(meter.id, unit_amount="0")]}, ["body", "prices", 0]),
            ({"prices": [_metered(meter.id, unit_amount="-1")]}, ["body", "prices", 0]),
            ({"prices": [_metered(meter.id, unit_amount="x")]}, ["body", "prices", 0]),
            (
                {"prices": [_metered(meter.id, unit_amount="0.0000000000001")]},
                ["body", "prices", 0, "unit_amount"],
            ),
            ({"prices": [_metered(meter.id, cap_amount=-1)]}, ["body", "prices", 0, "cap_amount"]),
            ({"prices": [_metered(meter.id), _metered(meter.id)]}, ["body", "prices"]),
            ({"prices": [_metered("not-a-uuid")]}, ["body", "prices", 0, "metered_unit"]),
            (
                {"recurring_interval": None, "prices": [FIXED, _metered(meter.id)]},
                ["body", "prices"],
            ),
            (
                {"prices": [_tiered(meter.id, [{"bound": 10, "unit_amount": 1}])]},
                ["body", "prices", 0, "tiers", "tiers", 0, "bound"],
            ),
            (
                {
                    "prices": [
                        _tiered(
                            meter.id,
                            [{"bound": None, "unit_amount": 1}, {"bound": None, "unit_amount": 1}],
                        )
                    ]
                },
                ["body", "prices", 0, "tiers", "tiers", 0, "bound"],
            ),
            ({"prices": [_tiered(meter.id, [])]}, ["body", "prices", 0, "tiers", "tiers"]),
            (
                {"prices": [_tiered(meter.id, [{"unit_amount": "-1"}])]},
                ["body", "prices", 0, "tiers", "tiers", 0, "unit_amount"],
            ),
            (
                {"prices": [_tiered(meter.id, [{"unit_amount": 1}], cap_amount=-5)]},
                ["body", "prices", 0, "cap_amount"],
            ),
            (
                {"prices": [_tiered(archived.id, [{"unit_amount": 1}])]},
                ["body", "prices", 0, "meter_id"],
            ),
            (
                {"prices": [_metered(meter.id), _tiered(meter.id, [{"unit_amount": 1}])]},
                ["body", "prices"],
            ),
        ]
        for body, loc in cases:
            response = await client.post(
                "/v1/products/",
                json=tenant.body(subject_kind, {**PRODUCT, **body}),
                headers=tenant.headers(subject_kind),
            )
            assert error_loc(response)[: len(loc)] == loc, body
        assert await _state(client, tenant) == []

    async def test_prices_are_listed_in_the_order_sent(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        # Prices created together share a request; reads list them by creation time, which
        # must follow the order of the request (ties used to fall back to random ids).
        tenant = await seeder.tenant()
        meters = [await seeder.meter(tenant, name=f"Meter {i}") for i in range(3)]
        headers = tenant.headers(subject_kind)
        for _ in range(4):
            sent = [_metered(meters[2].id), FIXED, _metered(meters[0].id), _metered(meters[1].id)]
            created = await _create(client, tenant, subject_kind, prices=sent)
            fetched = (await client.get(f"/v1/products/{created['id']}", headers=headers)).json()
            assert fetched["prices"] == created["prices"]
            assert [p.get("meter_id") for p in fetched["prices"]] == [
                p.get("meter_id") for p in sent
            ]
            updated = await client.patch(
                f"/v1/products/{created['id']}",
                json={"prices": list(reversed(sent))},
                headers=headers,
            )
            assert updated.status_code == 200, updated.text
            live = [p for p in updated.json()["prices"] if not p["is_archived"]]
            assert [p.get("meter_id") for p in live] == [p.get("meter_id") for p in reversed(sent)]
