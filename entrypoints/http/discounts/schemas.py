"""Wire format of discounts (Polar's `Discount`: four shapes by type and duration).

`type` and `duration` are literals in each shape, so exactly one shape matches a discount.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import UUID4, Field

from domain.discount import Discount, DiscountDuration, DiscountType, MetadataValue
from domain.product import Product
from entrypoints.http.kit.schemas import Schema
from entrypoints.http.products.schemas import product_fields


class DiscountProductSchema(Schema):
    """A product a discount is restricted to (Polar's `DiscountProduct`)."""

    metadata: dict[str, MetadataValue]
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


class _DiscountBase(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    metadata: dict[str, MetadataValue]
    name: str
    code: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    max_redemptions: int | None
    max_redemptions_per_customer: int | None
    redemptions_count: int
    organization_id: UUID4
    products: list[DiscountProductSchema]


class _Fixed(Schema):
    type: Literal["fixed"]
    # `amount` and `currency` are the client's deprecated single-currency view of `amounts`.
    amount: int
    currency: str
    amounts: dict[str, int]


class _Percentage(Schema):
    type: Literal["percentage"]
    basis_points: int


class _OnceForever(Schema):
    duration: Literal["once", "forever"]


class _Repeat(Schema):
    duration: Literal["repeating"]
    duration_in_months: int


class DiscountFixedOnceForeverDuration(_DiscountBase, _Fixed, _OnceForever):
    """A fixed amount discount applied once or forever."""


class DiscountFixedRepeatDuration(_DiscountBase, _Fixed, _Repeat):
    """A fixed amount discount applied on every invoice for a number of months."""


class DiscountPercentageOnceForeverDuration(_DiscountBase, _Percentage, _OnceForever):
    """A percentage discount applied once or forever."""


class DiscountPercentageRepeatDuration(_DiscountBase, _Percentage, _Repeat):
    """A percentage discount applied on every invoice for a number of months."""


DiscountSchema = Annotated[
    DiscountFixedOnceForeverDuration
    | DiscountFixedRepeatDuration
    | DiscountPercentageOnceForeverDuration
    | DiscountPercentageRepeatDuration,
    Field(title="Discount"),
]


def discount_product_schema(p: Product) -> DiscountProductSchema:
    return DiscountProductSchema.model_validate(product_fields(p))


def discount_schema(
    d: Discount, products: Mapping[uuid.UUID, Product]
) -> (
    DiscountFixedOnceForeverDuration
    | DiscountFixedRepeatDuration
    | DiscountPercentageOnceForeverDuration
    | DiscountPercentageRepeatDuration
):
    """The wire shape of `d`; `products` holds (at least) the live products it is restricted
    to, by id (see DiscountService.restricted_products). A deleted one is left out."""
    common: dict[str, Any] = {
        "created_at": d.created_at,
        "modified_at": d.modified_at,
        "id": d.id,
        "metadata": d.metadata,
        "name": d.name,
        "code": d.code,
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "max_redemptions": d.max_redemptions,
        "max_redemptions_per_customer": d.max_redemptions_per_customer,
        "redemptions_count": d.redemptions_count,
        "organization_id": d.organization_id,
        "products": [discount_product_schema(products[i]) for i in d.product_ids if i in products],
        "duration": d.duration.value,
    }
    repeating = d.duration is DiscountDuration.repeating
    if d.type is DiscountType.fixed:
        assert d.currency is not None and d.amount is not None
        fixed = {
            **common,
            "type": "fixed",
            "amount": d.amount,
            "currency": d.currency,
            "amounts": dict(d.amounts),
        }
        if repeating:
            return DiscountFixedRepeatDuration(**fixed, duration_in_months=d.duration_in_months)
        return DiscountFixedOnceForeverDuration(**fixed)
    percentage = {**common, "type": "percentage", "basis_points": d.basis_points}
    if repeating:
        return DiscountPercentageRepeatDuration(
            **percentage, duration_in_months=d.duration_in_months
        )
    return DiscountPercentageOnceForeverDuration(**percentage)
