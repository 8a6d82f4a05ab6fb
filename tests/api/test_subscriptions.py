"""The subscriptions API, as a user and as an organization: the client's `Subscription` model,
starting one to a free product (`POST /v1/subscriptions/`), refusals (422, nothing written),
tenancy (another organization's subscription is not found, and never listed), list filters,
sorting, and the `subscription.created` / `subscription.active` webhook payloads."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from polar.base import deserialize
from polar.v2026_10.outputs import ListResourceSubscription
from polar.v2026_10.outputs import Subscription as SdkSubscription
from polar.v2026_10.webhooks import (
    WebhookSubscriptionActivePayload,
    WebhookSubscriptionCreatedPayload,
    WebhookSubscriptionUpdatedPayload,
    validate_event,
)

from application.auth import Scope
from application.webhooks.guard import UrlGuard
from entrypoints.container import Container
from tests.harness import Seeder, Tenant, listed
from tests.receiver import Receiver

BASE = "/v1/subscriptions"
FREE_MONTHLY = {
    "name": "Free plan",
    "recurring_interval": "month",
    "prices": [{"amount_type": "fixed", "price_amount": 0}],
}
PAID_MONTHLY = {
    "name": "Pro plan",
    "recurring_interval": "month",
    "prices": [{"amount_type": "fixed", "price_amount": 900}],
}
ONE_TIME_FREE = {"name": "Free e-book", "prices": [{"amount_type": "fixed", "price_amount": 0}]}


async def _post(client: httpx.AsyncClient, tenant: Tenant, path: str, body: dict[str, Any]) -> Any:
    response = await client.post(
        path, json=tenant.body("user", body), headers=tenant.headers("user")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _product(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any] = FREE_MONTHLY
) -> dict[str, Any]:
    result: dict[str, Any] = await _post(client, tenant, "/v1/products/", body)
    return result


async def _customer(
    client: httpx.AsyncClient, tenant: Tenant, external_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "name": "Ada"}
    if external_id is not None:
        body["external_id"] = external_id
    result: dict[str, Any] = await _post(client, tenant, "/v1/customers/", body)
    return result


async def _subscribe(
    client: httpx.AsyncClient,
    tenant: Tenant,
    product: dict[str, Any] | None = None,
    customer: dict[str, Any] | None = None,
    kind: str = "organization",
    **extra: Any,
) -> dict[str, Any]:
    product = product or await _product(client, tenant)
    customer = customer or await _customer(client, tenant)
    body = {"product_id": product["id"], "customer_id": customer["id"], **extra}
    response = await client.post(f"{BASE}/", json=body, headers=tenant.headers(kind))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        for path in (f"{BASE}/", f"{BASE}/{uuid.uuid4()}"):
            response = await client.get(path)
            assert response.status_code == 401, path
        response = await client.post(f"{BASE}/", json={})
        assert response.status_code == 401

    async def test_scopes(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        owner = await seeder.tenant()
        subscription = await _subscribe(client, owner)
        tenant = await seeder.tenant(scopes=[Scope.products_read])
        for path in (f"{BASE}/", f"{BASE}/{subscription['id']}"):
            response = await client.get(path, headers=tenant.headers(subject_kind))
            assert response.status_code == 403, path
        reader = await seeder.tenant(scopes=[Scope.subscriptions_read])
        response = await client.get(f"{BASE}/", headers=reader.headers(subject_kind))
        assert response.status_code == 200
        response = await client.post(
            f"{BASE}/",
            json={"product_id": str(uuid.uuid4()), "customer_id": str(uuid.uuid4())},
            headers=reader.headers(subject_kind),
        )
        assert response.status_code == 403


class TestCreate:
    async def test_a_free_monthly_subscription_in_the_clients_model(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant)
        customer = await _customer(client, tenant)
        body = await _subscribe(
            client, tenant, product, customer, kind=subject_kind, metadata={"plan": "free"}
        )
        model = deserialize(body, SdkSubscription)
        assert (model.status, model.amount, model.currency) == ("active", 0, "usd")
        assert (model.recurring_interval, model.recurring_interval_count) == ("month", 1)
        assert model.customer_id == customer["id"] and model.customer.email == customer["email"]
        assert model.product_id == product["id"] and model.product.name == "Free plan"
        assert [p.id for p in model.prices] == [product["prices"][0]["id"]]
        assert model.metadata == {"plan": "free"}
        assert model.discount is None and model.checkout_id is None
        assert not model.cancel_at_period_end and model.trial_start is None
        start = datetime.fromisoformat(model.current_period_start)
        end = datetime.fromisoformat(model.current_period_end)
        assert model.started_at == model.current_period_start
        assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1

        fetched = await client.get(f"{BASE}/{body['id']}", headers=tenant.headers(subject_kind))
        assert fetched.status_code == 200
        assert fetched.json() == body
        items = await listed(client, f"{BASE}/", tenant, ListResourceSubscription)
        assert items == [body]

    async def test_by_external_customer_id(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant)
        customer = await _customer(client, tenant, external_id="user-42")
        response = await client.post(
            f"{BASE}/",
            json={"product_id": product["id"], "external_customer_id": "user-42"},
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 201, response.text
        assert response.json()["customer_id"] == customer["id"]

    async def test_a_product_with_a_trial_starts_trialing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(
            client, tenant, {**FREE_MONTHLY, "trial_interval": "week", "trial_interval_count": 2}
        )
        body = await _subscribe(client, tenant, product)
        assert body["status"] == "trialing"
        assert body["trial_start"] == body["current_period_start"]
        assert body["trial_end"] == body["current_period_end"]
        start = datetime.fromisoformat(body["trial_start"])
        assert (datetime.fromisoformat(body["trial_end"]) - start).days == 14

    @pytest.mark.parametrize(
        ("product_body", "message"),
        [
            (PAID_MONTHLY, "Product is not free"),
            (ONE_TIME_FREE, "Product is not a recurring product."),
        ],
    )
    async def test_paid_and_one_time_products_are_refused(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        product_body: dict[str, Any],
        message: str,
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant, product_body)
        customer = await _customer(client, tenant)
        response = await client.post(
            f"{BASE}/",
            json={"product_id": product["id"], "customer_id": customer["id"]},
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert error["loc"] == ["body", "product_id"]
        assert error["msg"].startswith(message)
        assert await listed(client, f"{BASE}/", tenant) == []

    async def test_bad_input_writes_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        product = await _product(client, tenant)
        customer = await _customer(client, tenant)
        theirs = await _customer(client, other)
        headers = tenant.headers("organization")
        cases: list[tuple[dict[str, Any], list[str]]] = [
            ({}, []),
            ({"product_id": product["id"]}, []),
            ({"product_id": "nope", "customer_id": customer["id"]}, []),
            (
                {"product_id": str(uuid.uuid4()), "customer_id": customer["id"]},
                ["body", "product_id"],
            ),
            (
                {"product_id": product["id"], "customer_id": str(uuid.uuid4())},
                ["body", "customer_id"],
            ),
            ({"product_id": product["id"], "customer_id": theirs["id"]}, ["body", "customer_id"]),
            (
                {"product_id": product["id"], "external_customer_id": "unknown"},
                ["body", "external_customer_id"],
            ),
            (
                {
                    "product_id": product["id"],
                    "customer_id": customer["id"],
                    "metadata": {"k" * 41: "v"},
                },
                [],
            ),
        ]
        for body, loc in cases:
            response = await client.post(f"{BASE}/", json=body, headers=headers)
            assert response.status_code == 422, (body, response.text)
            if loc:
                assert [e["loc"] for e in response.json()["detail"]] == [loc], body
        assert await listed(client, f"{BASE}/", tenant) == []

    async def test_another_tenants_product_is_refused(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine, theirs = await seeder.tenant(), await seeder.tenant()
        product = await _product(client, theirs)
        customer = await _customer(client, mine)
        response = await client.post(
            f"{BASE}/",
            json={"product_id": product["id"], "customer_id": customer["id"]},
            headers=mine.headers(subject_kind),
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "product_id"]
        assert await listed(client, f"{BASE}/", theirs) == []


async def test_a_subscribed_product_cannot_be_deleted(
    client: httpx.AsyncClient, seeder: Seeder
) -> None:
    tenant = await seeder.tenant()
    product = await _product(client, tenant)
    await _subscribe(client, tenant, product)
    path = f"/v1/products/{product['id']}"
    headers = tenant.headers("organization")
    assert (await client.get(path, headers=headers)).json()["is_deletable"] is False
    refused = await client.delete(path, headers=headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "ProductNotDeletable"


async def test_customers_with_a_subscription_are_active(
    client: httpx.AsyncClient, seeder: Seeder
) -> None:
    tenant = await seeder.tenant()
    subscribed, idle = await _customer(client, tenant), await _customer(client, tenant)
    await _subscribe(client, tenant, customer=subscribed)
    headers = tenant.headers("organization")

    async def ids(active: str) -> list[str]:
        response = await client.get("/v1/customers/", params={"active": active}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["pagination"]["total_count"] == len(response.json()["items"])
        return [item["id"] for item in response.json()["items"]]

    assert await ids("true") == [subscribed["id"]]
    assert await ids("false") == [idle["id"]]


class TestRead:
    async def test_another_tenants_subscription_is_not_found_nor_listed(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine, theirs = await seeder.tenant(), await seeder.tenant()
        await _subscribe(client, mine)
        other = await _subscribe(client, theirs)
        headers = mine.headers(subject_kind)
        response = await client.get(f"{BASE}/{other['id']}", headers=headers)
        assert response.status_code == 404
        assert response.json()["error"] == "ResourceNotFound"
        listing = await client.get(f"{BASE}/", headers=headers)
        assert other["id"] not in {item["id"] for item in listing.json()["items"]}
        assert listing.json()["pagination"]["total_count"] == 1
        named = await client.get(
            f"{BASE}/", params={"organization_id": str(theirs.organization.id)}, headers=headers
        )
        assert named.status_code == 200
        assert named.json()["items"] == []

    async def test_unknown_id(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        response = await client.get(f"{BASE}/{uuid.uuid4()}", headers=tenant.headers("user"))
        assert response.status_code == 404


class TestList:
    async def test_filters(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        free = await _product(client, tenant)
        other = await _product(client, tenant, {**FREE_MONTHLY, "name": "Other"})
        ada = await _customer(client, tenant, external_id="ada")
        bob = await _customer(client, tenant)
        first = await _subscribe(client, tenant, free, ada, metadata={"tier": "a"})
        second = await _subscribe(client, tenant, other, bob, metadata={"tier": "b"})
        headers = tenant.headers("organization")

        async def ids(**params: Any) -> set[str]:
            response = await client.get(f"{BASE}/", params=params, headers=headers)
            assert response.status_code == 200, response.text
            deserialize(response.json(), ListResourceSubscription)
            return {item["id"] for item in response.json()["items"]}

        both = {first["id"], second["id"]}
        assert await ids() == both
        assert await ids(product_id=free["id"]) == {first["id"]}
        assert await ids(customer_id=bob["id"]) == {second["id"]}
        assert await ids(external_customer_id="ada") == {first["id"]}
        assert await ids(external_customer_id="nobody") == set()
        assert await ids(discount_id=str(uuid.uuid4())) == set()
        assert await ids(active="true") == both
        assert await ids(active="false") == set()
        assert await ids(status="active") == both
        assert await ids(status="canceled") == set()
        assert await ids(cancel_at_period_end="false") == both
        assert await ids(cancel_at_period_end="true") == set()
        assert await ids(**{"metadata[tier]": "b"}) == {second["id"]}
        assert await ids(organization_id=str(tenant.organization.id)) == both

    async def test_sorting(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        alpha = await _product(client, tenant, {**FREE_MONTHLY, "name": "Alpha"})
        beta = await _product(client, tenant, {**FREE_MONTHLY, "name": "Beta"})
        first = await _subscribe(client, tenant, beta)
        second = await _subscribe(client, tenant, alpha)
        headers = tenant.headers("organization")

        async def order(sorting: str) -> list[str]:
            response = await client.get(f"{BASE}/", params={"sorting": sorting}, headers=headers)
            assert response.status_code == 200, response.text
            return [item["id"] for item in response.json()["items"]]

        assert await order("-started_at") == [second["id"], first["id"]]
        assert await order("started_at") == [first["id"], second["id"]]
        assert await order("product") == [second["id"], first["id"]]
        assert await order("-product") == [first["id"], second["id"]]
        for sorting in (
            "customer",
            "status",
            "current_period_end",
            "ends_at",
            "amount",
            "discount",
            "-ended_at",
        ):
            assert sorted(await order(sorting)) == sorted([first["id"], second["id"]])
        response = await client.get(f"{BASE}/", params={"sorting": "nope"}, headers=headers)
        assert response.status_code == 422


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
    events = ["subscription.created", "subscription.active", "subscription.updated"]
    with Receiver() as receiver:
        endpoint = await client.post(
            "/v1/webhooks/endpoints",
            json={"url": receiver.url, "format": "raw", "events": events},
            headers=headers,
        )
        assert endpoint.status_code == 201, endpoint.text
        secret = endpoint.json()["secret"]
        subscription = await _subscribe(client, tenant)
        payloads = [validate_event(r.body, r.headers, secret) for r in receiver.requests()]
    assert sorted(type(p).__name__ for p in payloads) == sorted(
        t.__name__
        for t in (
            WebhookSubscriptionCreatedPayload,
            WebhookSubscriptionActivePayload,
            WebhookSubscriptionUpdatedPayload,
        )
    )
    assert {p.data.id for p in payloads} == {subscription["id"]}
    assert {p.data.status for p in payloads} == {"active"}
