"""Prices: what a product costs in one currency, by a fixed amount, what the buyer chooses, seats,
units bought up front or a meter's usage.

A price never changes once created: a merchant who wants another amount sends the product's full
price list, keeping prices by id and describing new ones; any price left out is archived. That
keeps every order and subscription pointing at the exact price it was sold at.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from domain.base import Entity
from domain.errors import InvariantViolation
from domain.meter import MeterSummary

MAX_AMOUNT = 99_999_999  # cents; what card networks accept in one charge


class AmountType(StrEnum):
    fixed = "fixed"
    custom = "custom"
    seat_based = "seat_based"
    unit_based = "unit_based"
    metered_unit = "metered_unit"
    metered_tiers = "metered_tiers"


class TierType(StrEnum):
    # Every unit costs the rate of the tier the whole quantity falls in.
    volume = "volume"
    # Each unit costs the rate of the tier it falls in (the first 10 at one rate, the next…).
    graduated = "graduated"


class PriceSource(StrEnum):
    catalog = "catalog"
    ad_hoc = "ad_hoc"


def _amount(field_name: str, value: int, *, minimum: int = 0) -> int:
    if not minimum <= value <= MAX_AMOUNT:
        raise InvariantViolation(field_name, f"Must be between {minimum} and {MAX_AMOUNT} (cents).")
    return value


@dataclass(kw_only=True)
class Price(Entity):
    """What a product costs in one currency. Immutable but for archiving."""

    product_id: uuid.UUID
    currency: str = "usd"
    is_archived: bool = False
    source: PriceSource = PriceSource.catalog
    # How tax applies ("location", "inclusive", "exclusive"); None follows the organization.
    tax_behavior: str | None = None

    amount_type: Any = None  # set by each variant

    @property
    def is_metered(self) -> bool:
        return self.amount_type in (AmountType.metered_unit, AmountType.metered_tiers)

    def archive(self, at: datetime) -> None:
        if not self.is_archived:
            self.is_archived = True
            self.modified_at = at

    def validate(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.islower():
            raise InvariantViolation("price_currency", "A lower-case ISO 4217 currency code.")

    def sort_amount(self) -> int | None:
        """The amount lists sort by (`price_amount`): the smallest charge this price allows."""
        return None


@dataclass(kw_only=True)
class FixedPrice(Price):
    amount: int
    amount_type: AmountType = AmountType.fixed

    def validate(self) -> None:
        super().validate()
        _amount("price_amount", self.amount)

    @property
    def is_free(self) -> bool:
        return self.amount == 0

    def sort_amount(self) -> int | None:
        return self.amount


@dataclass(kw_only=True)
class CustomPrice(Price):
    """Pay what you want, between bounds, with an optional suggested amount."""

    minimum_amount: int = 0
    maximum_amount: int | None = None
    preset_amount: int | None = None
    amount_type: AmountType = AmountType.custom

    def validate(self) -> None:
        super().validate()
        _amount("minimum_amount", self.minimum_amount)
        if self.maximum_amount is not None:
            _amount("maximum_amount", self.maximum_amount)
            if self.maximum_amount < self.minimum_amount:
                raise InvariantViolation("maximum_amount", "Must not be below the minimum amount.")
        if self.preset_amount is not None:
            _amount("preset_amount", self.preset_amount)
            upper = self.maximum_amount if self.maximum_amount is not None else MAX_AMOUNT
            if not self.minimum_amount <= self.preset_amount <= upper:
                raise InvariantViolation(
                    "preset_amount", "Must lie between the minimum and the maximum amount."
                )

    def sort_amount(self) -> int | None:
        return self.minimum_amount


@dataclass(frozen=True)
class SeatTier:
    min_seats: int
    max_seats: int | None
    price_per_seat: int


@dataclass(kw_only=True)
class SeatBasedPrice(Price):
    """A price per seat, by tiers of seat counts that follow each other without gaps."""

    tiers: list[SeatTier] = field(default_factory=list)
    # How tiers combine (see TierType); None leaves it to the checkout's default (volume).
    seat_tier_type: TierType | None = None
    amount_type: AmountType = AmountType.seat_based

    def validate(self) -> None:
        super().validate()
        if not self.tiers:
            raise InvariantViolation("seat_tiers", "At least one tier is required.")
        expected_min = self.tiers[0].min_seats
        if expected_min < 1:
            raise InvariantViolation("seat_tiers", "Seats start at 1.")
        for index, tier in enumerate(self.tiers):
            _amount("seat_tiers", tier.price_per_seat)
            if tier.min_seats != expected_min:
                raise InvariantViolation(
                    "seat_tiers", f"Tier {index + 1} must start at {expected_min} seats."
                )
            last = index == len(self.tiers) - 1
            if tier.max_seats is None:
                if not last:
                    raise InvariantViolation("seat_tiers", "Only the last tier may be unbounded.")
            else:
                if tier.max_seats < tier.min_seats:
                    raise InvariantViolation("seat_tiers", "A tier cannot end before it starts.")
                expected_min = tier.max_seats + 1

    @property
    def minimum_seats(self) -> int:
        return self.tiers[0].min_seats

    @property
    def maximum_seats(self) -> int | None:
        return self.tiers[-1].max_seats

    def sort_amount(self) -> int | None:
        return self.tiers[0].price_per_seat if self.tiers else None


MAX_TIERS = 100
# Units of a purchase or of a credit: PostgreSQL's integer range.
MAX_UNITS = 2_147_483_647
UNIT_AMOUNT_PLACES = 12


def _rate(field_name: str, value: Decimal, *, zero: bool = True) -> Decimal:
    """A per-unit rate in cents: at most MAX_AMOUNT, at most 12 decimal places, and zero or more
    (above zero when `zero` is false)."""
    # Finite first: comparing a NaN raises.
    if not value.is_finite() or value > MAX_AMOUNT or value < 0 or (value == 0 and not zero):
        message = (
            f"Must be between 0 and {MAX_AMOUNT} (cents)."
            if zero
            else f"Must be above 0 and at most {MAX_AMOUNT}."
        )
        raise InvariantViolation(field_name, message)
    if -value.as_tuple().exponent > UNIT_AMOUNT_PLACES:  # type: ignore[operator]
        raise InvariantViolation(field_name, f"At most {UNIT_AMOUNT_PLACES} decimal places.")
    return value


def _round_cents(value: Decimal) -> int:
    """Half up to the cent, as every charge is rounded."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class UnitTier:
    """Units up to and including `bound` (from where the previous tier ended) at `unit_amount`
    cents each. Only the last tier may be unbounded (`bound` None)."""

    bound: int | None
    unit_amount: Decimal


def validate_tiers(tiers: Sequence[UnitTier], *, unbounded_last: bool = False) -> None:
    """1 to MAX_TIERS tiers with increasing bounds and valid rates; only the last may be
    unbounded, and with `unbounded_last` it must be."""
    if not 1 <= len(tiers) <= MAX_TIERS:
        raise InvariantViolation("tiers.tiers", f"1 to {MAX_TIERS} tiers.")
    previous = 0
    for index, tier in enumerate(tiers):
        _rate(f"tiers.tiers.{index}.unit_amount", tier.unit_amount)
        last = index == len(tiers) - 1
        if tier.bound is None:
            if not last:
                raise InvariantViolation(
                    f"tiers.tiers.{index}.bound", "Only the last tier may be unbounded."
                )
        elif last and unbounded_last:
            raise InvariantViolation(
                f"tiers.tiers.{index}.bound",
                "Usage has no ceiling: the last tier is unbounded (bound null).",
            )
        elif not previous < tier.bound <= MAX_UNITS:
            raise InvariantViolation(
                f"tiers.tiers.{index}.bound",
                f"Bounds increase from one tier to the next, from 1 up to {MAX_UNITS}.",
            )
        else:
            previous = tier.bound


def tiered_amount(tier_type: TierType, tiers: Sequence[UnitTier], units: int | Decimal) -> int:
    """What `units` cost by these tiers, in cents (rounded half up once, on the total).

    `units` must not pass the last tier's bound; it may be fractional (usage summed or
    averaged from event properties)."""
    if units <= 0:
        return 0
    if tier_type is TierType.volume:
        tier = next(t for t in tiers if t.bound is None or units <= t.bound)
        return _round_cents(tier.unit_amount * units)
    total, start = Decimal(0), 0
    for tier in tiers:
        end = units if tier.bound is None else min(units, tier.bound)
        if end > start:
            total += tier.unit_amount * (end - start)
        if tier.bound is None or units <= tier.bound:
            break
        start = tier.bound
    return _round_cents(total)


@dataclass(kw_only=True)
class UnitBasedPrice(Price):
    """The buyer picks a quantity of units and pays for it up front, priced by tiers."""

    tier_type: TierType = TierType.volume
    tiers: list[UnitTier] = field(default_factory=list)
    minimum_units: int = 1
    # Per-locale nouns for the unit, e.g. {"en": {"=1": "device", "other": "devices"}}.
    unit_label: dict[str, dict[str, str]] | None = None
    amount_type: AmountType = AmountType.unit_based

    def validate(self) -> None:
        super().validate()
        validate_tiers(self.tiers)
        upper = self.maximum_units if self.maximum_units is not None else MAX_UNITS
        if not 1 <= self.minimum_units <= upper:
            raise InvariantViolation(
                "minimum_units", f"Must be between 1 and the last tier's bound ({upper})."
            )

    @property
    def maximum_units(self) -> int | None:
        return self.tiers[-1].bound if self.tiers else None

    def amount_for(self, units: int) -> int:
        """What `units` units cost, in cents (rounded half up once, on the total)."""
        upper = self.maximum_units if self.maximum_units is not None else MAX_UNITS
        if not self.minimum_units <= units <= upper:
            raise InvariantViolation(
                "quantity", f"Between {self.minimum_units} and {upper} units can be bought."
            )
        return tiered_amount(self.tier_type, self.tiers, units)

    def sort_amount(self) -> int | None:
        return self.amount_for(self.minimum_units) if self.tiers else None


def parse_unit_amount(value: str | float | Decimal) -> Decimal:
    """A per-unit amount in cents, possibly fractional (e.g. "0.05" of a cent per token)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise InvariantViolation("unit_amount", "Not a number.") from error
    return _rate("unit_amount", amount, zero=False)


@dataclass(kw_only=True)
class MeteredPrice(Price):
    """Billed on a meter's usage at the end of each period, optionally capped."""

    meter_id: uuid.UUID
    cap_amount: int | None = None
    # The meter's name and unit, as loaded with the price (shown with it).
    meter: MeterSummary | None = None

    def validate(self) -> None:
        super().validate()
        if self.cap_amount is not None:
            _amount("cap_amount", self.cap_amount)

    def capped(self, amount: int) -> int:
        return amount if self.cap_amount is None else min(amount, self.cap_amount)


@dataclass(kw_only=True)
class MeteredUnitPrice(MeteredPrice):
    """The same rate for every unit used."""

    unit_amount: Decimal
    amount_type: AmountType = AmountType.metered_unit

    def validate(self) -> None:
        super().validate()
        parse_unit_amount(self.unit_amount)

    def amount_for(self, units: int | Decimal) -> int:
        """What `units` of usage (possibly fractional) cost in a period, in cents (rounded half
        up, then capped)."""
        return self.capped(_round_cents(self.unit_amount * max(units, 0)))


@dataclass(kw_only=True)
class MeteredTiersPrice(MeteredPrice):
    """Rates by tiers of usage; the last tier is unbounded."""

    tier_type: TierType = TierType.graduated
    tiers: list[UnitTier] = field(default_factory=list)
    amount_type: AmountType = AmountType.metered_tiers

    def validate(self) -> None:
        super().validate()
        validate_tiers(self.tiers, unbounded_last=True)

    def amount_for(self, units: int | Decimal) -> int:
        """What `units` of usage (possibly fractional) cost in a period, in cents (rounded half
        up, then capped)."""
        return self.capped(tiered_amount(self.tier_type, self.tiers, units))


@dataclass(frozen=True)
class KeepPrice:
    """In a price update: keep the existing price with this id."""

    id: uuid.UUID


def creation_time(at: datetime, index: int) -> datetime:
    """When the `index`-th of several prices created together at `at` was created: a microsecond
    apart each, so that prices listed by creation time keep the order they were sent in."""
    return at + timedelta(microseconds=index)


def validate_price_set(prices: Sequence[Price], *, recurring: bool) -> None:
    """The rules a product's live prices obey together."""
    live = [p for p in prices if not p.is_archived]
    if not live:
        raise InvariantViolation("prices", "A product needs at least one price.")
    currencies = {p.currency for p in live}
    if len(currencies) > 1:
        raise InvariantViolation("prices", "All prices of a product use the same currency.")
    static = [p for p in live if not p.is_metered]
    if len(static) > 1:
        raise InvariantViolation(
            "prices", "A product has at most one fixed, custom, seat-based or unit-based price."
        )
    metered = [p for p in live if isinstance(p, MeteredPrice)]
    if metered and not recurring:
        raise InvariantViolation("prices", "Metered prices need a recurring product.")
    meters = [p.meter_id for p in metered]
    if len(meters) != len(set(meters)):
        raise InvariantViolation("prices", "Each meter can be priced once per product.")
    for price in live:
        price.validate()
