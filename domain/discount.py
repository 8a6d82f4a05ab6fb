"""Discounts: a percentage or a fixed amount off a price, for some time, for some products.

Rules kept here:

- A percentage discount takes `basis_points` (1 to 10 000, i.e. 0.01 % to 100 %) and no amount.
- A fixed discount takes an amount in minor units (cents) per currency (`amounts`, at least one,
  each above zero) and no basis points. `currency` names the amount reported by the API's
  single-currency `amount`/`currency` fields; it is always one of `amounts`.
- `duration` is once, forever or repeating; `duration_in_months` (1 to 999) is set exactly when
  the duration is repeating. A discount's type and duration never change after creation.
- Once redeemed, a discount's value (basis points, amounts) no longer changes: orders already
  carry it.
- `code` is optional: 3 to 256 ASCII letters and digits, stored as given. Two live discounts of
  one organization cannot share a code, compared case-insensitively (the repositories enforce
  it). Polar accepts any Unicode alphanumerics; ASCII keeps "case-insensitive" meaning the same
  thing in Python and in PostgreSQL.
- `ends_at` is after `starts_at`; `max_redemptions` and `max_redemptions_per_customer` are ≥ 1.

Amount arithmetic (`amount_off`, `percentage_off`, `fixed_off`) works on integers only:

- a percentage rounds half up to the cent (12.5 cents off → 13 cents), like Polar's rounding;
- a discount never takes more than the price nor less than nothing;
- a fixed discount has no amount in a currency it does not list: asking for one is refused
  (InvariantViolation on `currency`) rather than answered with zero, so that a checkout cannot
  silently show a discount that takes nothing. Callers check `applies_to_currency` first.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.base import Entity
from domain.errors import InvariantViolation

NAME_MAX_LENGTH = 256
CODE_MIN_LENGTH = 3
CODE_MAX_LENGTH = 256
_CODE_RE = re.compile(r"[A-Za-z0-9]+")
_CURRENCY_RE = re.compile(r"[a-z]{3}")
MIN_BASIS_POINTS = 1
MAX_BASIS_POINTS = 10_000
MAX_AMOUNT = 999_999_999_999  # cents; Polar's bound for a fixed discount
MIN_DURATION_IN_MONTHS = 1
MAX_DURATION_IN_MONTHS = 999
MAX_REDEMPTIONS = 2_147_483_647  # fits the INTEGER column


class DiscountType(StrEnum):
    percentage = "percentage"
    fixed = "fixed"


class DiscountDuration(StrEnum):
    once = "once"
    forever = "forever"
    repeating = "repeating"


MetadataValue = str | int | float | bool


# --- arithmetic ---------------------------------------------------------------------------------


def _check_price(amount: int) -> None:
    if amount < 0:
        raise InvariantViolation("amount", "A price amount cannot be negative.")


def percentage_off(amount: int, basis_points: int) -> int:
    """What `basis_points` take off `amount` (cents), rounded half up to the cent."""
    _check_price(amount)
    if not MIN_BASIS_POINTS <= basis_points <= MAX_BASIS_POINTS:
        raise InvariantViolation(
            "basis_points", f"Must be between {MIN_BASIS_POINTS} and {MAX_BASIS_POINTS}."
        )
    # Integer arithmetic: floats would misround amounts such as 1005 x 50 %.
    return (amount * basis_points + MAX_BASIS_POINTS // 2) // MAX_BASIS_POINTS


def fixed_off(amount: int, discount: int) -> int:
    """What a fixed `discount` (cents) takes off `amount` (cents): never more than the amount."""
    _check_price(amount)
    if discount <= 0:
        raise InvariantViolation("amount", "A fixed discount must be above zero.")
    return min(amount, discount)


# --- validation ---------------------------------------------------------------------------------


def validate_name(name: str) -> str:
    stripped = name.strip()
    if not stripped:
        raise InvariantViolation("name", "Name cannot be empty.")
    if len(stripped) > NAME_MAX_LENGTH:
        raise InvariantViolation("name", f"Name must be at most {NAME_MAX_LENGTH} characters.")
    return stripped


def validate_code(code: str | None) -> str | None:
    if code is None:
        return None
    if not CODE_MIN_LENGTH <= len(code) <= CODE_MAX_LENGTH:
        raise InvariantViolation(
            "code", f"Code must be between {CODE_MIN_LENGTH} and {CODE_MAX_LENGTH} characters long."
        )
    if not _CODE_RE.fullmatch(code):
        raise InvariantViolation("code", "Code must contain only letters A-Z and digits.")
    return code


def code_key(code: str) -> str:
    """The form two codes are compared in: case-insensitive."""
    return code.lower()


def _validate_amounts(amounts: Mapping[str, int], currency: str | None) -> None:
    if not amounts:
        raise InvariantViolation("amounts", "A fixed discount needs an amount.")
    for key, value in amounts.items():
        if not _CURRENCY_RE.fullmatch(key):
            raise InvariantViolation("amounts", f"{key!r} is not a lower-case ISO 4217 currency.")
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvariantViolation("amounts", "Amounts are integers in minor units (cents).")
        if not 0 < value <= MAX_AMOUNT:
            raise InvariantViolation(
                "amounts", f"Amounts must be between 1 and {MAX_AMOUNT} (cents)."
            )
    if currency is None or currency not in amounts:
        raise InvariantViolation("currency", "The currency must be one of the amounts' currencies.")


@dataclass(kw_only=True)
class Discount(Entity):
    organization_id: uuid.UUID
    name: str
    type: DiscountType
    duration: DiscountDuration
    duration_in_months: int | None = None
    basis_points: int | None = None
    # Fixed discounts: currency → amount in minor units; `currency` is the one reported first.
    amounts: dict[str, int] = field(default_factory=dict)
    currency: str | None = None
    code: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_redemptions: int | None = None
    max_redemptions_per_customer: int | None = None
    redemptions_count: int = 0
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    # Products the discount is restricted to; empty means every product of the organization.
    product_ids: list[uuid.UUID] = field(default_factory=list)

    @classmethod
    def create(cls, *, at: datetime, **attributes: Any) -> Discount:
        discount = cls(created_at=at, **attributes)
        discount.name = validate_name(discount.name)
        discount.validate()
        return discount

    def validate(self) -> None:
        """Raise InvariantViolation naming the first attribute that breaks a rule."""
        validate_name(self.name)
        validate_code(self.code)
        if self.type is DiscountType.percentage:
            if self.basis_points is None:
                raise InvariantViolation(
                    "basis_points", "A percentage discount needs basis points."
                )
            if not MIN_BASIS_POINTS <= self.basis_points <= MAX_BASIS_POINTS:
                raise InvariantViolation(
                    "basis_points",
                    f"Basis points must be between {MIN_BASIS_POINTS} and {MAX_BASIS_POINTS}.",
                )
            if self.amounts:
                raise InvariantViolation("amounts", "Only fixed discounts have amounts.")
            if self.currency is not None:
                raise InvariantViolation("currency", "Only fixed discounts have a currency.")
        else:
            if self.basis_points is not None:
                raise InvariantViolation(
                    "basis_points", "Only percentage discounts have basis points."
                )
            _validate_amounts(self.amounts, self.currency)
        if self.duration is DiscountDuration.repeating:
            if self.duration_in_months is None:
                raise InvariantViolation(
                    "duration_in_months", "A repeating discount needs duration_in_months."
                )
            if not MIN_DURATION_IN_MONTHS <= self.duration_in_months <= MAX_DURATION_IN_MONTHS:
                raise InvariantViolation(
                    "duration_in_months",
                    f"duration_in_months must be between {MIN_DURATION_IN_MONTHS} "
                    f"and {MAX_DURATION_IN_MONTHS}.",
                )
        elif self.duration_in_months is not None:
            raise InvariantViolation(
                "duration_in_months", "duration_in_months is only for repeating discounts."
            )
        if (
            self.starts_at is not None
            and self.ends_at is not None
            and self.ends_at <= self.starts_at
        ):
            raise InvariantViolation("ends_at", "ends_at must be after starts_at.")
        for name in ("max_redemptions", "max_redemptions_per_customer"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= MAX_REDEMPTIONS:
                raise InvariantViolation(name, f"{name} must be between 1 and {MAX_REDEMPTIONS}.")
        if self.redemptions_count < 0:
            raise InvariantViolation("redemptions_count", "Redemptions cannot be negative.")

    def revise(self, changes: Mapping[str, Any]) -> None:
        """Apply `changes` (attribute → value) if the result keeps every rule; else change nothing."""
        if "type" in changes and changes["type"] != self.type:
            raise InvariantViolation("type", "The type of a discount cannot be changed.")
        if "duration" in changes and changes["duration"] != self.duration:
            raise InvariantViolation("duration", "The duration of a discount cannot be changed.")
        if self.redemptions_count > 0:
            for name in ("basis_points", "amounts", "currency"):
                if name in changes and changes[name] != getattr(self, name):
                    raise InvariantViolation(
                        name,
                        "This field cannot be changed because the discount has already "
                        "been redeemed.",
                    )
        candidate = replace(self, **changes)
        if "name" in changes:
            candidate.name = validate_name(candidate.name)
        candidate.validate()
        for name in changes:
            setattr(self, name, getattr(candidate, name))

    # --- use ------------------------------------------------------------------------------------

    @property
    def amount(self) -> int | None:
        """The fixed amount in `currency` (None for a percentage discount)."""
        return None if self.currency is None else self.amounts.get(self.currency)

    def applies_to_currency(self, currency: str) -> bool:
        return self.type is DiscountType.percentage or currency.lower() in self.amounts

    def applies_to_product(self, product_id: uuid.UUID) -> bool:
        return not self.product_ids or product_id in self.product_ids

    def is_redeemable(self, at: datetime) -> bool:
        """Whether a customer may use the discount at `at` (dates and overall redemptions)."""
        if self.deleted_at is not None:
            return False
        if self.starts_at is not None and at < self.starts_at:
            return False
        if self.ends_at is not None and at >= self.ends_at:
            return False
        return self.max_redemptions is None or self.redemptions_count < self.max_redemptions

    def redeem(self, at: datetime, customer_redemptions: int) -> None:
        """Count one more redemption, by a customer who has redeemed it `customer_redemptions`
        times before. Raises InvariantViolation when the discount is not redeemable anymore
        (dates, overall limit) or that customer reached its own limit."""
        if not self.is_redeemable(at):
            raise InvariantViolation("discount_code", "This discount code is not valid anymore.")
        limit = self.max_redemptions_per_customer
        if limit is not None and customer_redemptions >= limit:
            raise InvariantViolation(
                "discount_code", "This discount code was already used the most times it can be."
            )
        self.redemptions_count += 1
        self.modified_at = at

    def release(self, at: datetime) -> None:
        """Give back one redemption (its payment failed)."""
        self.redemptions_count = max(self.redemptions_count - 1, 0)
        self.modified_at = at

    def amount_off(self, amount: int, currency: str) -> int:
        """What the discount takes off a price of `amount` cents in `currency`."""
        if self.type is DiscountType.percentage:
            assert self.basis_points is not None
            return percentage_off(amount, self.basis_points)
        value = self.amounts.get(currency.lower())
        if value is None:
            raise InvariantViolation(
                "currency", f"This discount has no amount in {currency.lower()!r}."
            )
        return fixed_off(amount, value)
