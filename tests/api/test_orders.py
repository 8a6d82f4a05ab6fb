"""The orders API: a succeeded checkout makes one paid order, shown in the client's `Order`
model; the merchant lists (filters), reads and readdresses orders; another tenant's are not
found and never listed; webhooks `order.created` and `order.paid` load in the client."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from polar.base import deserialize
from polar.v2026_10.outputs import ListResourceOrder
from polar.v2026_10.outputs import Order as SdkOrder
from polar.v2026_10.webhooks import (
    WebhookOrderCreatedPayload,
    WebhookOrderPaidPayload,
    WebhookOrderRefundedPayload,
    WebhookOrderUpdatedPayload,
)

from adapters.payments.sandbox import DECLINE, SUCCESS
from tests.harness import Seeder, Tenant, listed

BASE = "/v1/orders"
FIXED = {"name": "Pro", "prices": [{"amount_type": "fixed", "price_amount": 900}]}


async def _bought(
    client: httpx.AsyncClient,
    tenant: Tenant,
    *,
    token: str = SUCCESS,
    email: str = "buyer@example.com",
    **checkout: Any,
) -> dict[str, Any]:
    """A checkout of a new product, confirmed with `token`; the checkout as it ends."""
    product = await client.post(
        "/v1/products/", json=tenant.body("user", FIXED), headers=tenant.headers("user")
    )
    assert product.status_code == 201, product.text
    created = await client.post(
        "/v1/checkouts/",
        json={"products": [product.json()["id"]], **checkout},
        headers=tenant.headers("organization"),
    )
    assert created.status_code == 201, created.text
    secret = created.json()["client_secret"]
    confirmed = await client.post(
        f"/v1/checkouts/client/{secret}/confirm",
        json={"customer_email": email, "confirmation_token_id": token},
    )
    assert confirmed.status_code == 200, confirmed.text
    final = await client.get(f"/v1/checkouts/client/{secret}")
    result: dict[str, Any] = final.json()
    return result


async def _orders_of(
    client: httpx.AsyncClient, tenant: Tenant, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(f"{BASE}/", params=params, headers=tenant.headers("organization"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestFromCheckouts:
    async def test_a_paid_checkout_makes_one_paid_order(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _bought(
            client, tenant, customer_billing_name="Ada Ltd", metadata={"ref": "x1"}
        )
        assert checkout["status"] == "succeeded"
        [order] = await listed(client, f"{BASE}/", tenant, ListResourceOrder)
        model = deserialize(order, SdkOrder)
        assert (model.status, model.paid, model.billing_reason) == ("paid", True, "purchase")
        assert (model.subtotal_amount, model.net_amount, model.total_amount) == (900, 900, 900)
        assert (model.due_amount, model.refunded_amount, model.refundable_amount) == (0, 0, 900)
        assert model.checkout_id == checkout["id"] and model.product_id == checkout["product_id"]
        assert model.customer.email == "buyer@example.com"
        assert model.billing_name == "Ada Ltd" and model.metadata == {"ref": "x1"}
        assert [(i.label, i.amount) for i in model.items] == [("Pro", 900)]
        assert model.product is not None and model.product.name == "Pro"
        got = await client.get(f"{BASE}/{model.id}", headers=tenant.headers(subject_kind))
        assert got.status_code == 200 and got.json() == order
        # The payment points at its order.
        payments = await client.get(
            "/v1/payments/",
            params={"order_id": model.id},
            headers=tenant.headers("organization"),
        )
        assert [p["checkout_id"] for p in payments.json()["items"]] == [checkout["id"]]

    async def test_a_declined_checkout_makes_no_order(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _bought(client, tenant, token=DECLINE)
        assert checkout["status"] == "open"
        assert await _orders_of(client, tenant) == []

    async def test_filters(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        first = await _bought(client, tenant, email="a@example.com")
        second = await _bought(client, tenant, email="b@example.com", external_customer_id="b-1")
        by_checkout = await _orders_of(client, tenant, checkout_id=first["id"])
        assert [o["checkout_id"] for o in by_checkout] == [first["id"]]
        by_external = await _orders_of(client, tenant, external_customer_id="b-1")
        assert [o["checkout_id"] for o in by_external] == [second["id"]]
        assert len(await _orders_of(client, tenant, product_billing_type="one_time")) == 2
        assert await _orders_of(client, tenant, product_billing_type="recurring") == []
        assert len(await _orders_of(client, tenant, status="paid")) == 2
        assert await _orders_of(client, tenant, status="refunded") == []
        ascending = await _orders_of(client, tenant, sorting="created_at")
        assert [o["checkout_id"] for o in ascending] == [first["id"], second["id"]]


class TestUpdate:
    async def test_billing_name_and_address(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        await _bought(client, tenant)
        [order] = await _orders_of(client, tenant)
        headers = tenant.headers("organization")
        response = await client.patch(
            f"{BASE}/{order['id']}",
            json={"billing_name": "Acme", "billing_address": {"country": "FR", "city": "Paris"}},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = deserialize(response.json(), SdkOrder)
        assert body.billing_name == "Acme"
        assert body.billing_address is not None and body.billing_address.country == "FR"
        bad = await client.patch(
            f"{BASE}/{order['id']}", json={"billing_address": {"country": "XX"}}, headers=headers
        )
        assert bad.status_code == 422
        again = await client.get(f"{BASE}/{order['id']}", headers=headers)
        assert again.json()["billing_address"]["country"] == "FR"


class TestTenancy:
    async def test_another_tenants_order_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine, theirs = await seeder.tenant(), await seeder.tenant()
        await _bought(client, theirs)
        [order] = await _orders_of(client, theirs)
        headers = mine.headers(subject_kind)
        for response in (
            await client.get(f"{BASE}/{order['id']}", headers=headers),
            await client.patch(f"{BASE}/{order['id']}", json={}, headers=headers),
            await client.get(f"{BASE}/{uuid.uuid4()}", headers=headers),
        ):
            assert response.status_code == 404
        assert (await client.get(f"{BASE}/", headers=headers)).json()["items"] == []

    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(f"{BASE}/")).status_code == 401


class TestWebhooks:
    async def test_order_payloads_load_in_the_client(
        self, client: httpx.AsyncClient, seeder: Seeder, container: Any
    ) -> None:
        from entrypoints.webhook_events import Catalogue

        tenant = await seeder.tenant()
        await _bought(client, tenant)
        [order] = await _orders_of(client, tenant)
        catalogue: Catalogue = container.webhook_catalogue()
        for event, model in (
            ("order.created", WebhookOrderCreatedPayload),
            ("order.paid", WebhookOrderPaidPayload),
            ("order.updated", WebhookOrderUpdatedPayload),
            ("order.refunded", WebhookOrderRefundedPayload),
        ):
            async with container.uow_factory().read() as uow:
                rendered = await catalogue.render(uow, event, uuid.UUID(order["id"]))
            assert rendered is not None
            payload = deserialize(
                {
                    "type": event,
                    "timestamp": "2026-12-03T00:00:00Z",
                    "api_version": "2026-10",
                    "data": rendered.data,
                },
                model,
            )
            assert payload.data.id == order["id"]


class TestRecurring:
    async def test_a_recurring_product_starts_its_subscription_with_the_first_order(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        benefit = await client.post(
            "/v1/benefits/",
            json={"type": "custom", "description": "Support", "properties": {}},
            headers=headers,
        )
        product = await client.post(
            "/v1/products/",
            json={
                "name": "Monthly",
                "recurring_interval": "month",
                "prices": [{"amount_type": "fixed", "price_amount": 1500}],
            },
            headers=headers,
        )
        assert product.status_code == 201, product.text
        attached = await client.post(
            f"/v1/products/{product.json()['id']}/benefits",
            json={"benefits": [benefit.json()["id"]]},
            headers=headers,
        )
        assert attached.status_code == 200, attached.text
        created = await client.post(
            "/v1/checkouts/",
            json={"products": [product.json()["id"]], "customer_email": "sub@example.com"},
            headers=headers,
        )
        secret = created.json()["client_secret"]
        confirmed = await client.post(
            f"/v1/checkouts/client/{secret}/confirm", json={"confirmation_token_id": SUCCESS}
        )
        assert confirmed.status_code == 200, confirmed.text
        [order] = await _orders_of(client, tenant, product_billing_type="recurring")
        assert (order["billing_reason"], order["status"]) == ("subscription_create", "paid")
        subscription = await client.get(
            f"/v1/subscriptions/{order['subscription_id']}", headers=headers
        )
        assert subscription.status_code == 200, subscription.text
        body = subscription.json()
        assert (body["status"], body["amount"], body["checkout_id"]) == (
            "active",
            1500,
            created.json()["id"],
        )
        # Its benefits are granted for the subscription's life (one grant, not one per order).
        grants = await client.get("/v1/benefit-grants/", headers=headers)
        assert [(g["subscription_id"], g["order_id"]) for g in grants.json()["items"]] == [
            (body["id"], None)
        ]
        # They go with the subscription, not with a refund of one of its orders.
        refund = await client.post(
            "/v1/refunds/",
            json={
                "order_id": order["id"],
                "reason": "customer_request",
                "amount": 100,
                "revoke_benefits": True,
            },
            headers=headers,
        )
        assert refund.status_code == 400
        assert refund.json()["error"] == "RevokeSubscriptionBenefitsProhibited"


class TestCustomerDeletion:
    async def test_deleting_a_customer_revokes_what_it_bought(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        benefit = await client.post(
            "/v1/benefits/",
            json={"type": "license_keys", "description": "App", "properties": {}},
            headers=headers,
        )
        assert benefit.status_code == 201, benefit.text
        checkout = await _bought(client, tenant)
        await client.post(
            f"/v1/products/{checkout['product_id']}/benefits",
            json={"benefits": [benefit.json()["id"]]},
            headers=headers,
        )
        # Bought again now that the product grants a key.
        product_id = checkout["product_id"]
        created = await client.post(
            "/v1/checkouts/",
            json={"products": [product_id], "customer_email": "buyer@example.com"},
            headers=headers,
        )
        secret = created.json()["client_secret"]
        await client.post(
            f"/v1/checkouts/client/{secret}/confirm", json={"confirmation_token_id": SUCCESS}
        )
        [key] = (await client.get("/v1/license-keys/", headers=headers)).json()["items"]
        assert key["status"] == "granted"
        deleted = await client.delete(f"/v1/customers/{key['customer_id']}", headers=headers)
        assert deleted.status_code == 204, deleted.text
        after = await client.get(f"/v1/license-keys/{key['id']}", headers=headers)
        assert after.json()["status"] == "revoked"
        grants = await client.get("/v1/benefit-grants/", headers=headers)
        assert [g["is_revoked"] for g in grants.json()["items"]] == [True]
