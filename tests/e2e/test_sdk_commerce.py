"""The money path end to end with the official client, unchanged, on a running Meridian (its
jobs in-process, as `uv run task api` runs them): a product granting a license key is bought
through a checkout with the sandbox's test token; the order is paid, the key is granted, the
customer's software activates and validates it; a refund with `revoke_benefits` refunds the
order and the key stops validating. A declined card leaves the checkout open, its payment
failed with the reason."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import ResourceNotFound
from polar.v2026_10.outputs import CustomerPaymentMethodCard

from adapters.payments.sandbox import DECLINE, SUCCESS
from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e

T = TypeVar("T")


def eventually(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 20) -> T:
    """`read()` once `done` holds for it (jobs run shortly after the request's commit)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_a_customer_buys_a_license_key_and_a_refund_revokes_it(
    running: tuple[ApiProcess, dict[str, str]],
) -> None:
    api, tokens = running
    organization_id = tokens["organization_id"]
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        benefit = polar.benefits.create(
            type="license_keys",
            description="Desktop app",
            properties={
                "prefix": "DESK",
                "activations": {"limit": 2, "enable_customer_admin": False},
            },
        )
        product = polar.products.create(
            name="Desktop app", prices=[{"amount_type": "fixed", "price_amount": 4900}]
        )
        polar.products.update_benefits(product.id, benefits=[benefit.id])
        checkout = polar.checkouts.create(products=[product.id])

    with Polar("polar_oat_made_up", base_url=api.base_url, timeout=30) as customer:
        public = customer.checkouts.client_get(checkout.client_secret)
        assert (public.status, public.total_amount) == ("open", 4900)
        customer.checkouts.client_update(
            checkout.client_secret, customer_email="buyer@example.com", customer_name="Ada"
        )
        confirmed = customer.checkouts.client_confirm(
            checkout.client_secret, confirmation_token_id=SUCCESS
        )
        assert confirmed.status in ("confirmed", "succeeded")
        done = eventually(
            lambda: customer.checkouts.client_get(checkout.client_secret),
            lambda c: c.status == "succeeded",
        )
        assert done.status == "succeeded"

    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        [order] = polar.orders.list(checkout_id=checkout.id).items
        assert (order.status, order.paid, order.total_amount) == ("paid", True, 4900)
        assert order.customer.email == "buyer@example.com"
        keys = eventually(
            lambda: polar.license_keys.list(benefit_id=benefit.id).items, lambda items: bool(items)
        )
        [key] = keys
        assert key.customer_id == order.customer_id and key.status == "granted"
        assert key.key.startswith("DESK-")

    # The customer's software: the key is the capability, no token needed.
    with Polar("polar_oat_made_up", base_url=api.base_url, timeout=30) as software:
        portal = software.customer_portal.license_keys
        activation = portal.activate(key=key.key, organization_id=organization_id, label="laptop")
        validated = portal.validate(
            key=key.key, organization_id=organization_id, activation_id=activation.id
        )
        assert validated.id == key.id

    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        refund = polar.refunds.create(
            order_id=order.id, reason="customer_request", amount=4900, revoke_benefits=True
        )
        assert (refund.amount, refund.revoke_benefits) == (4900, True)
        refunded = polar.orders.get(order.id)
        assert (refunded.status, refunded.refunded_amount) == ("refunded", 4900)
        revoked = eventually(
            lambda: polar.license_keys.get(key.id), lambda k: k.status == "revoked"
        )
        assert revoked.status == "revoked"

    with (
        Polar("polar_oat_made_up", base_url=api.base_url, timeout=30) as software,
        pytest.raises(ResourceNotFound),
    ):
        software.customer_portal.license_keys.validate(key=key.key, organization_id=organization_id)


def test_a_declined_card_leaves_the_checkout_open(
    running: tuple[ApiProcess, dict[str, str]],
) -> None:
    api, tokens = running
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        product = polar.products.create(
            name="Pro", prices=[{"amount_type": "fixed", "price_amount": 900}]
        )
        checkout = polar.checkouts.create(products=[product.id], customer_email="a@example.com")
        with Polar("polar_oat_made_up", base_url=api.base_url, timeout=30) as customer:
            customer.checkouts.client_confirm(checkout.client_secret, confirmation_token_id=DECLINE)
            reopened = eventually(
                lambda: customer.checkouts.client_get(checkout.client_secret),
                lambda c: c.status == "open",
            )
            assert reopened.status == "open"
        payments = eventually(
            lambda: polar.payments.list(checkout_id=checkout.id).items,
            lambda items: bool(items) and items[0].status == "failed",
        )
        [payment] = payments
        assert (payment.status, payment.decline_reason) == ("failed", "card_declined")
        assert payment.decline_message == "Your card was declined."
        assert polar.orders.list(checkout_id=checkout.id).items == []


def test_a_trial_keeps_the_card_as_the_customer_s_default_method(
    running: tuple[ApiProcess, dict[str, str]],
) -> None:
    api, tokens = running
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        product = polar.products.create(
            name="Team",
            recurring_interval="month",
            trial_interval="day",
            trial_interval_count=7,
            prices=[{"amount_type": "fixed", "price_amount": 1500}],
        )
        checkout = polar.checkouts.create(
            products=[product.id], customer_email="t@example.com", external_customer_id="t-1"
        )
        # Nothing to pay now: confirmed (all the client's `CheckoutPublicConfirmed` allows),
        # then succeeded by the free-success job, as Polar does.
        confirmed = polar.checkouts.client_confirm(
            checkout.client_secret, confirmation_token_id=SUCCESS
        )
        assert confirmed.status == "confirmed"
        done = eventually(
            lambda: polar.checkouts.client_get(checkout.client_secret),
            lambda c: c.status == "succeeded",
        )
        assert done.status == "succeeded"
        [subscription] = polar.subscriptions.list(product_id=product.id).items
        assert subscription.status == "trialing"
        [card] = polar.customers.list_payment_methods_external("t-1").items
        assert isinstance(card, CustomerPaymentMethodCard)
        assert (card.is_default, card.processor, card.type) == (True, "stripe", "card")
        metadata = card.method_metadata
        assert (metadata.brand, metadata.last4, metadata.exp_month, metadata.exp_year) == (
            "visa",
            "4242",
            12,
            2034,
        )
        assert polar.customers.list_payment_methods(card.customer_id).items == [card]
