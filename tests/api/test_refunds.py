"""The refunds API: full or partial refunds of a paid order through the sandbox processor,
never more than what is left; the order becomes partially_refunded / refunded; the processor's
report settles the refund; another tenant's orders and refunds are invisible."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from polar.base import deserialize
from polar.v2026_10.outputs import Refund as SdkRefund
from polar.v2026_10.webhooks import WebhookRefundCreatedPayload, WebhookRefundUpdatedPayload

from adapters.payments.sandbox import SUCCESS
from tests.harness import Seeder, Tenant, error_loc

BASE = "/v1/refunds"
FIXED = {"name": "Pro", "prices": [{"amount_type": "fixed", "price_amount": 900}]}


async def paid_order(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """An order of 900 cents, paid through a checkout."""
    product = await client.post(
        "/v1/products/", json=tenant.body("user", FIXED), headers=tenant.headers("user")
    )
    created = await client.post(
        "/v1/checkouts/",
        json={"products": [product.json()["id"]], "customer_email": "buyer@example.com"},
        headers=tenant.headers("organization"),
    )
    secret = created.json()["client_secret"]
    confirmed = await client.post(
        f"/v1/checkouts/client/{secret}/confirm", json={"confirmation_token_id": SUCCESS}
    )
    assert confirmed.status_code == 200, confirmed.text
    orders = await client.get(
        "/v1/orders/",
        params={"checkout_id": created.json()["id"]},
        headers=tenant.headers("organization"),
    )
    [order] = orders.json()["items"]
    result: dict[str, Any] = order
    return result


async def _refund(
    client: httpx.AsyncClient, tenant: Tenant, order_id: str, amount: int, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{BASE}/",
        json={"order_id": order_id, "reason": "customer_request", "amount": amount, **body},
        headers=tenant.headers("organization"),
    )


async def _order(client: httpx.AsyncClient, tenant: Tenant, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/orders/{order_id}", headers=tenant.headers("organization"))
    result: dict[str, Any] = response.json()
    return result


class TestRefunds:
    async def test_partial_then_the_rest(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        order = await paid_order(client, tenant)
        first = await _refund(client, tenant, order["id"], 300, metadata={"ticket": "T-1"})
        assert first.status_code == 201, first.text
        model = deserialize(first.json(), SdkRefund)
        assert (model.amount, model.currency, model.order_id) == (300, "usd", order["id"])
        assert model.metadata == {"ticket": "T-1"} and model.revoke_benefits is False
        after = await _order(client, tenant, order["id"])
        assert (after["status"], after["refunded_amount"], after["refundable_amount"]) == (
            "partially_refunded",
            300,
            600,
        )
        # The sandbox's report ran after the commit: the refund succeeded.
        listed = await client.get(
            f"{BASE}/", params={"order_id": order["id"]}, headers=tenant.headers("user")
        )
        assert [r["status"] for r in listed.json()["items"]] == ["succeeded"]

        too_much = await _refund(client, tenant, order["id"], 601)
        assert too_much.status_code == 422
        assert error_loc(too_much) == ["body", "amount"]
        assert (await _order(client, tenant, order["id"]))["refunded_amount"] == 300

        rest = await _refund(client, tenant, order["id"], 600)
        assert rest.status_code == 201, rest.text
        done = await _order(client, tenant, order["id"])
        assert (done["status"], done["refundable_amount"]) == ("refunded", 0)
        again = await _refund(client, tenant, order["id"], 1)
        assert again.status_code == 403
        assert again.json()["error"] == "RefundedAlready"
        succeeded = await client.get(
            f"{BASE}/", params={"succeeded": "true"}, headers=tenant.headers("organization")
        )
        assert len(succeeded.json()["items"]) == 2

    async def test_bad_input_writes_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        order = await paid_order(client, tenant)
        theirs = await paid_order(client, other)
        for order_id, amount, loc in (
            (str(uuid.uuid4()), 100, ["body", "order_id"]),
            (theirs["id"], 100, ["body", "order_id"]),
            (order["id"], 0, ["body", "amount"]),
            (order["id"], 901, ["body", "amount"]),
        ):
            response = await _refund(client, tenant, order_id, amount)
            assert response.status_code == 422, (order_id, amount)
            assert error_loc(response) == loc
        bad_reason = await _refund(client, tenant, order["id"], 100, reason="because")
        assert bad_reason.status_code == 422
        assert (await _order(client, tenant, order["id"]))["refunded_amount"] == 0
        assert (await _order(client, other, theirs["id"]))["refunded_amount"] == 0
        listed = await client.get(f"{BASE}/", headers=tenant.headers("organization"))
        assert listed.json()["items"] == []

    async def test_another_tenants_refunds_are_never_listed(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine, theirs = await seeder.tenant(), await seeder.tenant()
        order = await paid_order(client, theirs)
        assert (await _refund(client, theirs, order["id"], 100)).status_code == 201
        listed = await client.get(f"{BASE}/", headers=mine.headers(subject_kind))
        assert listed.status_code == 200 and listed.json()["items"] == []

    async def test_webhook_payloads_load_in_the_client(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        order = await paid_order(client, tenant)
        body = (await _refund(client, tenant, order["id"], 100)).json()
        for event, model in (
            ("refund.created", WebhookRefundCreatedPayload),
            ("refund.updated", WebhookRefundUpdatedPayload),
        ):
            payload = deserialize(
                {
                    "type": event,
                    "timestamp": "2026-12-03T00:00:00Z",
                    "api_version": "2026-10",
                    "data": body,
                },
                model,
            )
            assert payload.data.id == body["id"]


class TestRevokeBenefits:
    async def test_revokes_what_the_order_was_granted_even_once_detached(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        benefit = await client.post(
            "/v1/benefits/",
            json={"type": "license_keys", "description": "App", "properties": {}},
            headers=headers,
        )
        product = await client.post("/v1/products/", json=FIXED, headers=headers)
        path = f"/v1/products/{product.json()['id']}/benefits"
        await client.post(path, json={"benefits": [benefit.json()["id"]]}, headers=headers)
        created = await client.post(
            "/v1/checkouts/",
            json={"products": [product.json()["id"]], "customer_email": "a@example.com"},
            headers=headers,
        )
        await client.post(
            f"/v1/checkouts/client/{created.json()['client_secret']}/confirm",
            json={"confirmation_token_id": SUCCESS},
        )
        [order] = (
            await client.get(
                "/v1/orders/", params={"checkout_id": created.json()["id"]}, headers=headers
            )
        ).json()["items"]
        [key] = (await client.get("/v1/license-keys/", headers=headers)).json()["items"]
        # The product stops granting the key after the purchase: the refund still takes it.
        await client.post(path, json={"benefits": []}, headers=headers)
        refund = await _refund(client, tenant, order["id"], 900, revoke_benefits=True)
        assert refund.status_code == 201, refund.text
        after = await client.get(f"/v1/license-keys/{key['id']}", headers=headers)
        assert after.json()["status"] == "revoked"
