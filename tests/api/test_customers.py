"""The customers API, as a user and as an organization: Polar's wire format, tenancy (another
organization's customer is not found anywhere, and never listed or exported), scopes,
uniqueness of emails and external ids, validation (422 naming the field, nothing changed),
state, payment methods, the CSV export and the webhook events."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from polar.base import deserialize
from polar.v2026_10.outputs import Customer as SdkCustomer
from polar.v2026_10.outputs import CustomerState as SdkCustomerState
from polar.v2026_10.outputs import ListResourceCustomer, ListResourcePaymentMethod
from polar.v2026_10.webhooks import (
    WebhookCustomerCreatedPayload,
    WebhookCustomerDeletedPayload,
    WebhookCustomerStateChangedPayload,
    WebhookCustomerUpdatedPayload,
    validate_event,
)

from application.auth import Scope
from application.customers.service import EMAIL_TAKEN, EXTERNAL_ID_TAKEN
from application.webhooks.guard import UrlGuard
from entrypoints.container import Container
from tests.harness import Seeder, Tenant, error_loc, listed
from tests.receiver import Receiver

BASE = "/v1/customers"


async def _create(
    client: httpx.AsyncClient, tenant: Tenant, kind: str, **body: Any
) -> dict[str, Any]:
    fields = {"email": f"c-{uuid.uuid4().hex[:8]}@example.com", **body}
    response = await client.post(
        f"{BASE}/", json=tenant.body(kind, fields), headers=tenant.headers(kind)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    deserialize(created, SdkCustomer)
    return created


async def _state(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Every customer of the tenant, in full: compared before and after a refused request."""
    return await listed(client, f"{BASE}/", tenant, ListResourceCustomer)


def _item_paths(id: str, external_id: str) -> list[tuple[str, str]]:
    """Every route naming one customer, by id and by external id."""
    paths = []
    for key in (id, f"external/{external_id}"):
        paths += [
            ("GET", f"{BASE}/{key}"),
            ("PATCH", f"{BASE}/{key}"),
            ("DELETE", f"{BASE}/{key}"),
            ("GET", f"{BASE}/{key}/state"),
            ("GET", f"{BASE}/{key}/payment-methods"),
        ]
    return paths


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        paths = [("GET", f"{BASE}/"), ("POST", f"{BASE}/"), ("GET", f"{BASE}/export")]
        for method, path in paths + _item_paths(str(uuid.uuid4()), "u_1"):
            response = await client.request(method, path, json={"email": "a@example.com"})
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "Unauthorized"

    async def test_scopes(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        owner = await seeder.tenant()
        customer = await _create(client, owner, "organization", external_id="u_1")
        tenant = await seeder.tenant(scopes=[Scope.products_read])
        headers = tenant.headers(subject_kind)
        for method, path in [("GET", f"{BASE}/"), ("POST", f"{BASE}/"), ("GET", f"{BASE}/export")]:
            response = await client.request(method, path, json={}, headers=headers)
            assert response.status_code == 403, (method, path)
            assert response.json()["error"] == "NotPermitted"
        reader = await seeder.tenant(scopes=[Scope.customers_read])
        headers = reader.headers(subject_kind)
        assert (await client.get(f"{BASE}/", headers=headers)).status_code == 200
        for method, path in _item_paths(customer["id"], "u_1"):
            if method != "GET":
                response = await client.request(method, path, json={}, headers=headers)
                assert response.status_code == 403, (method, path)
        created = await client.post(
            f"{BASE}/", json=reader.body(subject_kind, {"email": "a@example.com"}), headers=headers
        )
        assert created.status_code == 403


class TestCreate:
    async def test_individual_in_the_clients_model(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(
            client,
            tenant,
            subject_kind,
            email="Ada@Example.COM",
            name="Ada Lovelace",
            external_id="u_1",
            billing_address={"country": "us", "state": "NY", "line1": "1 Main St"},
            tax_id="12-3456789",
            locale="en-US",
            metadata={"plan": "pro", "seats": 3},
        )
        assert created["type"] == "individual"
        assert created["email"] == "Ada@example.com"  # the domain is lower-cased
        assert created["email_verified"] is False
        assert (created["name"], created["billing_name"]) == ("Ada Lovelace", "Ada Lovelace")
        assert created["billing_address"] == {
            "line1": "1 Main St",
            "line2": None,
            "postal_code": None,
            "city": None,
            "state": "US-NY",
            "country": "US",
        }
        assert created["tax_id"] == ["12-3456789", None]
        assert created["organization_id"] == str(tenant.organization.id)
        assert created["deleted_at"] is None and created["modified_at"] is None
        assert created["avatar_url"].startswith("https://www.gravatar.com/avatar/")
        fetched = await client.get(f"{BASE}/{created['id']}", headers=tenant.headers(subject_kind))
        assert fetched.json() == created
        by_external = await client.get(f"{BASE}/external/u_1", headers=tenant.headers(subject_kind))
        assert by_external.json() == created

    async def test_team_without_an_email(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        team = await _create(
            client,
            tenant,
            subject_kind,
            email=None,
            type="team",
            name="Acme",
            owner={"email": "boss@acme.example.com"},
        )
        assert (team["type"], team["email"], team["avatar_url"]) == ("team", None, None)

    async def test_duplicates_are_refused_as_polar_does(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        await _create(client, tenant, subject_kind, email="ada@example.com", external_id="u_1")
        before = await _state(client, tenant)
        response = await client.post(
            f"{BASE}/",
            json=tenant.body(subject_kind, {"email": "ADA@example.com", "external_id": "u_1"}),
            headers=tenant.headers(subject_kind),
        )
        assert response.status_code == 422
        assert [(e["loc"], e["msg"], e["type"]) for e in response.json()["detail"]] == [
            (["body", "email"], EMAIL_TAKEN, "value_error"),
            (["body", "external_id"], EXTERNAL_ID_TAKEN, "value_error"),
        ]
        assert await _state(client, tenant) == before
        # Another organization may use the same email and external id.
        other = await seeder.tenant()
        await _create(client, other, subject_kind, email="ada@example.com", external_id="u_1")

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"email": "not-an-email"}, ["body", "email"]),
            ({}, ["body", "email"]),
            ({"type": "team"}, ["body", "email"]),
            ({"email": "a@example.com", "type": "company"}, ["body", "type"]),
            ({"email": "a@example.com", "billing_address": {"country": "XX"}}, None),
            ({"email": "a@example.com", "billing_address": {"country": "RU"}}, None),
            (
                {"email": "a@example.com", "billing_address": {"country": "US", "state": "ZZ"}},
                ["body", "billing_address", "state"],
            ),
            ({"email": "a@example.com", "tax_id": "FR61954506077"}, ["body", "billing_address"]),
            ({"email": "a@example.com", "name": "x" * 257}, ["body", "name"]),
            ({"email": "a@example.com", "external_id": "x" * 257}, ["body", "external_id"]),
            ({"email": "a@example.com", "locale": "not a locale"}, ["body", "locale"]),
            ({"email": "a@example.com", "metadata": {"k": [1]}}, ["body", "metadata", "k"]),
            ({"email": "a\x00b@example.com"}, ["body", "email"]),
        ],
    )
    async def test_bad_input_is_refused_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        body: dict[str, Any],
        loc: list[Any] | None,
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(f"{BASE}/", json=body, headers=tenant.headers("organization"))
        found = error_loc(response)
        if loc is None:
            assert found[:3] == ["body", "billing_address", "country"], found
        else:
            assert found[: len(loc)] == loc
        assert await _state(client, tenant) == []

    async def test_a_user_names_an_organization_it_belongs_to(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        missing = await client.post(
            f"{BASE}/", json={"email": "a@example.com"}, headers=tenant.headers("user")
        )
        assert error_loc(missing) == ["body", "organization_id"]
        foreign = await client.post(
            f"{BASE}/",
            json={"email": "a@example.com", "organization_id": str(other.organization.id)},
            headers=tenant.headers("user"),
        )
        assert foreign.status_code == 404
        assert foreign.json()["error"] == "ResourceNotFound"


class TestTenancy:
    async def test_another_organizations_customer_is_not_found_anywhere(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await _create(client, other, "organization", external_id="theirs")
        headers = tenant.headers(subject_kind)
        for method, path in _item_paths(theirs["id"], "theirs"):
            response = await client.request(method, path, json={"name": "x"}, headers=headers)
            assert response.status_code == 404, (method, path)
            assert response.json()["error"] == "ResourceNotFound"
        listed = await client.get(f"{BASE}/", headers=headers)
        assert listed.json()["items"] == []
        assert listed.json()["pagination"] == {"total_count": 0, "max_page": 0}
        by_org = await client.get(
            f"{BASE}/", params={"organization_id": str(other.organization.id)}, headers=headers
        )
        assert by_org.json()["items"] == []
        searched = await client.get(f"{BASE}/", params={"query": "theirs"}, headers=headers)
        assert searched.json()["items"] == []
        exported = await client.get(
            f"{BASE}/export",
            params={"organization_id": str(other.organization.id)},
            headers=headers,
        )
        assert theirs["id"] not in exported.text
        # Untouched.
        still = await client.get(f"{BASE}/{theirs['id']}", headers=other.headers("organization"))
        assert still.json() == theirs


class TestListing:
    async def test_filters_sorting_and_pagination(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        ada = await _create(client, tenant, subject_kind, email="ada@example.com", name="Ada")
        bob = await _create(
            client,
            tenant,
            subject_kind,
            email="bob@example.org",
            name="Bob",
            external_id="crm_42",
            metadata={"plan": "pro"},
        )

        async def ids(**params: Any) -> list[str]:
            response = await client.get(f"{BASE}/", params=params, headers=headers)
            assert response.status_code == 200, response.text
            deserialize(response.json(), ListResourceCustomer)
            return [c["id"] for c in response.json()["items"]]

        assert await ids() == [bob["id"], ada["id"]]  # newest first
        assert await ids(sorting="email") == [ada["id"], bob["id"]]
        assert await ids(sorting="-name") == [bob["id"], ada["id"]]
        assert await ids(email="ADA@EXAMPLE.COM") == [ada["id"]]
        assert await ids(query="crm_") == [bob["id"]]
        assert await ids(query="ADA") == [ada["id"]]
        assert await ids(query="%") == []
        assert await ids(**{"metadata[plan]": "pro"}) == [bob["id"]]
        assert await ids(active="true") == []
        assert await ids(active="false") == [bob["id"], ada["id"]]
        assert await ids(organization_id=str(tenant.organization.id)) == [bob["id"], ada["id"]]
        page = await client.get(f"{BASE}/", params={"limit": 1, "page": 2}, headers=headers)
        assert page.json()["pagination"] == {"total_count": 2, "max_page": 2}
        assert [c["id"] for c in page.json()["items"]] == [ada["id"]]
        bad = await client.get(f"{BASE}/", params={"sorting": "price"}, headers=headers)
        assert error_loc(bad)[:2] == ["query", "sorting"]


class TestUpdate:
    @pytest.mark.parametrize("by", ["id", "external_id"])
    async def test_a_bad_billing_address_is_refused_and_changes_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder, by: str
    ) -> None:
        # Found by the fuzzer: an unknown country on update was a 500.
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        created = await _create(client, tenant, "organization", external_id="u_bad")
        path = f"{BASE}/{created['id']}" if by == "id" else f"{BASE}/external/u_bad"
        before = await _state(client, tenant)
        response = await client.patch(
            path, json={"billing_address": {"country": "AA"}}, headers=headers
        )
        assert response.status_code == 422, response.text
        assert error_loc(response)[:3] == ["body", "billing_address", "country"]
        assert await _state(client, tenant) == before

    async def test_by_id_and_by_external_id(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        created = await _create(client, tenant, subject_kind, name="Ada")
        response = await client.patch(
            f"{BASE}/{created['id']}",
            json={
                "name": "Ada L.",
                "external_id": "u_7",
                "billing_address": {"country": "FR", "city": "Paris"},
                "metadata": {"tier": 2},
            },
            headers=headers,
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        deserialize(updated, SdkCustomer)
        assert (updated["name"], updated["external_id"], updated["metadata"]) == (
            "Ada L.",
            "u_7",
            {"tier": 2},
        )
        assert updated["billing_address"]["city"] == "Paris"
        assert updated["modified_at"] is not None
        response = await client.patch(
            f"{BASE}/external/u_7",
            json={"email": "new@example.com", "locale": None},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        assert response.json()["email"] == "new@example.com"

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"external_id": "other"}, ["body", "external_id"]),
            ({"type": "individual"}, ["body", "type"]),
            ({"billing_address": None}, ["body", "billing_address"]),
            ({"email": "taken@example.com"}, ["body", "email"]),
            ({"email": "bad"}, ["body", "email"]),
        ],
    )
    async def test_refused_changes_change_nothing(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        body: dict[str, Any],
        loc: list[Any],
    ) -> None:
        tenant = await seeder.tenant()
        await _create(client, tenant, "organization", email="taken@example.com")
        customer = await _create(
            client,
            tenant,
            "organization",
            type="team",
            external_id="u_1",
            billing_address={"country": "DE"},
        )
        before = await _state(client, tenant)
        response = await client.patch(
            f"{BASE}/{customer['id']}", json=body, headers=tenant.headers("organization")
        )
        assert error_loc(response) == loc
        assert await _state(client, tenant) == before

    async def test_external_id_taken_by_another(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        await _create(client, tenant, "organization", external_id="u_1")
        customer = await _create(client, tenant, "organization")
        response = await client.patch(
            f"{BASE}/{customer['id']}",
            json={"external_id": "u_1"},
            headers=tenant.headers("organization"),
        )
        assert error_loc(response) == ["body", "external_id"]
        assert response.json()["detail"][0]["msg"] == EXTERNAL_ID_TAKEN


class TestDelete:
    async def test_soft_delete_frees_the_email_and_external_id(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        first = await _create(
            client, tenant, subject_kind, email="a@example.com", external_id="u_1"
        )
        second = await _create(client, tenant, subject_kind, external_id="u_2")
        assert (await client.delete(f"{BASE}/{first['id']}", headers=headers)).status_code == 204
        assert (await client.delete(f"{BASE}/external/u_2", headers=headers)).status_code == 204
        for customer in (first, second):
            response = await client.get(f"{BASE}/{customer['id']}", headers=headers)
            assert response.status_code == 404
        assert (await client.delete(f"{BASE}/{first['id']}", headers=headers)).status_code == 404
        assert await _state(client, tenant) == []
        again = await _create(
            client, tenant, subject_kind, email="a@example.com", external_id="u_1"
        )
        assert again["id"] != first["id"]

    async def test_anonymize(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        customer = await _create(client, tenant, "organization", email="a@example.com", name="Ada")
        response = await client.delete(
            f"{BASE}/{customer['id']}",
            params={"anonymize": "true"},
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 204
        # The email is free for a new customer.
        await _create(client, tenant, "organization", email="a@example.com")


class TestStateAndPaymentMethods:
    async def test_state_and_payment_methods_by_id_and_external_id(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        customer = await _create(client, tenant, subject_kind, external_id="u_1")
        for key in (customer["id"], "external/u_1"):
            state = await client.get(f"{BASE}/{key}/state", headers=headers)
            assert state.status_code == 200, state.text
            deserialize(state.json(), SdkCustomerState)
            body = state.json()
            assert {k: body[k] for k in customer} == customer
            assert (body["active_subscriptions"], body["granted_benefits"]) == ([], [])
            assert body["active_meters"] == []
            methods = await client.get(f"{BASE}/{key}/payment-methods", headers=headers)
            assert methods.status_code == 200, methods.text
            deserialize(methods.json(), ListResourcePaymentMethod)
            assert methods.json() == {"items": [], "pagination": {"total_count": 0, "max_page": 0}}


class TestExport:
    async def test_csv_of_every_customer(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        customers = [
            await _create(
                client,
                tenant,
                subject_kind,
                name=f"Name, {n}",
                metadata={"n": n},
                billing_address={"country": "FR", "postal_code": "75001"},
            )
            for n in range(3)
        ]
        response = await client.get(f"{BASE}/export", headers=tenant.headers(subject_kind))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][:4] == ["ID", "External ID", "Created At", "Email"]
        assert [r[0] for r in rows[1:]] == [c["id"] for c in customers]  # oldest first
        assert rows[1][4] == "Name, 0"
        assert (rows[1][10], rows[1][11], rows[1][12]) == ("75001", "FR", '{"n": 0}')


@pytest.fixture
def loopback(container: Container) -> Iterator[None]:
    guard = UrlGuard(container.address_resolver(), require_https=False, allow_loopback=True)
    container.url_guard.override(providers.Object(guard))
    container.webhook_service.reset()
    container.webhook_deliverer.reset()
    yield
    container.url_guard.reset_override()
    container.webhook_service.reset()
    container.webhook_deliverer.reset()


@pytest.mark.usefixtures("loopback")
async def test_webhook_events_load_in_the_clients_models(
    client: httpx.AsyncClient, seeder: Seeder
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    events = ["customer.created", "customer.updated", "customer.deleted", "customer.state_changed"]
    with Receiver() as receiver:
        endpoint = await client.post(
            "/v1/webhooks/endpoints",
            json={"url": receiver.url, "format": "raw", "events": events},
            headers=headers,
        )
        assert endpoint.status_code == 201, endpoint.text
        secret = endpoint.json()["secret"]
        customer = await _create(client, tenant, "organization", external_id="u_1")
        updated = await client.patch(
            f"{BASE}/{customer['id']}", json={"name": "Renamed"}, headers=headers
        )
        assert updated.status_code == 200
        assert (await client.delete(f"{BASE}/{customer['id']}", headers=headers)).status_code == 204
        payloads = [validate_event(r.body, r.headers, secret) for r in receiver.requests()]
    assert [type(p) for p in payloads] == [
        WebhookCustomerCreatedPayload,
        WebhookCustomerStateChangedPayload,
        WebhookCustomerUpdatedPayload,
        WebhookCustomerStateChangedPayload,
        WebhookCustomerDeletedPayload,
        WebhookCustomerStateChangedPayload,
    ]
    assert {p.data.id for p in payloads} == {customer["id"]}
    assert payloads[2].data.name == "Renamed"
    assert payloads[4].data.deleted_at is not None
    assert payloads[5].data.active_subscriptions == []


async def test_crafted_external_ids_are_not_found_never_a_500(
    client: httpx.AsyncClient, seeder: Seeder
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    for external_id in ("a%00b", "%ED%A0%80", "x" * 300):
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(
                method, f"{BASE}/external/{external_id}", json={}, headers=headers
            )
            assert response.status_code in (404, 422), (method, external_id, response.text)
