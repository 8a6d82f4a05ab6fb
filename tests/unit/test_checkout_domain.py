"""Checkout amounts and statuses (pure domain, no I/O): property tests over every static price
kind, with and without a discount."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.checkout import (
    TRANSITIONS,
    CheckoutStatus,
    Selection,
    checkout_amounts,
    discount_refusal,
    subtotal,
    transition,
)
from domain.discount import Discount, DiscountDuration, DiscountType
from domain.errors import InvariantViolation
from domain.price import (
    MAX_AMOUNT,
    CustomPrice,
    FixedPrice,
    SeatBasedPrice,
    SeatTier,
    TierType,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PRODUCT = uuid.uuid4()
amounts = st.integers(min_value=0, max_value=10_000_000)


def _discount(**attributes: Any) -> Discount:
    base: dict[str, Any] = {
        "organization_id": uuid.uuid4(),
        "name": "Launch",
        "duration": DiscountDuration.once,
    }
    return Discount.create(at=NOW, **{**base, **attributes})


percentage_discounts = st.integers(min_value=1, max_value=10_000).map(
    lambda bp: _discount(type=DiscountType.percentage, basis_points=bp)
)
fixed_discounts = st.integers(min_value=1, max_value=10_000_000).map(
    lambda off: _discount(type=DiscountType.fixed, amounts={"usd": off}, currency="usd")
)
discounts = st.one_of(st.none(), percentage_discounts, fixed_discounts)


@st.composite
def seat_prices(draw: st.DrawFn) -> SeatBasedPrice:
    """1 to 4 contiguous tiers from 1 seat, the last one bounded or not."""
    count = draw(st.integers(min_value=1, max_value=4))
    widths = draw(st.lists(st.integers(1, 20), min_size=count, max_size=count))
    rates = draw(st.lists(st.integers(0, 50_000), min_size=count, max_size=count))
    unbounded = draw(st.booleans())
    tiers, start = [], 1
    for index, (width, rate) in enumerate(zip(widths, rates, strict=True)):
        last = index == count - 1
        end = None if last and unbounded else start + width - 1
        tiers.append(SeatTier(min_seats=start, max_seats=end, price_per_seat=rate))
        start = start + width
    tier_type = draw(st.sampled_from([None, TierType.volume, TierType.graduated]))
    price = SeatBasedPrice(product_id=PRODUCT, tiers=tiers, seat_tier_type=tier_type)
    price.validate()
    return price


@given(amount=amounts, discount=discounts)
def test_the_amounts_add_up(amount: int, discount: Discount | None) -> None:
    result = checkout_amounts(FixedPrice(product_id=PRODUCT, amount=amount), discount=discount)
    assert result.amount == amount
    assert 0 <= result.discount_amount <= result.amount
    assert result.net_amount == result.amount - result.discount_amount
    assert result.total_amount == result.net_amount + result.tax_amount
    assert result.tax_amount == 0
    assert result.is_free == (result.total_amount == 0)
    if discount is None:
        assert result.discount_amount == 0


@given(amount=st.integers(min_value=1, max_value=10_000_000))
def test_a_full_percentage_discount_makes_it_free(amount: int) -> None:
    free = _discount(type=DiscountType.percentage, basis_points=10_000)
    result = checkout_amounts(FixedPrice(product_id=PRODUCT, amount=amount), discount=free)
    assert (result.discount_amount, result.total_amount) == (amount, 0)


@given(
    minimum=st.integers(0, 100_000),
    span=st.one_of(st.none(), st.integers(0, 100_000)),
    chosen=st.one_of(st.none(), st.integers(0, 300_000)),
)
def test_a_custom_amount_is_kept_within_its_bounds(
    minimum: int, span: int | None, chosen: int | None
) -> None:
    maximum = None if span is None else minimum + span
    price = CustomPrice(product_id=PRODUCT, minimum_amount=minimum, maximum_amount=maximum)
    upper = MAX_AMOUNT if maximum is None else maximum
    if chosen is None or minimum <= chosen <= upper:
        amount, _, _ = subtotal(price, Selection(amount=chosen))
        assert amount == (minimum if chosen is None else chosen)
    else:
        with pytest.raises(InvariantViolation) as refused:
            subtotal(price, Selection(amount=chosen))
        assert refused.value.field == "amount"


def test_a_custom_price_defaults_to_its_preset() -> None:
    price = CustomPrice(product_id=PRODUCT, minimum_amount=500, preset_amount=900)
    assert checkout_amounts(price).amount == 900


@given(price=seat_prices(), seats=st.integers(min_value=-2, max_value=120))
def test_seats_cost_their_tier(price: SeatBasedPrice, seats: int) -> None:
    high = price.maximum_seats
    if seats < price.minimum_seats or (high is not None and seats > high):
        with pytest.raises(InvariantViolation) as refused:
            subtotal(price, Selection(seats=seats))
        assert refused.value.field == "seats"
        return
    amount, counted, _ = subtotal(price, Selection(seats=seats))
    assert counted == seats
    tier = next(t for t in price.tiers if t.max_seats is None or seats <= t.max_seats)
    if price.seat_tier_type is TierType.graduated:
        # Each seat at the rate of the tier it falls in.
        expected = sum(
            next(t for t in price.tiers if t.max_seats is None or n <= t.max_seats).price_per_seat
            for n in range(1, seats + 1)
        )
        assert amount == expected
    else:
        assert amount == seats * tier.price_per_seat


@given(price=seat_prices())
def test_seats_default_to_the_minimum(price: SeatBasedPrice) -> None:
    assert checkout_amounts(price).seats == price.minimum_seats


def test_a_fixed_discount_in_another_currency_is_refused() -> None:
    discount = _discount(type=DiscountType.fixed, amounts={"eur": 500}, currency="eur")
    assert discount_refusal(discount, PRODUCT, "usd", NOW) is not None
    assert discount_refusal(discount, PRODUCT, "eur", NOW) is None


def test_a_discount_for_other_products_or_out_of_dates_is_refused() -> None:
    other = _discount(type=DiscountType.percentage, basis_points=500, product_ids=[uuid.uuid4()])
    assert discount_refusal(other, PRODUCT, "usd", NOW) is not None
    ended = _discount(type=DiscountType.percentage, basis_points=500, ends_at=NOW)
    assert discount_refusal(ended, PRODUCT, "usd", NOW) is not None
    assert discount_refusal(ended, PRODUCT, "usd", NOW - timedelta(days=1)) is None
    used_up = _discount(
        type=DiscountType.percentage, basis_points=500, max_redemptions=1, redemptions_count=1
    )
    assert discount_refusal(used_up, PRODUCT, "usd", NOW) is not None


@given(
    path=st.lists(st.sampled_from(sorted(TRANSITIONS)), max_size=8),
)
def test_statuses_follow_the_transitions(path: list[str]) -> None:
    status = CheckoutStatus.open
    for action in path:
        sources, target = TRANSITIONS[action]
        if status in sources:
            status = transition(status, action)
            assert status is target
        else:
            with pytest.raises(InvariantViolation):
                transition(status, action)
    # Nothing leaves a final status.
    if status in (CheckoutStatus.succeeded, CheckoutStatus.expired):
        for action in TRANSITIONS:
            with pytest.raises(InvariantViolation):
                transition(status, action)
