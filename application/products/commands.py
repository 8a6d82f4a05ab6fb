"""Inputs of the product use cases (also the request bodies of the HTTP API).

The shapes follow the client's `ProductCreateRecurring` / `ProductCreateOneTime` (one model:
`recurring_interval` tells them apart), `ProductUpdate`, `ProductPrice*Create` and
`ExistingProductPrice`. Types are checked here; amounts, tiers, currencies and the rules that
tie prices together are the domain's (domain/price.py).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    StrictBool,
    StringConstraints,
    Tag,
)

from application.kit.inputs import Command, JsonInt
from application.kit.metadata import MetadataInput
from domain.benefit import MAX_BENEFITS_PER_PRODUCT
from domain.product import NAME_MAX_LENGTH, Interval, Visibility

# More prices than this on one product is surely a mistake.
MAX_PRICES = 100
MAX_TIERS = 100


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


ProductName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)
]
Currency = Annotated[str, BeforeValidator(_lower), StringConstraints(pattern=r"^[a-z]{3}$")]
TaxBehavior = Literal["location", "inclusive", "exclusive"]
Metadata = MetadataInput
# Media are file ids (product_media files).
Medias = Annotated[list[uuid.UUID], Field(max_length=MAX_PRICES)]

MAX_CUSTOM_FIELDS = 100


class AttachedCustomFieldCreate(Command):
    """A custom field to attach to the product, answered or not as `required`."""

    custom_field_id: uuid.UUID = Field(description="ID of the custom field to attach.")
    required: StrictBool = Field(description="Whether the value is required for this custom field.")


CustomFields = Annotated[list[AttachedCustomFieldCreate], Field(max_length=MAX_CUSTOM_FIELDS)]


class _PriceCreate(Command):
    price_currency: Currency = "usd"
    tax_behavior: TaxBehavior | None = None


class FixedPriceCreate(_PriceCreate):
    amount_type: Literal["fixed"]
    price_amount: JsonInt


class CustomPriceCreate(_PriceCreate):
    amount_type: Literal["custom"]
    minimum_amount: JsonInt = 0
    maximum_amount: JsonInt | None = None
    preset_amount: JsonInt | None = None


class SeatTierInput(Command):
    min_seats: JsonInt
    max_seats: JsonInt | None = None
    price_per_seat: JsonInt


class SeatTiersInput(Command):
    seat_tier_type: Literal["volume", "graduated"] | None = None
    tiers: Annotated[list[SeatTierInput], Field(max_length=MAX_TIERS)]


class SeatBasedPriceCreate(_PriceCreate):
    amount_type: Literal["seat_based"]
    seat_tiers: SeatTiersInput


class TierInput(Command):
    bound: JsonInt | None = None
    # A string keeps every decimal place ("0.000001"); a JSON number is read through its text.
    unit_amount: Decimal


class TiersInput(Command):
    type: Literal["volume", "graduated"]
    tiers: Annotated[list[TierInput], Field(max_length=MAX_TIERS)]


LocaleLabels = Annotated[
    dict[
        Annotated[str, StringConstraints(min_length=1, max_length=16)],
        Annotated[str, StringConstraints(min_length=1, max_length=64)],
    ],
    Field(max_length=8),
]


class UnitBasedPriceCreate(_PriceCreate):
    amount_type: Literal["unit_based"]
    tiers: TiersInput
    minimum_units: JsonInt | None = None
    unit_label: (
        Annotated[
            dict[Annotated[str, StringConstraints(min_length=2, max_length=16)], LocaleLabels],
            Field(max_length=50),
        ]
        | None
    ) = None


class MeteredUnitPriceCreate(_PriceCreate):
    """Billed per unit of a meter at the end of each period, up to `cap_amount` if set."""

    amount_type: Literal["metered_unit"]
    meter_id: uuid.UUID
    # Cents per unit, up to 12 decimal places: read through its text, like tier amounts.
    unit_amount: Decimal
    cap_amount: JsonInt | None = None


class MeteredTiersPriceCreate(_PriceCreate):
    """Billed on a meter's usage at the end of each period by tiers (the last one unbounded),
    up to `cap_amount` if set."""

    amount_type: Literal["metered_tiers"]
    meter_id: uuid.UUID
    tiers: TiersInput
    cap_amount: JsonInt | None = None


class ExistingPrice(Command):
    id: uuid.UUID


def _price_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        if "amount_type" not in value and "id" in value:
            return "existing"
        tag = value.get("amount_type")
        return tag if isinstance(tag, str) else None
    if isinstance(value, ExistingPrice):
        return "existing"
    tag = getattr(value, "amount_type", None)
    return tag if isinstance(tag, str) else None


_NEW_PRICES = (
    Annotated[FixedPriceCreate, Tag("fixed")]
    | Annotated[CustomPriceCreate, Tag("custom")]
    | Annotated[SeatBasedPriceCreate, Tag("seat_based")]
    | Annotated[UnitBasedPriceCreate, Tag("unit_based")]
    | Annotated[MeteredUnitPriceCreate, Tag("metered_unit")]
    | Annotated[MeteredTiersPriceCreate, Tag("metered_tiers")]
)
PriceCreate = Annotated[_NEW_PRICES, Discriminator(_price_tag)]
PriceUpdate = Annotated[
    Annotated[ExistingPrice, Tag("existing")] | _NEW_PRICES, Discriminator(_price_tag)
]
PriceInput = (
    FixedPriceCreate
    | CustomPriceCreate
    | SeatBasedPriceCreate
    | UnitBasedPriceCreate
    | MeteredUnitPriceCreate
    | MeteredTiersPriceCreate
)


class ProductCreate(Command):
    name: ProductName
    description: str | None = None
    visibility: Visibility = Visibility.public
    prices: Annotated[list[PriceCreate], Field(min_length=1, max_length=MAX_PRICES)]
    medias: Medias | None = None
    attached_custom_fields: CustomFields | None = None
    organization_id: uuid.UUID | None = None
    metadata: Metadata = Field(default_factory=dict)
    # Absent or null: a one-time product. A recurring one defaults to a count of 1.
    recurring_interval: Interval | None = None
    recurring_interval_count: JsonInt | None = None
    trial_interval: Interval | None = None
    trial_interval_count: JsonInt | None = None


class ProductUpdate(Command):
    """Fields left out are unchanged. `null` clears `description` and the trial; for the
    others it leaves them as they are."""

    name: ProductName | None = None
    description: str | None = None
    visibility: Visibility | None = None
    is_archived: StrictBool | None = None
    # Set once at creation; repeating the current value is accepted.
    recurring_interval: Interval | None = None
    recurring_interval_count: JsonInt | None = None
    trial_interval: Interval | None = None
    trial_interval_count: JsonInt | None = None
    prices: Annotated[list[PriceUpdate], Field(min_length=1, max_length=MAX_PRICES)] | None = None
    medias: Medias | None = None
    attached_custom_fields: CustomFields | None = None
    metadata: Metadata | None = None


class ProductBenefitsUpdate(Command):
    """The benefits a product grants, in order; replaces the previous list."""

    benefits: Annotated[list[uuid.UUID], Field(max_length=MAX_BENEFITS_PER_PRODUCT)]
