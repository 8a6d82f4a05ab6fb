"""The official client, unchanged, starting a subscription to a free monthly product on a
running Meridian, then reading it back."""

from __future__ import annotations

import uuid

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_runs_subscriptions(running: tuple[ApiProcess, dict[str, str]]) -> None:
    api, tokens = running
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        product = polar.products.create(
            name="Free plan",
            recurring_interval="month",
            prices=[{"amount_type": "fixed", "price_amount": 0}],
        )
        customer = polar.customers.create(
            email=f"{uuid.uuid4().hex[:8]}@example.com", external_id=uuid.uuid4().hex
        )
        subscription = polar.subscriptions.create(
            product_id=product.id, customer_id=customer.id, metadata={"plan": "free"}
        )
        assert (subscription.status, subscription.amount, subscription.currency) == (
            "active",
            0,
            "usd",
        )
        assert subscription.recurring_interval == "month"
        assert subscription.customer.id == customer.id
        assert subscription.product.id == product.id
        assert subscription.metadata == {"plan": "free"}

        assert polar.subscriptions.get(subscription.id) == subscription
        with pytest.raises(ResourceNotFound):
            polar.subscriptions.get(str(uuid.uuid4()))
        listed = polar.subscriptions.list(customer_id=customer.id)
        assert [s.id for s in listed.items] == [subscription.id]
        assert polar.subscriptions.list(product_id=product.id, active=False).items == []
        by_external = polar.subscriptions.list(external_customer_id=customer.external_id)
        assert [s.id for s in by_external.items] == [subscription.id]

        # The same customer by their external id.
        again = polar.subscriptions.create(
            product_id=product.id, external_customer_id=customer.external_id
        )
        assert again.customer_id == customer.id

        paid = polar.products.create(
            name="Pro plan",
            recurring_interval="month",
            prices=[{"amount_type": "fixed", "price_amount": 900}],
        )
        with pytest.raises(HTTPValidationError):
            polar.subscriptions.create(product_id=paid.id, customer_id=customer.id)
