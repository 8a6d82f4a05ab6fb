"""The catalogue end to end with the official client, unchanged: a product and its prices,
benefits of three types (the downloadable file uploaded through the presigned flow), attached
to the product, and a discount on it. Every response loads in the client's models."""

from __future__ import annotations

import os

import httpx
import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import ResourceNotFound
from polar.v2026_10.outputs import (
    BenefitCustom,
    BenefitDownloadables,
    BenefitLicenseKeys,
    DiscountPercentageOnceForeverDuration,
    ProductPriceFixed,
)

from tests.e2e.processes import ApiProcess
from tests.e2e.test_files_sdk import _b64, _parts, _send

pytestmark = pytest.mark.e2e


def test_polar_sdk_describes_a_whole_catalogue(
    running: tuple[ApiProcess, dict[str, str]],
) -> None:
    # The organization is new (a fresh database, or a fresh process's memory): its lists hold
    # exactly what this test makes.
    api, tokens = running
    with (
        Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar,
        httpx.Client(timeout=30) as http,
    ):
        # A product with a fixed price; a page of one, then every product through iter_list.
        product = polar.products.create(
            name="Pro",
            recurring_interval="month",
            prices=[{"amount_type": "fixed", "price_amount": 1500}],
        )
        others = [
            polar.products.create(
                name=f"Extra {i}", prices=[{"amount_type": "fixed", "price_amount": 100 * (i + 1)}]
            )
            for i in range(2)
        ]
        page = polar.products.list(limit=1)
        assert (page.pagination.total_count, page.pagination.max_page) == (3, 3)
        assert [p.id for p in page.items] == [others[-1].id]
        assert {p.id for p in polar.products.iter_list(limit=1)} == {
            product.id,
            *(o.id for o in others),
        }

        # Prices are immutable: keeping one by id, then replacing it (the new one is added,
        # the old one archived). A product has one static price at a time.
        (first,) = product.prices
        kept = polar.products.update(product.id, name="Pro+", prices=[{"id": first.id}])
        assert [(p.id, p.is_archived) for p in kept.prices] == [(first.id, False)]
        replaced = polar.products.update(
            product.id, prices=[{"amount_type": "fixed", "price_amount": 2500}]
        )
        archived, added = replaced.prices
        assert (archived.id, archived.is_archived) == (first.id, True)
        assert isinstance(added, ProductPriceFixed)
        assert (added.price_amount, added.is_archived) == (2500, False)

        # A file uploaded through the presigned parts, for the downloadables benefit.
        data = os.urandom(300_000)
        created = polar.files.create(
            name="manual.pdf",
            mime_type="application/pdf",
            size=len(data),
            checksum_sha256_base64=_b64(data),
            upload={"parts": _parts(data)},
            service="downloadable",
        )
        file = polar.files.uploaded(
            created.id,
            id=created.upload.id,
            path=created.upload.path,
            parts=_send(http, created.upload, data),
        )
        assert file.is_uploaded is True

        keys = polar.benefits.create(
            type="license_keys",
            description="License key",
            properties={
                "prefix": "PRO",
                "expires": {"ttl": 1, "timeframe": "year"},
                "activations": {"limit": 3, "enable_customer_admin": True},
                "limit_usage": None,
            },
        )
        assert isinstance(keys, BenefitLicenseKeys)
        assert keys.properties.activations is not None
        assert keys.properties.activations.limit == 3
        support = polar.benefits.create(
            type="custom", description="Priority support", properties={"note": "support@acme.test"}
        )
        assert isinstance(support, BenefitCustom)
        assert support.properties.note == "support@acme.test"
        manual = polar.benefits.create(
            type="downloadables", description="The manual", properties={"files": [file.id]}
        )
        assert isinstance(manual, BenefitDownloadables)
        assert manual.properties.files == [file.id]

        listed = polar.benefits.list(type=["license_keys", "custom"])
        assert [b.id for b in listed.items] == [support.id, keys.id]
        assert polar.benefits.get(manual.id) == manual
        renamed = polar.benefits.update(manual.id, type="downloadables", description="The handbook")
        assert renamed.description == "The handbook"
        assert polar.benefits.grants(keys.id).items == []

        granted = polar.products.update_benefits(
            product.id, benefits=[keys.id, support.id, manual.id]
        )
        assert [b.id for b in granted.benefits] == [keys.id, support.id, manual.id]
        assert polar.products.get(product.id).benefits == granted.benefits
        assert [p.id for p in polar.products.list(benefit_id=support.id).items] == [product.id]

        discount = polar.discounts.create(
            name="Launch",
            type="percentage",
            basis_points=2000,
            duration="once",
            code="LAUNCH20",
            products=[product.id],
        )
        assert isinstance(discount, DiscountPercentageOnceForeverDuration)
        assert [p.id for p in discount.products] == [product.id]

        # Deleting a benefit takes it off the product.
        polar.benefits.delete(support.id)
        with pytest.raises(ResourceNotFound):
            polar.benefits.get(support.id)
        after = polar.products.get(product.id)
        assert [b.id for b in after.benefits] == [keys.id, manual.id]
