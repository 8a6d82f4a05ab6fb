"""The official client, unchanged, managing discounts on a running Meridian."""

from __future__ import annotations

import uuid

import httpx
import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound
from polar.v2026_10.outputs import (
    DiscountFixedOnceForeverDuration,
    DiscountPercentageOnceForeverDuration,
)

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_manages_discounts(running: tuple[ApiProcess, dict[str, str]]) -> None:
    api, tokens = running
    organization_id = tokens["organization_id"]
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        # Event jobs exist only for events an endpoint subscribes to. Its host does not
        # resolve (accepted at save): the events are recorded, their deliveries fail.
        polar.webhooks.create_webhook_endpoint(
            url="https://discounts-hook.invalid/hook",
            format="raw",
            events=["discount.created", "discount.updated", "discount.deleted"],
        )
        percentage = polar.discounts.create(
            name="Spring",
            type="percentage",
            basis_points=2500,
            duration="once",
            code="SPRING25",
            metadata={"campaign": "spring", "wave": 1},
        )
        assert isinstance(percentage, DiscountPercentageOnceForeverDuration)
        assert (percentage.basis_points, percentage.code) == (2500, "SPRING25")
        assert percentage.organization_id == organization_id
        assert percentage.metadata == {"campaign": "spring", "wave": 1}
        assert percentage.modified_at is None
        assert percentage.products == []

        fixed = polar.discounts.create(
            name="Five off",
            type="fixed",
            amount=500,
            currency="usd",
            duration="repeating",
            duration_in_months=3,
            max_redemptions=10,
            ends_at="2030-01-01T00:00:00Z",
        )
        # The client tries its union's shapes in order and keeps the first that loads, so a
        # repeating discount comes back as the once/forever class (without the months).
        assert isinstance(fixed, DiscountFixedOnceForeverDuration)
        assert (fixed.amount, fixed.currency, fixed.amounts) == (500, "usd", {"usd": 500})
        assert (fixed.duration, fixed.max_redemptions) == ("repeating", 10)
        assert fixed.ends_at is not None
        assert fixed.ends_at.startswith("2030-01-01")
        raw = httpx.get(
            f"{api.base_url}/v1/discounts/{fixed.id}",
            headers={"Authorization": f"Bearer {tokens['organization_access_token']}"},
        ).json()
        assert raw["duration_in_months"] == 3

        listed = polar.discounts.list()
        assert [d.id for d in listed.items] == [fixed.id, percentage.id]  # newest first
        assert (listed.pagination.total_count, listed.pagination.max_page) == (2, 1)
        assert [d.id for d in polar.discounts.list(query="spring").items] == [percentage.id]
        by_name = polar.discounts.list(sorting=["name"], organization_id=organization_id)
        assert [d.name for d in by_name.items] == ["Five off", "Spring"]

        got = polar.discounts.get(percentage.id)
        assert got == percentage

        updated = polar.discounts.update(
            percentage.id, name="Spring sale", basis_points=3000, code=None
        )
        assert isinstance(updated, DiscountPercentageOnceForeverDuration)
        assert (updated.name, updated.basis_points, updated.code) == ("Spring sale", 3000, None)
        assert updated.modified_at is not None

        with pytest.raises(HTTPValidationError):
            polar.discounts.update(fixed.id, type="percentage")

        polar.discounts.delete(fixed.id)
        with pytest.raises(ResourceNotFound):
            polar.discounts.get(fixed.id)
        with pytest.raises(ResourceNotFound):
            polar.discounts.get(str(uuid.uuid4()))

    with Polar(tokens["personal_access_token"], base_url=api.base_url, timeout=30) as polar:
        for i in range(11):
            polar.discounts.create(
                name=f"Batch {i}",
                type="fixed",
                amount=100 + i,
                currency="eur",
                duration="forever",
                organization_id=organization_id,
                code=f"BATCH{i}",
            )
        everything = list(polar.discounts.iter_list(limit=5, organization_id=[organization_id]))
        assert len(everything) == 12
        assert len({d.id for d in everything}) == 12
        with pytest.raises(HTTPValidationError):
            polar.discounts.create(
                name="Duplicate",
                type="percentage",
                basis_points=100,
                duration="once",
                organization_id=organization_id,
                code="batch3",
            )

    # The event jobs ran (in process here): the queue knows them.
    api.wait_for_log(f"discount.created recorded for discount {percentage.id}")
    api.wait_for_log(f"discount.updated recorded for discount {percentage.id}")
    api.wait_for_log(f"discount.deleted recorded for discount {fixed.id}")
