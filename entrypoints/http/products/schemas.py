"""Wire format of products (Polar's `Product`) and their prices (`ProductPriceFixed`,
`ProductPriceCustom`, `ProductPriceSeatBased`, `ProductPriceUnitBased`,
`ProductPriceMeteredUnit`, `ProductPriceMeteredTiers`).

A product's `attached_custom_fields` are Polar's `AttachedCustomField`s, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import UUID4, Field

from application.kit.metadata import MetadataValue
from application.kit.registry import Registry
from domain.file import File
from domain.price import (
    CustomPrice,
    FixedPrice,
    MeteredPrice,
    MeteredTiersPrice,
    MeteredUnitPrice,
    Price,
    SeatBasedPrice,
    TierType,
    UnitBasedPrice,
    UnitTier,
)
from domain.product import Product
from entrypoints.http.benefits.schemas import BenefitSchema, benefit_wire
from entrypoints.http.custom_fields.schemas import CustomFieldSchema, custom_field_wire
from entrypoints.http.files.schemas import PublicFileRead, public_file_wire
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class _PriceBase(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    source: Literal["catalog", "ad_hoc"]
    price_currency: str
    tax_behavior: Literal["location", "inclusive", "exclusive"] | None
    is_archived: bool
    product_id: UUID4


class ProductPriceFixed(_PriceBase):
    amount_type: Literal["fixed"]
    price_amount: int


class ProductPriceCustom(_PriceBase):
    amount_type: Literal["custom"]
    minimum_amount: int
    maximum_amount: int | None
    preset_amount: int | None


class ProductPriceSeatTier(Schema):
    min_seats: int
    max_seats: int | None
    price_per_seat: int


class ProductPriceSeatTiersOutput(Schema):
    seat_tier_type: Literal["volume", "graduated"] | None
    tiers: list[ProductPriceSeatTier]
    minimum_seats: int
    maximum_seats: int | None


class ProductPriceSeatBased(_PriceBase):
    amount_type: Literal["seat_based"]
    seat_tiers: ProductPriceSeatTiersOutput


class Tier(Schema):
    bound: int | None
    unit_amount: str


class Tiers(Schema):
    type: Literal["volume", "graduated"]
    tiers: list[Tier]


class ProductPriceUnitBased(_PriceBase):
    amount_type: Literal["unit_based"]
    tiers: Tiers
    minimum_units: int | None
    unit_label: dict[str, dict[str, str]] | None
    maximum_units: int | None


class ProductPriceMeter(Schema):
    """The meter a metered price bills, as shown with the price."""

    id: UUID4
    name: str
    unit: Literal["scalar", "token", "custom"]
    custom_label: str | None
    custom_multiplier: int | None


class ProductPriceMeteredUnit(_PriceBase):
    amount_type: Literal["metered_unit"]
    cap_amount: int | None
    meter_id: UUID4
    meter: ProductPriceMeter
    unit_amount: str


class ProductPriceMeteredTiers(_PriceBase):
    amount_type: Literal["metered_tiers"]
    cap_amount: int | None
    meter_id: UUID4
    meter: ProductPriceMeter
    tiers: Tiers


ProductPriceSchema = Annotated[
    ProductPriceFixed
    | ProductPriceCustom
    | ProductPriceSeatBased
    | ProductPriceUnitBased
    | ProductPriceMeteredUnit
    | ProductPriceMeteredTiers,
    Field(discriminator="amount_type"),
]


class AttachedCustomField(Schema):
    """Schema of a custom field attached to a resource."""

    custom_field_id: UUID4 = Field(description="ID of the custom field.")
    custom_field: CustomFieldSchema
    order: int = Field(description="Order of the custom field in the resource.")
    required: bool = Field(description="Whether the value is required for this custom field.")


class ProductSchema(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    trial_interval: str | None
    trial_interval_count: int | None
    name: str
    description: str | None
    visibility: str
    recurring_interval: str | None
    recurring_interval_count: int | None
    meter_interval: str | None
    meter_interval_count: int | None
    is_recurring: bool
    is_archived: bool
    organization_id: UUID4
    metadata: dict[str, MetadataValue]
    is_deletable: bool
    prices: list[ProductPriceSchema]
    benefits: list[BenefitSchema]
    medias: list[PublicFileRead]
    attached_custom_fields: list[AttachedCustomField]


MediaUrl = Callable[[File], str | None]


def _media_wire(file: File, media_url: MediaUrl) -> Wire:
    url = media_url(file)
    assert url is not None, "product media are public files"
    return public_file_wire(file, url)


def _decimal(value: Decimal) -> str:
    """A rate as plain decimal text ("0.5", "12"), never in exponent form."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _tiers_wire(tier_type: TierType, tiers: Sequence[UnitTier]) -> Wire:
    return {
        "type": tier_type.value,
        "tiers": [{"bound": t.bound, "unit_amount": _decimal(t.unit_amount)} for t in tiers],
    }


# Each price type's own fields, after the ones every price has and its `amount_type`.
PRICE_WIRES: Registry[type[Price], Callable[[Any, Wire], None]] = Registry("price wire format")


@wire_format(ProductPriceSchema)
def price_wire(p: Price) -> Wire:
    """A price's wire document, in its schema's field order."""
    wire: Wire = {
        "created_at": p.created_at,
        "modified_at": p.modified_at,
        "id": p.id,
        "source": p.source.value,
        "price_currency": p.currency,
        "tax_behavior": p.tax_behavior,
        "is_archived": p.is_archived,
        "product_id": p.product_id,
        "amount_type": p.amount_type.value,
    }
    PRICE_WIRES[type(p)](p, wire)
    return wire


@PRICE_WIRES.register(FixedPrice)
def _fixed(p: FixedPrice, wire: Wire) -> None:
    wire["price_amount"] = p.amount


@PRICE_WIRES.register(CustomPrice)
def _custom(p: CustomPrice, wire: Wire) -> None:
    wire["minimum_amount"] = p.minimum_amount
    wire["maximum_amount"] = p.maximum_amount
    wire["preset_amount"] = p.preset_amount


@PRICE_WIRES.register(SeatBasedPrice)
def _seat_based(p: SeatBasedPrice, wire: Wire) -> None:
    wire["seat_tiers"] = {
        "seat_tier_type": None if p.seat_tier_type is None else p.seat_tier_type.value,
        "tiers": [
            {"min_seats": t.min_seats, "max_seats": t.max_seats, "price_per_seat": t.price_per_seat}
            for t in p.tiers
        ],
        "minimum_seats": p.minimum_seats,
        "maximum_seats": p.maximum_seats,
    }


@PRICE_WIRES.register(UnitBasedPrice)
def _unit_based(p: UnitBasedPrice, wire: Wire) -> None:
    wire["tiers"] = _tiers_wire(p.tier_type, p.tiers)
    wire["minimum_units"] = p.minimum_units
    wire["unit_label"] = p.unit_label
    wire["maximum_units"] = p.maximum_units


def _metered(p: MeteredPrice, wire: Wire) -> None:
    meter = p.meter
    assert meter is not None, "metered prices are loaded with their meter"
    wire["cap_amount"] = p.cap_amount
    wire["meter_id"] = p.meter_id
    wire["meter"] = {
        "id": meter.id,
        "name": meter.name,
        "unit": meter.unit.value,
        "custom_label": meter.custom_label,
        "custom_multiplier": meter.custom_multiplier,
    }


@PRICE_WIRES.register(MeteredUnitPrice)
def _metered_unit(p: MeteredUnitPrice, wire: Wire) -> None:
    _metered(p, wire)
    wire["unit_amount"] = _decimal(p.unit_amount)


@PRICE_WIRES.register(MeteredTiersPrice)
def _metered_tiers(p: MeteredTiersPrice, wire: Wire) -> None:
    _metered(p, wire)
    wire["tiers"] = _tiers_wire(p.tier_type, p.tiers)


def product_fields(p: Product) -> Wire:
    """A product's own fields (not its prices, benefits or media), in ProductSchema's order."""
    return {
        "id": p.id,
        "created_at": p.created_at,
        "modified_at": p.modified_at,
        "trial_interval": None if p.trial_interval is None else p.trial_interval.value,
        "trial_interval_count": p.trial_interval_count,
        "name": p.name,
        "description": p.description,
        "visibility": p.visibility.value,
        "recurring_interval": None if p.recurring_interval is None else p.recurring_interval.value,
        "recurring_interval_count": p.recurring_interval_count,
        "meter_interval": None,
        "meter_interval_count": None,
        "is_recurring": p.is_recurring,
        "is_archived": p.is_archived,
        "organization_id": p.organization_id,
        "metadata": p.metadata,
    }


@wire_format(ProductSchema)
def product_wire(p: Product, media_url: MediaUrl) -> Wire:
    """A product's wire document, in ProductSchema's field order; `media_url` gives a media
    file's public URL (FileUseCases.public_url)."""
    wire = product_fields(p)
    wire["is_deletable"] = p.is_deletable
    wire["prices"] = [price_wire(price) for price in p.prices]
    wire["benefits"] = [benefit_wire(b) for b in p.benefits]
    wire["medias"] = [_media_wire(m, media_url) for m in p.medias]
    wire["attached_custom_fields"] = attached_custom_fields_wire(p)
    return wire


def attached_custom_fields_wire(p: Product) -> list[Wire]:
    """The custom fields `p` asks at checkout, in order (Polar's `AttachedCustomField`)."""
    return [
        {
            "custom_field_id": a.custom_field.id,
            "custom_field": custom_field_wire(a.custom_field),
            "order": a.order,
            "required": a.required,
        }
        for a in p.attached_custom_fields
    ]
