"""The official client, unchanged, running checkout sessions on a running Meridian: the
merchant's calls with a token, the customer's by client secret."""

from __future__ import annotations

import uuid

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_runs_checkouts(running: tuple[ApiProcess, dict[str, str]]) -> None:
    api, tokens = running
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        product = polar.products.create(
            name="Tip jar",
            prices=[
                {
                    "amount_type": "custom",
                    "minimum_amount": 500,
                    "maximum_amount": 10_000,
                    "preset_amount": 1000,
                }
            ],
        )
        checkout = polar.checkouts.create(
            products=[product.id],
            success_url="https://shop.example/done/{CHECKOUT_ID}",
            metadata={"cart": "7"},
        )
        assert (checkout.status, checkout.amount, checkout.currency) == ("open", 1000, "usd")
        assert checkout.success_url == f"https://shop.example/done/{checkout.id}"
        assert checkout.product is not None and checkout.product.id == product.id
        assert checkout.is_payment_required

        assert polar.checkouts.get(checkout.id) == checkout
        with pytest.raises(ResourceNotFound):
            polar.checkouts.get(str(uuid.uuid4()))
        assert [c.id for c in polar.checkouts.list().items] == [checkout.id]
        assert polar.checkouts.list(status=["expired"]).items == []

        updated = polar.checkouts.update(checkout.id, customer_email="buyer@example.com")
        assert updated.customer_email == "buyer@example.com"

    # The customer's calls need no valid token (the client secret is the capability): the
    # client always sends one, and a made-up one is ignored.
    with Polar("polar_oat_made_up", base_url=api.base_url, timeout=30) as customer:
        public = customer.checkouts.client_get(checkout.client_secret)
        assert (public.id, public.customer_email) == (checkout.id, "buyer@example.com")
        assert public.organization.id == tokens["organization_id"]
        changed = customer.checkouts.client_update(
            checkout.client_secret, customer_name="Ada", amount=2500
        )
        assert (changed.customer_name, changed.amount, changed.total_amount) == ("Ada", 2500, 2500)
        with pytest.raises(HTTPValidationError):
            customer.checkouts.client_update(checkout.client_secret, amount=1)
        with pytest.raises(ResourceNotFound):
            customer.checkouts.client_get("polar_c_unknown")
