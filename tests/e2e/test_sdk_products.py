"""The official client, unchanged, managing products and their prices on a running Meridian."""

from __future__ import annotations

import uuid

import pytest
from polar.base import PolarClientError
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ProductNotDeletable, ResourceNotFound
from polar.v2026_10.outputs import ProductPriceCustom, ProductPriceFixed

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_manages_products(running: tuple[ApiProcess, dict[str, str]]) -> None:
    api, tokens = running
    organization_id = tokens["organization_id"]
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        # Event jobs exist only for events an endpoint subscribes to. Its host does not
        # resolve (accepted at save): the events are recorded, their deliveries fail.
        polar.webhooks.create_webhook_endpoint(
            url="https://products-hook.invalid/hook",
            format="raw",
            events=["product.created", "product.updated"],
        )
        product = polar.products.create(
            name="Pro",
            recurring_interval="month",
            prices=[{"amount_type": "fixed", "price_amount": 1500}],
            metadata={"tier": "pro"},
        )
        assert product.organization_id == organization_id
        assert (product.is_recurring, product.recurring_interval) == (True, "month")
        assert product.recurring_interval_count == 1
        assert (product.benefits, product.medias, product.attached_custom_fields) == ([], [], [])
        assert product.is_deletable is True
        (price,) = product.prices
        assert isinstance(price, ProductPriceFixed)
        assert (price.price_amount, price.price_currency, price.source) == (1500, "usd", "catalog")
        assert price.tax_behavior is None

        one_time = polar.products.create(
            name="Ebook",
            prices=[{"amount_type": "custom", "minimum_amount": 500, "preset_amount": 900}],
        )
        assert one_time.is_recurring is False
        assert isinstance(one_time.prices[0], ProductPriceCustom)
        assert polar.products.get(product.id) == product

        listed = polar.products.list(limit=1)
        assert [p.id for p in listed.items] == [one_time.id]  # newest first
        assert (listed.pagination.total_count, listed.pagination.max_page) == (2, 2)
        assert [p.id for p in polar.products.list(query="PRO").items] == [product.id]
        assert [p.id for p in polar.products.list(metadata={"tier": "pro"}).items] == [product.id]
        assert [p.id for p in polar.products.list(is_recurring=False).items] == [one_time.id]
        by_amount = polar.products.list(sorting=["-price_amount"])
        assert [p.id for p in by_amount.items] == [product.id, one_time.id]

        # Keep the fixed price, archive the custom one, add a fixed one: one static price left.
        updated = polar.products.update(
            one_time.id,
            name="Ebook, 2nd edition",
            prices=[{"amount_type": "fixed", "price_amount": 1200, "price_currency": "eur"}],
        )
        assert updated.name == "Ebook, 2nd edition"
        archived, added = updated.prices
        assert (archived.id, archived.is_archived) == (one_time.prices[0].id, True)
        assert isinstance(added, ProductPriceFixed)
        assert (added.price_amount, added.price_currency, added.is_archived) == (1200, "eur", False)

        kept = polar.products.update(
            updated.id,
            prices=[{"id": added.id}],
            is_archived=True,
        )
        assert [p.id for p in kept.prices if not p.is_archived] == [added.id]
        assert kept.is_archived is True

        with pytest.raises(HTTPValidationError):
            polar.products.update(product.id, prices=[])
        # An unknown meter is not found; the client maps only 422 for this call, so it raises
        # its generic client error carrying the 404.
        with pytest.raises(PolarClientError) as unknown_meter:
            polar.products.create(
                name="Usage",
                recurring_interval="month",
                prices=[
                    {
                        "amount_type": "metered_unit",
                        "meter_id": str(uuid.uuid4()),
                        "unit_amount": "0.5",
                    }
                ],
            )
        assert unknown_meter.value.status_code == 404
        with pytest.raises(ResourceNotFound):
            polar.products.get(str(uuid.uuid4()))

    with Polar(tokens["personal_access_token"], base_url=api.base_url, timeout=30) as polar:
        for i in range(11):
            polar.products.create(
                name=f"Batch {i}",
                organization_id=organization_id,
                prices=[{"amount_type": "fixed", "price_amount": 100 + i}],
            )
        everything = list(polar.products.iter_list(limit=5, organization_id=[organization_id]))
        assert len(everything) == 13
        assert len({p.id for p in everything}) == 13

        # A product a discount is restricted to is in use: archived, not deleted.
        doomed = everything[0]
        discount = polar.discounts.create(
            name="Launch",
            type="percentage",
            basis_points=1000,
            duration="once",
            products=[doomed.id],
            organization_id=organization_id,
        )
        assert polar.products.get(doomed.id).is_deletable is False
        with pytest.raises(ProductNotDeletable):
            polar.products.delete(doomed.id)
        polar.discounts.delete(discount.id)
        assert polar.products.get(doomed.id).is_deletable is True
        polar.products.delete(doomed.id)
        with pytest.raises(ResourceNotFound):
            polar.products.get(doomed.id)

    api.wait_for_log(f"product.created recorded for product {product.id}")
    api.wait_for_log(f"product.updated recorded for product {updated.id}")
