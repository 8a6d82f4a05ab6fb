"""The official client, unchanged, managing meters and metered prices on a running Meridian."""

from __future__ import annotations

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound
from polar.v2026_10.outputs import (
    Filter,
    FilterClause,
    ProductPriceFixed,
    ProductPriceMeteredTiers,
    ProductPriceMeteredUnit,
    PropertyAggregation,
)

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_manages_meters_and_metered_prices(
    running: tuple[ApiProcess, dict[str, str]],
) -> None:
    api, tokens = running
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        meter = polar.meters.create(
            name="LLM tokens",
            unit="token",
            filter={
                "conjunction": "and",
                "clauses": [
                    {"property": "name", "operator": "eq", "value": "completion"},
                    {
                        "conjunction": "or",
                        "clauses": [
                            {"property": "metadata.model", "operator": "like", "value": "gpt%"}
                        ],
                    },
                ],
            },
            aggregation={"func": "sum", "property": "metadata.tokens"},
            metadata={"team": "ml"},
        )
        assert (meter.name, meter.unit, meter.archived_at) == ("LLM tokens", "token", None)
        assert isinstance(meter.aggregation, PropertyAggregation)
        assert meter.aggregation.property == "metadata.tokens"
        first, nested = meter.filter.clauses
        assert isinstance(first, FilterClause) and first.value == "completion"
        assert isinstance(nested, Filter) and nested.conjunction == "or"
        assert polar.meters.get(meter.id) == meter

        product = polar.products.create(
            name="API",
            recurring_interval="month",
            prices=[
                {"amount_type": "fixed", "price_amount": 2000},
                {
                    "amount_type": "metered_unit",
                    "meter_id": meter.id,
                    "unit_amount": "0.0004",
                    "cap_amount": 100_000,
                },
            ],
        )
        fixed, metered = product.prices
        assert isinstance(fixed, ProductPriceFixed)
        assert isinstance(metered, ProductPriceMeteredUnit)
        assert (metered.meter_id, metered.meter.name, metered.meter.unit) == (
            meter.id,
            "LLM tokens",
            "token",
        )
        assert (metered.unit_amount, metered.cap_amount) == ("0.0004", 100_000)

        tiered = polar.products.create(
            name="API by volume",
            recurring_interval="month",
            prices=[
                {
                    "amount_type": "metered_tiers",
                    "meter_id": meter.id,
                    "tiers": {
                        "type": "volume",
                        "tiers": [{"bound": 1000, "unit_amount": 0}, {"unit_amount": "0.01"}],
                    },
                }
            ],
        )
        (by_volume,) = tiered.prices
        assert isinstance(by_volume, ProductPriceMeteredTiers)
        assert [(t.bound, t.unit_amount) for t in by_volume.tiers.tiers] == [
            (1000, "0"),
            (None, "0.01"),
        ]
        # Its meter is freed by a price list without the metered price.
        polar.products.update(tiered.id, prices=[{"amount_type": "fixed", "price_amount": 0}])

        # A meter billed by a live price stays unarchived.
        with pytest.raises(HTTPValidationError):
            polar.meters.update(meter.id, is_archived=True)
        renamed = polar.meters.update(meter.id, name="Tokens", metadata={"team": "platform"})
        assert (renamed.name, renamed.metadata) == ("Tokens", {"team": "platform"})
        fetched = polar.products.get(product.id)
        assert fetched.prices[1].meter.name == "Tokens"  # type: ignore[union-attr]

        # Dropping the metered price frees the meter.
        polar.products.update(product.id, prices=[{"id": fixed.id}])
        archived = polar.meters.update(meter.id, is_archived=True)
        assert archived.archived_at is not None
        with pytest.raises(HTTPValidationError):
            polar.products.update(
                product.id,
                prices=[
                    {"id": fixed.id},
                    {"amount_type": "metered_unit", "meter_id": meter.id, "unit_amount": 1},
                ],
            )

        for n in range(11):
            polar.meters.create(
                name=f"Meter {n:02}",
                filter={"conjunction": "and", "clauses": []},
                aggregation={"func": "count"},
            )
        names = [m.name for m in polar.meters.iter_list(limit=5)]
        assert names == sorted(names) and len(names) == 12
        assert [m.name for m in polar.meters.list(is_archived=True).items] == ["Tokens"]
        assert [m.name for m in polar.meters.list(query="meter 0").items] == [
            f"Meter {n:02}" for n in range(10)
        ]

    # The owner's personal token sees the organization's meters; an unknown id is not found.
    with Polar(tokens["personal_access_token"], base_url=api.base_url, timeout=30) as polar:
        assert len(polar.meters.list(limit=100).items) == 12
        with pytest.raises(ResourceNotFound):
            polar.meters.get("00000000-0000-4000-8000-000000000000")
