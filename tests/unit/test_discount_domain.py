"""Discount rules and amount arithmetic (pure domain, no I/O)."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.discount import (
    MAX_AMOUNT,
    MAX_BASIS_POINTS,
    Discount,
    DiscountDuration,
    DiscountType,
    code_key,
    fixed_off,
    percentage_off,
)
from domain.errors import InvariantViolation

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ORG = uuid.uuid4()


def _percentage(**overrides: Any) -> Discount:
    attributes: dict[str, Any] = {
        "organization_id": ORG,
        "name": "Spring sale",
        "type": DiscountType.percentage,
        "duration": DiscountDuration.once,
        "basis_points": 2500,
    }
    return Discount.create(at=NOW, **{**attributes, **overrides})


def _fixed(**overrides: Any) -> Discount:
    attributes: dict[str, Any] = {
        "organization_id": ORG,
        "name": "Five off",
        "type": DiscountType.fixed,
        "duration": DiscountDuration.forever,
        "amounts": {"usd": 500},
        "currency": "usd",
    }
    return Discount.create(at=NOW, **{**attributes, **overrides})


def _violation(build: Any, **overrides: Any) -> InvariantViolation:
    with pytest.raises(InvariantViolation) as info:
        build(**overrides)
    return info.value


# --- creation rules -----------------------------------------------------------------------------


def test_a_valid_percentage_discount() -> None:
    discount = _percentage(name="  Spring sale ", code="SPRING25")
    assert discount.name == "Spring sale"
    assert discount.code == "SPRING25"
    assert discount.created_at == NOW
    assert discount.amount is None
    assert discount.redemptions_count == 0


def test_a_valid_fixed_discount_in_two_currencies() -> None:
    discount = _fixed(amounts={"usd": 500, "eur": 450}, currency="eur")
    assert discount.amount == 450
    assert discount.applies_to_currency("usd")
    assert discount.applies_to_currency("EUR")
    assert not discount.applies_to_currency("gbp")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 257}, "name"),
        ({"code": "ab"}, "code"),
        ({"code": "x" * 257}, "code"),
        ({"code": "SPRING-25"}, "code"),
        ({"code": "spring 25"}, "code"),
        ({"code": "ÉTÉ2026"}, "code"),  # letters beyond ASCII: see the module docstring
        ({"basis_points": None}, "basis_points"),
        ({"basis_points": 0}, "basis_points"),
        ({"basis_points": 10_001}, "basis_points"),
        ({"amounts": {"usd": 100}, "currency": "usd"}, "amounts"),
        ({"currency": "usd"}, "currency"),
        ({"duration": DiscountDuration.repeating}, "duration_in_months"),
        ({"duration": DiscountDuration.repeating, "duration_in_months": 0}, "duration_in_months"),
        (
            {"duration": DiscountDuration.repeating, "duration_in_months": 1000},
            "duration_in_months",
        ),
        ({"duration_in_months": 3}, "duration_in_months"),
        ({"starts_at": NOW, "ends_at": NOW}, "ends_at"),
        ({"starts_at": NOW, "ends_at": NOW - timedelta(seconds=1)}, "ends_at"),
        ({"max_redemptions": 0}, "max_redemptions"),
        ({"max_redemptions": 2**31}, "max_redemptions"),
        ({"max_redemptions_per_customer": 0}, "max_redemptions_per_customer"),
        ({"redemptions_count": -1}, "redemptions_count"),
    ],
)
def test_percentage_rules(overrides: dict[str, Any], field: str) -> None:
    assert _violation(_percentage, **overrides).field == field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amounts": {}, "currency": None}, "amounts"),
        ({"amounts": {"usd": 0}}, "amounts"),
        ({"amounts": {"usd": -5}}, "amounts"),
        ({"amounts": {"usd": MAX_AMOUNT + 1}}, "amounts"),
        ({"amounts": {"usd": True}}, "amounts"),
        ({"amounts": {"USD": 100}, "currency": "USD"}, "amounts"),
        ({"amounts": {"dollars": 100}, "currency": "dollars"}, "amounts"),
        ({"currency": "eur"}, "currency"),
        ({"currency": None}, "currency"),
        ({"basis_points": 1000}, "basis_points"),
    ],
)
def test_fixed_rules(overrides: dict[str, Any], field: str) -> None:
    assert _violation(_fixed, **overrides).field == field


def test_limits_and_dates_at_their_bounds_are_accepted() -> None:
    discount = _percentage(
        basis_points=MAX_BASIS_POINTS,
        duration=DiscountDuration.repeating,
        duration_in_months=999,
        starts_at=NOW,
        ends_at=NOW + timedelta(microseconds=1),
        max_redemptions=1,
        max_redemptions_per_customer=1,
        code="abc",
    )
    assert discount.duration_in_months == 999
    assert _percentage(basis_points=1, code="x" * 256).basis_points == 1
    assert _fixed(amounts={"usd": MAX_AMOUNT}).amount == MAX_AMOUNT


def test_codes_compare_ignoring_case() -> None:
    assert code_key("Spring25") == code_key("SPRING25") == code_key("spring25")


# --- revising -----------------------------------------------------------------------------------


def test_revise_applies_valid_changes() -> None:
    discount = _percentage()
    discount.revise({"name": " Summer ", "basis_points": 5000, "code": "SUMMER"})
    assert (discount.name, discount.basis_points, discount.code) == ("Summer", 5000, "SUMMER")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": DiscountType.fixed}, "type"),
        ({"duration": DiscountDuration.forever}, "duration"),
        ({"ends_at": NOW - timedelta(days=1), "starts_at": NOW}, "ends_at"),
        ({"code": "no"}, "code"),
        ({"duration_in_months": 2}, "duration_in_months"),
        ({"amounts": {"usd": 100}, "currency": "usd"}, "amounts"),
    ],
)
def test_revise_refuses_and_changes_nothing(changes: dict[str, Any], field: str) -> None:
    discount = _percentage(code="KEEPME")
    before = copy.deepcopy(discount)
    with pytest.raises(InvariantViolation) as info:
        discount.revise(changes)
    assert info.value.field == field
    assert discount == before


def test_the_same_type_and_duration_may_be_sent_again() -> None:
    discount = _fixed()
    discount.revise({"type": DiscountType.fixed, "duration": DiscountDuration.forever})
    assert discount.type is DiscountType.fixed


@pytest.mark.parametrize(
    ("build", "changes", "field"),
    [
        (_percentage, {"basis_points": 1000}, "basis_points"),
        (_fixed, {"amounts": {"usd": 600}}, "amounts"),
        (_fixed, {"amounts": {"usd": 500, "eur": 450}, "currency": "eur"}, "amounts"),
    ],
)
def test_the_value_is_frozen_once_redeemed(build: Any, changes: dict[str, Any], field: str) -> None:
    discount = build(redemptions_count=1)
    with pytest.raises(InvariantViolation) as info:
        discount.revise(changes)
    assert info.value.field == field
    # Before any redemption the same change is fine.
    fresh = build()
    fresh.revise(changes)


def test_a_redeemed_discount_keeps_other_changes_and_unchanged_values() -> None:
    discount = _fixed(redemptions_count=3)
    discount.revise({"amounts": {"usd": 500}, "currency": "usd", "name": "Renamed"})
    assert discount.name == "Renamed"
    assert discount.amount == 500


# --- use ----------------------------------------------------------------------------------------


def test_redeemable_between_dates_and_below_the_limit() -> None:
    discount = _percentage(
        starts_at=NOW, ends_at=NOW + timedelta(days=7), max_redemptions=2, redemptions_count=1
    )
    assert not discount.is_redeemable(NOW - timedelta(seconds=1))
    assert discount.is_redeemable(NOW)
    assert discount.is_redeemable(NOW + timedelta(days=7) - timedelta(seconds=1))
    assert not discount.is_redeemable(NOW + timedelta(days=7))
    discount.redemptions_count = 2
    assert not discount.is_redeemable(NOW)
    open_ended = _percentage()
    assert open_ended.is_redeemable(NOW + timedelta(days=10_000))
    open_ended.soft_delete(NOW)
    assert not open_ended.is_redeemable(NOW)


def test_product_restriction() -> None:
    product, other = uuid.uuid4(), uuid.uuid4()
    assert _percentage().applies_to_product(other)
    restricted = _percentage(product_ids=[product])
    assert restricted.applies_to_product(product)
    assert not restricted.applies_to_product(other)


# --- arithmetic ---------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10**12)
basis_points = st.integers(min_value=1, max_value=MAX_BASIS_POINTS)


@pytest.mark.parametrize(
    ("amount", "bp", "off"),
    [
        (1000, 2500, 250),
        (1005, 5000, 503),  # 502.5 rounds half up
        (1, 5000, 1),  # half a cent rounds up
        (1, 4999, 0),
        (999, 1, 0),  # 0.0999 cents
        (5000, 1, 1),  # exactly half a cent
        (1234, 10_000, 1234),
        (0, 10_000, 0),
    ],
)
def test_percentage_examples(amount: int, bp: int, off: int) -> None:
    assert percentage_off(amount, bp) == off


@given(amounts, basis_points)
@example(1, 5000)
@example(10**12, MAX_BASIS_POINTS)
def test_percentage_is_the_exact_share_rounded_half_up(amount: int, bp: int) -> None:
    off = percentage_off(amount, bp)
    exact = Fraction(amount * bp, MAX_BASIS_POINTS)
    assert 0 <= off <= amount
    assert -Fraction(1, 2) < off - exact <= Fraction(1, 2)
    # Half up: exactly half a cent goes to the customer.
    if exact - int(exact) == Fraction(1, 2):
        assert off == int(exact) + 1


@given(amounts, amounts, basis_points)
def test_percentage_grows_with_the_price(a: int, b: int, bp: int) -> None:
    low, high = sorted((a, b))
    assert percentage_off(low, bp) <= percentage_off(high, bp)


@given(amounts, basis_points, basis_points)
def test_percentage_grows_with_the_rate(amount: int, x: int, y: int) -> None:
    low, high = sorted((x, y))
    assert percentage_off(amount, low) <= percentage_off(amount, high)


@given(amounts)
def test_a_full_percentage_takes_the_whole_price(amount: int) -> None:
    assert percentage_off(amount, MAX_BASIS_POINTS) == amount


@given(amounts, st.integers(min_value=1, max_value=MAX_AMOUNT))
def test_fixed_never_takes_more_than_the_price(amount: int, value: int) -> None:
    off = fixed_off(amount, value)
    assert off == min(amount, value)
    assert 0 <= off <= amount


@given(amounts, st.integers(min_value=1, max_value=MAX_AMOUNT))
def test_amount_off_in_the_discount_currency(amount: int, value: int) -> None:
    discount = _fixed(amounts={"usd": value, "eur": 1}, currency="usd")
    assert discount.amount_off(amount, "usd") == min(amount, value)
    assert discount.amount_off(amount, "USD") == min(amount, value)
    assert discount.amount_off(amount, "eur") == min(amount, 1)


@given(amounts, basis_points, st.sampled_from(["usd", "eur", "jpy"]))
def test_a_percentage_applies_in_every_currency(amount: int, bp: int, currency: str) -> None:
    assert _percentage(basis_points=bp).amount_off(amount, currency) == percentage_off(amount, bp)


def test_a_fixed_discount_refuses_another_currency() -> None:
    discount = _fixed(amounts={"usd": 500}, currency="usd")
    with pytest.raises(InvariantViolation) as info:
        discount.amount_off(1000, "eur")
    assert info.value.field == "currency"


@given(st.integers(max_value=-1), basis_points)
def test_a_negative_price_is_refused(amount: int, bp: int) -> None:
    with pytest.raises(InvariantViolation):
        percentage_off(amount, bp)
    with pytest.raises(InvariantViolation):
        fixed_off(amount, 100)


@pytest.mark.parametrize("bp", [0, -1, MAX_BASIS_POINTS + 1])
def test_percentage_off_refuses_rates_out_of_range(bp: int) -> None:
    with pytest.raises(InvariantViolation):
        percentage_off(100, bp)


@pytest.mark.parametrize("value", [0, -1])
def test_fixed_off_refuses_a_value_of_nothing(value: int) -> None:
    with pytest.raises(InvariantViolation):
        fixed_off(100, value)
