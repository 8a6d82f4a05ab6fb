"""The checkouts API: the merchant's routes (by id, as a user and as an organization) in the
client's `Checkout` model, the customer's routes (by client secret, no token) in
`CheckoutPublic`, expiry (410), tenancy (404) and bad input (422, nothing written)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from polar.base import deserialize
from polar.v2026_10.outputs import Checkout as SdkCheckout
from polar.v2026_10.outputs import CheckoutPublic, ListResourceCheckout
from polar.v2026_10.webhooks import (
    WebhookCheckoutCreatedPayload,
    WebhookCheckoutExpiredPayload,
    WebhookCheckoutUpdatedPayload,
    validate_event,
)

from application.webhooks.guard import UrlGuard
from domain.checkout import CHECKOUT_TTL
from entrypoints.container import Container
from entrypoints.modules.checkouts import expire_checkouts
from tests.harness import Seeder, ShiftableClock, Tenant, listed
from tests.receiver import Receiver

BASE = "/v1/checkouts"
FIXED = {"name": "Pro", "prices": [{"amount_type": "fixed", "price_amount": 900}]}
CUSTOM = {
    "name": "Tip jar",
    "prices": [
        {
            "amount_type": "custom",
            "minimum_amount": 500,
            "maximum_amount": 10_000,
            "preset_amount": 1000,
        }
    ],
}


async def _product(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any] = FIXED
) -> dict[str, Any]:
    response = await client.post(
        "/v1/products/", json=tenant.body("user", body), headers=tenant.headers("user")
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _checkout(
    client: httpx.AsyncClient, tenant: Tenant, kind: str = "organization", **body: Any
) -> dict[str, Any]:
    if "products" not in body:
        body["products"] = [(await _product(client, tenant))["id"]]
    response = await client.post(f"{BASE}/", json=body, headers=tenant.headers(kind))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        for path in (f"{BASE}/", f"{BASE}/{uuid.uuid4()}"):
            response = await client.get(path)
            assert response.status_code == 401, path
        response = await client.post(f"{BASE}/", json={"products": [str(uuid.uuid4())]})
        assert response.status_code == 401


class TestMerchant:
    async def test_create_get_list_update(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant)
        body = await _checkout(
            client,
            tenant,
            subject_kind,
            products=[product["id"]],
            success_url="https://shop.example/ok?checkout={CHECKOUT_ID}",
            metadata={"order": "42"},
        )
        model = deserialize(body, SdkCheckout)
        assert (model.status, model.amount, model.total_amount, model.currency) == (
            "open",
            900,
            900,
            "usd",
        )
        assert model.is_payment_required and model.payment_processor == "stripe"
        assert model.success_url == f"https://shop.example/ok?checkout={model.id}"
        assert model.url.endswith(f"/checkout/{model.client_secret}")
        assert model.product is not None and model.product.id == product["id"]
        assert model.product_price is not None
        assert model.prices is not None and list(model.prices) == [product["id"]]
        assert model.discount is None and model.tax_amount == 0
        assert model.custom_field_data == {} and model.attached_custom_fields == []
        assert model.metadata == {"order": "42"}
        assert model.organization_id == str(tenant.organization.id)

        headers = tenant.headers(subject_kind)
        got = await client.get(f"{BASE}/{model.id}", headers=headers)
        assert got.status_code == 200
        assert got.json() == body

        items = await listed(client, f"{BASE}/", tenant, ListResourceCheckout)
        assert [item["id"] for item in items] == [model.id]

        updated = await client.patch(
            f"{BASE}/{model.id}",
            json={"customer_email": "buyer@example.com", "metadata": {"order": "43"}},
            headers=headers,
        )
        assert updated.status_code == 200, updated.text
        changed = deserialize(updated.json(), SdkCheckout)
        assert changed.customer_email == "buyer@example.com"
        assert changed.metadata == {"order": "43"}

    async def test_another_tenants_checkout_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine, theirs = await seeder.tenant(), await seeder.tenant()
        other = await _checkout(client, theirs)
        headers = mine.headers(subject_kind)
        for response in (
            await client.get(f"{BASE}/{other['id']}", headers=headers),
            await client.patch(f"{BASE}/{other['id']}", json={}, headers=headers),
        ):
            assert response.status_code == 404
            assert response.json()["error"] == "ResourceNotFound"
        listing = await client.get(f"{BASE}/", headers=headers)
        assert listing.json()["items"] == []
        # Their product cannot be bought through my token either.
        product_id = other["product_id"]
        response = await client.post(f"{BASE}/", json={"products": [product_id]}, headers=headers)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "products", 0]

    async def test_bad_input_writes_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        for body in (
            {},
            {"products": []},
            {"products": ["not-a-uuid"]},
            {"products": [str(uuid.uuid4())]},
        ):
            response = await client.post(f"{BASE}/", json=body, headers=headers)
            assert response.status_code == 422, body
        assert (await client.get(f"{BASE}/", headers=headers)).json()["items"] == []


class TestNamedCustomer:
    """`customer_id` must name a live customer of the checkout's organization (else 422 at
    `customer_id`, the same answer whether the customer never existed, was deleted or is
    another organization's); the customer's email and name fill the checkout's unless the
    request gives them. An unknown `external_customer_id` is fine: the customer is created
    with it at confirmation."""

    async def _customer(
        self, client: httpx.AsyncClient, tenant: Tenant, **body: Any
    ) -> dict[str, Any]:
        response = await client.post(
            "/v1/customers/", json=body, headers=tenant.headers("organization")
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def test_an_unknown_deleted_or_foreign_customer_is_422_and_writes_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        mine, theirs = await seeder.tenant(), await seeder.tenant()
        headers = mine.headers("organization")
        product = await _product(client, mine)
        deleted = await self._customer(client, mine, email="gone@example.com")
        gone = await client.delete(f"/v1/customers/{deleted['id']}", headers=headers)
        assert gone.status_code == 204
        foreign = await self._customer(client, theirs, email="theirs@example.com")
        answers = []
        for customer_id in (str(uuid.uuid4()), deleted["id"], foreign["id"]):
            response = await client.post(
                f"{BASE}/",
                json={"products": [product["id"]], "customer_id": customer_id},
                headers=headers,
            )
            assert response.status_code == 422, response.text
            [error] = response.json()["detail"]
            assert error["loc"] == ["body", "customer_id"]
            assert error["input"] == customer_id
            answers.append(error["msg"])
        # The same words for each: another organization's customer is not revealed.
        assert len(set(answers)) == 1
        assert (await client.get(f"{BASE}/", headers=headers)).json()["items"] == []
        theirs_listing = await client.get(f"{BASE}/", headers=theirs.headers("organization"))
        assert theirs_listing.json()["items"] == []

    async def test_a_named_customer_fills_the_email_and_name_the_request_leaves_out(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant)
        customer = await self._customer(
            client, tenant, email="ada@example.com", name="Ada Lovelace"
        )
        filled = await _checkout(
            client, tenant, products=[product["id"]], customer_id=customer["id"]
        )
        model = deserialize(filled, SdkCheckout)
        assert model.customer_id == customer["id"]
        assert (model.customer_email, model.customer_name) == (
            "ada@example.com",
            "Ada Lovelace",
        )
        given = await _checkout(
            client,
            tenant,
            products=[product["id"]],
            customer_id=customer["id"],
            customer_email="billing@example.com",
        )
        assert (given["customer_email"], given["customer_name"]) == (
            "billing@example.com",
            "Ada Lovelace",
        )
        # Unknown external ids stay allowed.
        external = await _checkout(
            client, tenant, products=[product["id"]], external_customer_id="not-yet"
        )
        assert external["external_customer_id"] == "not-yet"
        assert external["customer_id"] is None


class TestClient:
    async def test_get_and_update_without_a_token(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant, CUSTOM)
        checkout = await _checkout(client, tenant, products=[product["id"]])
        path = f"{BASE}/client/{checkout['client_secret']}"

        got = await client.get(path)
        assert got.status_code == 200, got.text
        public = deserialize(got.json(), CheckoutPublic)
        assert public.id == checkout["id"] and public.amount == 1000
        assert public.organization.id == str(tenant.organization.id)
        # A token sent along (even a bad one) is ignored: the secret is the capability.
        bad = await client.get(path, headers={"Authorization": "Bearer polar_oat_nonsense"})
        assert bad.status_code == 200

        updated = await client.patch(
            path, json={"customer_email": "me@example.com", "amount": 2500}
        )
        assert updated.status_code == 200, updated.text
        public = deserialize(updated.json(), CheckoutPublic)
        assert (public.customer_email, public.amount, public.total_amount) == (
            "me@example.com",
            2500,
            2500,
        )

        for amount in (100, 20_000):
            response = await client.patch(path, json={"amount": amount})
            assert response.status_code == 422, amount
            assert response.json()["detail"][0]["loc"] == ["body", "amount"]
        response = await client.patch(path, json={"discount_code": "NOPE"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "discount_code"]
        after = deserialize((await client.get(path)).json(), CheckoutPublic)
        assert after.amount == 2500 and after.discount is None

    async def test_discount_code(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        discount = {
            "name": "Half",
            "type": "percentage",
            "basis_points": 5000,
            "duration": "once",
            "code": "HALF",
        }
        created = await client.post(
            "/v1/discounts/",
            json=tenant.body("user", discount),
            headers=tenant.headers("user"),
        )
        assert created.status_code == 201, created.text
        checkout = await _checkout(client, tenant)
        path = f"{BASE}/client/{checkout['client_secret']}"
        response = await client.patch(path, json={"discount_code": "HALF"})
        assert response.status_code == 200, response.text
        public = deserialize(response.json(), CheckoutPublic)
        assert (public.discount_amount, public.total_amount) == (450, 450)
        assert public.discount is not None and public.discount.id == created.json()["id"]

    async def test_unknown_secret(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{BASE}/client/polar_c_unknown")
        assert response.status_code == 404

    async def test_expired(
        self, client: httpx.AsyncClient, seeder: Seeder, clock: ShiftableClock
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(client, tenant)
        path = f"{BASE}/client/{checkout['client_secret']}"
        clock.offset += CHECKOUT_TTL + timedelta(seconds=1)
        for response in (
            await client.get(path),
            await client.patch(path, json={"customer_email": "late@example.com"}),
        ):
            assert response.status_code == 410
            assert response.json()["error"] == "ExpiredCheckoutError"
        # The merchant's update answers it as not open (the client's `update` knows no 410).
        response = await client.patch(
            f"{BASE}/{checkout['id']}", json={}, headers=tenant.headers("organization")
        )
        assert response.status_code == 403
        assert response.json()["error"] == "NotOpenCheckout"


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
    client: httpx.AsyncClient, seeder: Seeder, container: Container, clock: ShiftableClock
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    events = ["checkout.created", "checkout.updated", "checkout.expired"]
    with Receiver() as receiver:
        endpoint = await client.post(
            "/v1/webhooks/endpoints",
            json={"url": receiver.url, "format": "raw", "events": events},
            headers=headers,
        )
        assert endpoint.status_code == 201, endpoint.text
        secret = endpoint.json()["secret"]
        checkout = await _checkout(client, tenant)
        updated = await client.patch(
            f"{BASE}/{checkout['id']}", json={"customer_name": "Ada"}, headers=headers
        )
        assert updated.status_code == 200
        # Its expiry moved into the past (moving the clock would date the signatures too).
        async with container.uow_factory().write() as uow:
            row = await uow.checkouts.get_including_deleted(uuid.UUID(checkout["id"]))
            row.expires_at = clock.now() - timedelta(seconds=1)
            await uow.checkouts.update(row)
            await uow.commit()
        assert await expire_checkouts(container) == 1
        payloads = [validate_event(r.body, r.headers, secret) for r in receiver.requests()]
    assert [type(p) for p in payloads] == [
        WebhookCheckoutCreatedPayload,
        WebhookCheckoutUpdatedPayload,
        WebhookCheckoutExpiredPayload,
    ]
    assert {p.data.id for p in payloads} == {checkout["id"]}
    assert payloads[1].data.customer_name == "Ada"
    assert payloads[2].data.status == "expired"
