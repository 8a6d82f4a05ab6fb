"""Confirming a checkout (`POST /v1/checkouts/client/{client_secret}/confirm`, no token): the
customer is matched or created, the custom fields checked, the discount redeemed, the payment
started with the sandbox; its outcome arrives by job (the suite's inline broker runs it right
after the commit) and succeeds the checkout or reopens it. Every refusal is a 4xx that writes
nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from polar.base import deserialize
from polar.v2026_10.outputs import CheckoutPublic

from adapters.payments.sandbox import DECLINE, SUCCESS
from domain.checkout import CHECKOUT_TTL
from entrypoints.container import Container
from tests.harness import Seeder, ShiftableClock, Tenant, error_loc

CLIENT = "/v1/checkouts/client"
FIXED = {"name": "Pro", "prices": [{"amount_type": "fixed", "price_amount": 900}]}
FREE = {"name": "Starter", "prices": [{"amount_type": "fixed", "price_amount": 0}]}


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
    client: httpx.AsyncClient, tenant: Tenant, product: dict[str, Any] | None = None, **body: Any
) -> dict[str, Any]:
    product = product or await _product(client, tenant)
    response = await client.post(
        "/v1/checkouts/",
        json={"products": [product["id"]], **body},
        headers=tenant.headers("organization"),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _confirm(
    client: httpx.AsyncClient, checkout: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(f"{CLIENT}/{checkout['client_secret']}/confirm", json=body)


async def _status(client: httpx.AsyncClient, checkout: dict[str, Any]) -> str:
    response = await client.get(f"{CLIENT}/{checkout['client_secret']}")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def _payments(
    client: httpx.AsyncClient, tenant: Tenant, checkout: dict[str, Any]
) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/payments/",
        params={"checkout_id": checkout["id"]},
        headers=tenant.headers("organization"),
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _customers(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    response = await client.get("/v1/customers/", headers=tenant.headers("organization"))
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestPaying:
    async def test_a_card_that_pays_succeeds_the_checkout(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(client, tenant)
        response = await _confirm(
            client,
            checkout,
            customer_email="buyer@example.com",
            customer_name="Ada Buyer",
            confirmation_token_id=SUCCESS,
        )
        assert response.status_code == 200, response.text
        confirmed = deserialize(response.json(), CheckoutPublic)
        assert confirmed.status == "confirmed"
        assert confirmed.customer_email == "buyer@example.com"
        # The outcome job ran after the commit.
        assert await _status(client, checkout) == "succeeded"
        [payment] = await _payments(client, tenant, checkout)
        assert (payment["status"], payment["amount"], payment["currency"]) == (
            "succeeded",
            900,
            "usd",
        )
        [customer] = await _customers(client, tenant)
        assert (customer["email"], customer["name"]) == ("buyer@example.com", "Ada Buyer")
        by_customer = await client.get(
            "/v1/payments/",
            params={"customer_id": customer["id"]},
            headers=tenant.headers("organization"),
        )
        assert [p["id"] for p in by_customer.json()["items"]] == [payment["id"]]

    async def test_a_declined_card_reopens_the_checkout_with_the_reason(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(client, tenant, customer_email="buyer@example.com")
        response = await _confirm(client, checkout, confirmation_token_id=DECLINE)
        assert response.status_code == 200, response.text
        assert await _status(client, checkout) == "open"
        [payment] = await _payments(client, tenant, checkout)
        assert (payment["status"], payment["decline_reason"]) == ("failed", "card_declined")
        assert payment["decline_message"] == "Your card was declined."
        # The customer may try again with another card.
        again = await _confirm(client, checkout, confirmation_token_id=SUCCESS)
        assert again.status_code == 200, again.text
        assert await _status(client, checkout) == "succeeded"
        statuses = sorted(p["status"] for p in await _payments(client, tenant, checkout))
        assert statuses == ["failed", "succeeded"]

    async def test_a_free_checkout_succeeds_without_a_payment(
        self, client: httpx.AsyncClient, seeder: Seeder, container: Container
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(client, tenant, await _product(client, tenant, FREE))
        assert checkout["is_payment_required"] is False
        response = await _confirm(client, checkout, customer_email="free@example.com")
        assert response.status_code == 200, response.text
        # Confirmed (what the client's answer allows), then succeeded by the free-success job
        # (which the suite's inline broker runs right after the commit).
        assert response.json()["status"] == "confirmed"
        assert await _status(client, checkout) == "succeeded"
        assert await _payments(client, tenant, checkout) == []
        [customer] = await _customers(client, tenant)
        assert customer["email"] == "free@example.com"
        # The job delivered again changes nothing: one order.
        async with container.uow_factory().write() as uow:
            await container.checkout_service().on_free_success(uow, uuid.UUID(checkout["id"]))
            await uow.commit()
        assert len(await _orders(client, tenant)) == 1

    async def test_an_existing_customer_is_matched_by_email_or_external_id(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        created = await client.post(
            "/v1/customers/", json={"email": "Known@Example.com"}, headers=headers
        )
        assert created.status_code == 201, created.text
        product = await _product(client, tenant, FREE)
        first = await _checkout(client, tenant, product)
        await _confirm(client, first, customer_email="known@example.com")
        second = await _checkout(client, tenant, product, external_customer_id="ext-1")
        await _confirm(client, second, customer_email="someone@example.com")
        customers = await _customers(client, tenant)
        by_email = {c["email"].lower(): c for c in customers}
        assert set(by_email) == {"known@example.com", "someone@example.com"}
        assert by_email["someone@example.com"]["external_id"] == "ext-1"
        # Bought again with the external id: the same customer.
        third = await _checkout(client, tenant, product, external_customer_id="ext-1")
        await _confirm(client, third, customer_email="other@example.com")
        assert len(await _customers(client, tenant)) == 2


class TestRefusals:
    async def test_missing_details_are_422_and_change_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(client, tenant, require_billing_address=True)
        response = await _confirm(client, checkout)
        assert response.status_code == 422
        locs = {tuple(e["loc"]) for e in response.json()["detail"]}
        assert locs == {
            ("body", "customer_email"),
            ("body", "customer_billing_address"),
            ("body", "confirmation_token_id"),
        }
        assert await _status(client, checkout) == "open"
        assert await _customers(client, tenant) == []
        assert await _payments(client, tenant, checkout) == []

    async def test_a_confirmed_expired_or_unknown_checkout_cannot_confirm(
        self, client: httpx.AsyncClient, seeder: Seeder, clock: ShiftableClock
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant, FREE)
        done = await _checkout(client, tenant, product, customer_email="a@example.com")
        assert (await _confirm(client, done)).json()["status"] == "confirmed"
        assert await _status(client, done) == "succeeded"
        again = await _confirm(client, done)
        assert again.status_code == 403
        assert again.json()["error"] == "NotOpenCheckout"

        late = await _checkout(client, tenant, product, customer_email="b@example.com")
        clock.offset += CHECKOUT_TTL + timedelta(seconds=1)
        expired = await _confirm(client, late)
        assert expired.status_code == 410
        assert expired.json()["error"] == "ExpiredCheckoutError"

        unknown = await client.post(f"{CLIENT}/polar_c_{uuid.uuid4().hex}/confirm", json={})
        assert unknown.status_code == 404
        assert len(await _customers(client, tenant)) == 1

    async def test_amount_outside_a_custom_price_s_bounds(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(
            client,
            tenant,
            {
                "name": "Tip",
                "prices": [{"amount_type": "custom", "minimum_amount": 500, "maximum_amount": 900}],
            },
        )
        checkout = await _checkout(client, tenant, product)
        response = await _confirm(
            client,
            checkout,
            amount=10_000,
            customer_email="a@example.com",
            confirmation_token_id=SUCCESS,
        )
        assert response.status_code == 422
        assert error_loc(response) == ["body", "amount"]
        assert await _status(client, checkout) == "open"
        assert await _payments(client, tenant, checkout) == []

    async def test_an_archived_product_cannot_be_bought(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant)
        checkout = await _checkout(client, tenant, product, customer_email="a@example.com")
        archived = await client.patch(
            f"/v1/products/{product['id']}",
            json={"is_archived": True},
            headers=tenant.headers("organization"),
        )
        assert archived.status_code == 200, archived.text
        response = await _confirm(client, checkout, confirmation_token_id=SUCCESS)
        assert response.status_code == 422
        assert error_loc(response) == ["body", "product_id"]
        assert await _payments(client, tenant, checkout) == []

    async def test_required_custom_fields_are_answered(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        field = await client.post(
            "/v1/custom-fields/",
            json={"type": "text", "slug": "company", "name": "Company", "properties": {}},
            headers=headers,
        )
        assert field.status_code == 201, field.text
        product = await _product(
            client,
            tenant,
            {
                **FREE,
                "attached_custom_fields": [
                    {"custom_field_id": field.json()["id"], "required": True}
                ],
            },
        )
        checkout = await _checkout(client, tenant, product, customer_email="a@example.com")
        [attached] = checkout["attached_custom_fields"]
        assert (attached["custom_field"]["slug"], attached["required"]) == ("company", True)
        response = await _confirm(client, checkout)
        assert response.status_code == 422
        assert error_loc(response) == ["body", "custom_field_data", "company"]
        assert await _status(client, checkout) == "open"
        response = await _confirm(client, checkout, custom_field_data={"company": "Acme"})
        assert response.status_code == 200, response.text
        assert response.json()["custom_field_data"] == {"company": "Acme"}


class TestDeletedCustomer:
    async def test_a_customer_deleted_since_creation_is_409_and_nothing_is_written(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        """As Polar: `CheckoutCustomerDeleted`, no other customer made up from the email, no
        payment started, the discount not redeemed, the checkout still open."""
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        discount = await client.post(
            "/v1/discounts/",
            json={
                "name": "Kept",
                "type": "fixed",
                "amount": 100,
                "currency": "usd",
                "duration": "once",
                "code": "KEPT",
                "max_redemptions": 1,
            },
            headers=headers,
        )
        assert discount.status_code == 201, discount.text
        customer = await client.post(
            "/v1/customers/", json={"email": "leaving@example.com"}, headers=headers
        )
        assert customer.status_code == 201, customer.text
        checkout = await _checkout(
            client,
            tenant,
            customer_id=customer.json()["id"],
            customer_email="leaving@example.com",
        )
        applied = await client.patch(
            f"{CLIENT}/{checkout['client_secret']}", json={"discount_code": "kept"}
        )
        assert applied.status_code == 200, applied.text
        deleted = await client.delete(f"/v1/customers/{customer.json()['id']}", headers=headers)
        assert deleted.status_code == 204

        response = await _confirm(client, checkout, confirmation_token_id=SUCCESS)
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "CheckoutCustomerDeleted"
        assert await _status(client, checkout) == "open"
        assert await _payments(client, tenant, checkout) == []
        assert await _customers(client, tenant) == []
        got = await client.get(f"/v1/discounts/{discount.json()['id']}", headers=headers)
        assert got.json()["redemptions_count"] == 0


async def test_a_discount_in_another_currency_is_refused(
    client: httpx.AsyncClient, seeder: Seeder
) -> None:
    """A fixed discount in euros on a checkout in dollars: 422 at discount_code, whether it is
    typed on the page or sent with the confirm, and nothing is written."""
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    discount = await client.post(
        "/v1/discounts/",
        json={
            "name": "Euros off",
            "type": "fixed",
            "amount": 100,
            "currency": "eur",
            "duration": "once",
            "code": "EUROS",
        },
        headers=headers,
    )
    assert discount.status_code == 201, discount.text
    checkout = await _checkout(client, tenant)
    typed = await client.patch(
        f"{CLIENT}/{checkout['client_secret']}", json={"discount_code": "EUROS"}
    )
    assert typed.status_code == 422
    assert error_loc(typed) == ["body", "discount_code"]
    assert "currency" in typed.json()["detail"][0]["msg"]
    confirmed = await _confirm(
        client,
        checkout,
        customer_email="b@example.com",
        discount_code="EUROS",
        confirmation_token_id=SUCCESS,
    )
    assert confirmed.status_code == 422
    assert error_loc(confirmed) == ["body", "discount_code"]
    assert await _status(client, checkout) == "open"
    assert await _payments(client, tenant, checkout) == []
    assert await _customers(client, tenant) == []
    got = await client.get(f"/v1/discounts/{discount.json()['id']}", headers=headers)
    assert got.json()["redemptions_count"] == 0


class TestDiscounts:
    async def test_the_last_redemption_goes_once_and_a_decline_gives_it_back(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        discount = await client.post(
            "/v1/discounts/",
            json={
                "name": "Once",
                "type": "fixed",
                "amount": 100,
                "currency": "usd",
                "duration": "once",
                "code": "ONCE",
                "max_redemptions": 1,
            },
            headers=headers,
        )
        assert discount.status_code == 201, discount.text
        product = await _product(client, tenant)
        first = await _checkout(client, tenant, product, customer_email="a@example.com")
        second = await _checkout(client, tenant, product, customer_email="b@example.com")
        for checkout in (first, second):
            applied = await client.patch(
                f"{CLIENT}/{checkout['client_secret']}", json={"discount_code": "once"}
            )
            assert applied.status_code == 200, applied.text
            assert applied.json()["total_amount"] == 800

        declined = await _confirm(client, first, confirmation_token_id=DECLINE)
        assert declined.status_code == 200
        assert await _status(client, first) == "open"
        got = await client.get(f"/v1/discounts/{discount.json()['id']}", headers=headers)
        assert got.json()["redemptions_count"] == 0

        paid = await _confirm(client, second, confirmation_token_id=SUCCESS)
        assert paid.status_code == 200, paid.text
        assert await _status(client, second) == "succeeded"
        [payment] = await _payments(client, tenant, second)
        assert payment["amount"] == 800

        refused = await _confirm(client, first, confirmation_token_id=SUCCESS)
        assert refused.status_code == 422
        assert error_loc(refused) == ["body", "discount_code"]
        assert await _status(client, first) == "open"
        got = await client.get(f"/v1/discounts/{discount.json()['id']}", headers=headers)
        assert got.json()["redemptions_count"] == 1


class TestCustomerSession:
    async def test_a_session_only_for_a_new_or_merchant_named_customer(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        """Anyone can type someone's email: a customer matched only by the email typed gets
        no session (Polar's guard against taking over a customer's portal)."""
        tenant = await seeder.tenant()
        headers = tenant.headers("organization")
        existing = await client.post(
            "/v1/customers/",
            json={"email": "victim@example.com", "external_id": "v-1"},
            headers=headers,
        )
        assert existing.status_code == 201, existing.text
        product = await _product(client, tenant, FREE)
        typed = await _checkout(client, tenant, product)
        response = await _confirm(client, typed, customer_email="victim@example.com")
        assert response.status_code == 200, response.text
        assert response.json()["customer_session_token"] is None
        new = await _checkout(client, tenant, product)
        response = await _confirm(client, new, customer_email="someone@example.com")
        assert response.json()["customer_session_token"].startswith("polar_cst_")
        named = await _checkout(client, tenant, product, external_customer_id="v-1")
        response = await _confirm(client, named, customer_email="victim@example.com")
        assert response.json()["customer_session_token"].startswith("polar_cst_")


TRIAL = {
    "name": "Team",
    "recurring_interval": "month",
    "trial_interval": "day",
    "trial_interval_count": 14,
    "prices": [{"amount_type": "fixed", "price_amount": 1500}],
}


async def _orders(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    response = await client.get("/v1/orders/", headers=tenant.headers("organization"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _subscriptions(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    response = await client.get("/v1/subscriptions/", headers=tenant.headers("organization"))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestTrials:
    async def test_a_trial_charges_nothing_and_starts_the_subscription_trialing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(client, tenant, await _product(client, tenant, TRIAL))
        public = deserialize(
            (await client.get(f"{CLIENT}/{checkout['client_secret']}")).json(), CheckoutPublic
        )
        assert (public.total_amount, public.allow_trial) == (1500, True)
        assert (public.active_trial_interval, public.active_trial_interval_count) == ("day", 14)
        assert public.trial_end is not None
        trial = datetime.fromisoformat(str(public.trial_end))
        assert trial - datetime.fromisoformat(str(public.created_at)) == timedelta(days=14)
        # Nothing to pay now, but a card is kept for when the trial ends.
        assert not public.is_payment_required
        assert public.is_payment_setup_required and public.is_payment_form_required

        without_card = await _confirm(client, checkout, customer_email="t@example.com")
        assert without_card.status_code == 422
        assert error_loc(without_card) == ["body", "confirmation_token_id"]

        response = await _confirm(
            client, checkout, customer_email="t@example.com", confirmation_token_id=SUCCESS
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "confirmed"
        assert await _status(client, checkout) == "succeeded"
        assert await _payments(client, tenant, checkout) == []  # no charge at all
        [subscription] = await _subscriptions(client, tenant)
        assert subscription["status"] == "trialing"
        assert subscription["trial_end"] == subscription["current_period_end"]
        assert subscription["amount"] == 1500  # what the periods after the trial cost
        [order] = await _orders(client, tenant)
        assert order["billing_reason"] == "subscription_create"
        assert order["status"] == "paid"
        assert (order["subtotal_amount"], order["total_amount"]) == (0, 0)
        [item] = order["items"]
        assert item["amount"] == 0 and item["label"].startswith("Trial period for Team (")

    async def test_a_trial_s_declined_card_is_a_payment_error_that_writes_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(client, tenant, await _product(client, tenant, TRIAL))
        response = await _confirm(
            client, checkout, customer_email="t@example.com", confirmation_token_id=DECLINE
        )
        assert response.status_code == 400, response.text
        assert response.json() == {"error": "PaymentError", "detail": "Your card was declined."}
        assert await _status(client, checkout) == "open"
        assert await _customers(client, tenant) == []
        assert await _subscriptions(client, tenant) == []
        retried = await _confirm(
            client, checkout, customer_email="t@example.com", confirmation_token_id=SUCCESS
        )
        assert retried.status_code == 200, retried.text
        assert [s["status"] for s in await _subscriptions(client, tenant)] == ["trialing"]

    async def test_a_trial_turned_off_charges_the_first_period(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant, TRIAL)
        by_merchant = await _checkout(client, tenant, product, allow_trial=False)
        assert by_merchant["trial_end"] is None and by_merchant["is_payment_required"]
        # The customer may turn it off too (say, a trial was redeemed already).
        checkout = await _checkout(client, tenant, product)
        assert checkout["trial_end"] is not None
        response = await _confirm(
            client,
            checkout,
            customer_email="t@example.com",
            allow_trial=False,
            confirmation_token_id=SUCCESS,
        )
        assert response.status_code == 200, response.text
        assert response.json()["trial_end"] is None
        [payment] = await _payments(client, tenant, checkout)
        assert (payment["status"], payment["amount"]) == ("succeeded", 1500)
        [subscription] = await _subscriptions(client, tenant)
        assert (subscription["status"], subscription["trial_end"]) == ("active", None)
        [order] = await _orders(client, tenant)
        assert order["total_amount"] == 1500

    async def test_the_checkout_s_own_trial_overrides_the_product_s(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        no_trial = {**TRIAL, "trial_interval": None, "trial_interval_count": None}
        checkout = await _checkout(
            client,
            tenant,
            await _product(client, tenant, no_trial),
            trial_interval="week",
            trial_interval_count=2,
        )
        assert (checkout["trial_interval"], checkout["trial_interval_count"]) == ("week", 2)
        assert checkout["active_trial_interval"] == "week"
        assert not checkout["is_payment_required"]
        one_time = await _checkout(
            client, tenant, await _product(client, tenant), trial_interval="week"
        )
        assert one_time["trial_end"] is None  # only recurring products have trials
        assert one_time["is_payment_required"]


async def test_a_product_sold_cannot_be_deleted(client: httpx.AsyncClient, seeder: Seeder) -> None:
    tenant = await seeder.tenant()
    product = await _product(client, tenant)
    path, headers = f"/v1/products/{product['id']}", tenant.headers("user")
    assert (await client.get(path, headers=headers)).json()["is_deletable"] is True
    checkout = await _checkout(client, tenant, product)
    response = await _confirm(
        client, checkout, customer_email="b@example.com", confirmation_token_id=SUCCESS
    )
    assert response.status_code == 200, response.text
    assert await _status(client, checkout) == "succeeded"
    assert (await client.get(path, headers=headers)).json()["is_deletable"] is False
    refused = await client.delete(path, headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"] == "ProductNotDeletable"
    [order] = await _orders(client, tenant)
    assert order["product"]["id"] == product["id"]


class TestTrialAbuse:
    async def _prevent_trial_abuse(
        self, client: httpx.AsyncClient, tenant: Tenant, on: bool
    ) -> None:
        response = await client.patch(
            f"/v1/organizations/{tenant.organization.id}",
            json={
                "subscription_settings": {
                    "allow_multiple_subscriptions": False,
                    "proration_behavior": "prorate",
                    "benefit_revocation_grace_period": 0,
                    "prevent_trial_abuse": on,
                }
            },
            headers=tenant.headers("user"),
        )
        assert response.status_code == 200, response.text

    async def test_one_trial_per_email_when_the_organization_prevents_abuse(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        await self._prevent_trial_abuse(client, tenant, True)
        product = await _product(client, tenant, TRIAL)
        first = await _checkout(client, tenant, product)
        response = await _confirm(
            client, first, customer_email="ada@example.com", confirmation_token_id=SUCCESS
        )
        assert response.status_code == 200, response.text

        # The same person under a sub-address: refused, nothing written.
        second = await _checkout(client, tenant, product)
        refused = await _confirm(
            client, second, customer_email="Ada+again@Example.com", confirmation_token_id=SUCCESS
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == "TrialAlreadyRedeemed"
        assert await _status(client, second) == "open"
        assert len(await _subscriptions(client, tenant)) == 1
        assert [c["email"] for c in await _customers(client, tenant)] == ["ada@example.com"]
        # Without the trial, the same checkout can be bought (and is charged).
        paid = await _confirm(
            client,
            second,
            customer_email="Ada+again@Example.com",
            allow_trial=False,
            confirmation_token_id=SUCCESS,
        )
        assert paid.status_code == 200, paid.text
        [payment] = await _payments(client, tenant, second)
        assert payment["amount"] == 1500

    async def test_trials_repeat_when_the_organization_allows_it(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        await self._prevent_trial_abuse(client, tenant, False)
        product = await _product(client, tenant, TRIAL)
        for email in ("bo@example.com", "bo+2@example.com"):
            checkout = await _checkout(client, tenant, product)
            response = await _confirm(
                client, checkout, customer_email=email, confirmation_token_id=SUCCESS
            )
            assert response.status_code == 200, response.text
        assert [s["status"] for s in await _subscriptions(client, tenant)] == ["trialing"] * 2
