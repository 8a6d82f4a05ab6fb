"""Inputs of the discount use cases (also the request bodies of the HTTP API).

The shapes follow the client's `DiscountPercentageCreate`, `DiscountFixedCreate` and
`DiscountUpdate`. Types and ranges are checked here; the rules that tie fields together
(a percentage has basis points, a repeating discount has months, ends after starts…) are the
domain's (domain/discount.py).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from application.kit.inputs import Command, JsonInt, UtcTimestamp
from application.kit.metadata import MetadataInput
from domain.discount import (
    CODE_MAX_LENGTH,
    MAX_AMOUNT,
    MAX_BASIS_POINTS,
    MAX_DURATION_IN_MONTHS,
    MAX_REDEMPTIONS,
    MIN_BASIS_POINTS,
    MIN_DURATION_IN_MONTHS,
    NAME_MAX_LENGTH,
    DiscountDuration,
    DiscountType,
)

# Restricting a discount to more products than this is surely a mistake.
MAX_PRODUCTS = 1000


def _empty_to_none(value: object) -> object:
    return None if value == "" else value


DiscountName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)
]
# The format (3 to 256 letters and digits) is a domain rule; this only bounds the input.
DiscountCode = Annotated[
    Annotated[str, StringConstraints(max_length=CODE_MAX_LENGTH)] | None,
    BeforeValidator(_empty_to_none),
]
Currency = Annotated[str, StringConstraints(pattern=r"^[a-z]{3}$")]
Amount = Annotated[JsonInt, Field(gt=0, le=MAX_AMOUNT)]
Amounts = Annotated[dict[Currency, Amount], Field(min_length=1, max_length=200)]
BasisPoints = Annotated[JsonInt, Field(ge=MIN_BASIS_POINTS, le=MAX_BASIS_POINTS)]
DurationInMonths = Annotated[JsonInt, Field(ge=MIN_DURATION_IN_MONTHS, le=MAX_DURATION_IN_MONTHS)]
MaxRedemptions = Annotated[JsonInt, Field(ge=1, le=MAX_REDEMPTIONS)]
Metadata = MetadataInput
ProductIds = Annotated[list[uuid.UUID], Field(max_length=MAX_PRODUCTS)]


class _DiscountFields(Command):
    code: DiscountCode = None
    starts_at: UtcTimestamp | None = None
    ends_at: UtcTimestamp | None = None
    max_redemptions: MaxRedemptions | None = None
    max_redemptions_per_customer: MaxRedemptions | None = None
    duration_in_months: DurationInMonths | None = None
    basis_points: BasisPoints | None = None
    # A fixed discount: `amount` in `currency` (the client's deprecated single-currency form),
    # or `amounts` per currency.
    amount: Amount | None = None
    currency: Currency | None = None
    amounts: Amounts | None = None
    # Product ids are stored as given for now: see DiscountService.create.
    products: ProductIds | None = None


class DiscountCreate(_DiscountFields):
    name: DiscountName
    # Optional as in the client: inferred from basis_points (percentage) or amounts (fixed).
    type: DiscountType | None = None
    duration: DiscountDuration
    organization_id: uuid.UUID | None = None
    metadata: Metadata = Field(default_factory=dict)


class DiscountUpdate(_DiscountFields):
    """Fields left out are unchanged. `null` clears the optional ones (code, dates, limits);
    for required ones (name, type, duration, value, metadata, products) it leaves them as is."""

    name: DiscountName | None = None
    type: DiscountType | None = None
    duration: DiscountDuration | None = None
    metadata: Metadata | None = None
