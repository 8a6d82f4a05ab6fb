"""The official client, unchanged, managing checkout links on a running Meridian, and a
visitor following one (the redirect is no SDK call: a browser follows it)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_manages_checkout_links(running: tuple[ApiProcess, dict[str, str]]) -> None:
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
        other = polar.products.create(
            name="Pro", prices=[{"amount_type": "fixed", "price_amount": 900}]
        )
        link = polar.checkout_links.create(
            payment_processor="stripe",
            products=[product.id, other.id],
            label="Newsletter",
            success_url="https://shop.example/done/{CHECKOUT_ID}",
            metadata={"source": "sdk"},
        )
        assert [p.id for p in link.products] == [product.id, other.id]
        assert (link.label, link.metadata, link.organization_id) == (
            "Newsletter",
            {"source": "sdk"},
            tokens["organization_id"],
        )
        assert link.url == f"{api.base_url}/v1/checkout-links/{link.client_secret}/redirect"
        assert polar.checkout_links.get(link.id) == link
        listed = polar.checkout_links.list(product_id=other.id)
        assert [item.id for item in listed.items] == [link.id]

        updated = polar.checkout_links.update(link.id, label="Spring", products=[product.id])
        assert updated.label == "Spring"
        assert [p.id for p in updated.products] == [product.id]
        by_price = polar.checkout_links.create(
            payment_processor="stripe", product_price_id=other.prices[0].id
        )
        assert [p.id for p in by_price.products] == [other.id]

        with pytest.raises(HTTPValidationError):
            polar.checkout_links.create(payment_processor="stripe", products=[str(uuid.uuid4())])

        # A visitor follows the link: a new checkout, prefilled, and a 303 to its page.
        response = httpx.get(
            link.url,
            params={"customer_email": "fan@example.com", "amount": "2500", "utm_source": "x"},
            follow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 303, response.text
        secret = urlsplit(response.headers["location"]).path.rsplit("/", 1)[-1]
        checkout = polar.checkouts.client_get(secret)
        assert checkout.url == response.headers["location"]
        assert (checkout.customer_email, checkout.amount) == ("fan@example.com", 2500)
        merchant_view = polar.checkouts.get(checkout.id)
        assert merchant_view.metadata == {"source": "sdk", "utm_source": "x"}

        polar.checkout_links.delete(link.id)
        with pytest.raises(ResourceNotFound):
            polar.checkout_links.get(link.id)
        assert httpx.get(link.url, follow_redirects=False, timeout=30).status_code == 404
