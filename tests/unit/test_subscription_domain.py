"""Subscriptions' domain: the period arithmetic (months and years keep the anchor day, clamped
to shorter months), statuses, and how a subscription starts."""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvariantViolation
from domain.product import Interval
from domain.subscription import (
    ACTIVE_STATUSES,
    Subscription,
    SubscriptionStatus,
    period_end,
)

AT = datetime(2026, 1, 31, 12, 30, tzinfo=UTC)

starts = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
)
counts = st.integers(min_value=1, max_value=999)


@pytest.mark.parametrize(
    ("start", "interval", "count", "end"),
    [
        (datetime(2026, 1, 31, tzinfo=UTC), Interval.month, 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 1, 31, tzinfo=UTC), Interval.month, 1, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), Interval.month, 1, datetime(2026, 4, 30, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), Interval.month, 3, datetime(2026, 4, 15, tzinfo=UTC)),
        (datetime(2026, 11, 30, tzinfo=UTC), Interval.month, 2, datetime(2027, 1, 30, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), Interval.year, 1, datetime(2029, 2, 28, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), Interval.year, 4, datetime(2032, 2, 29, tzinfo=UTC)),
        (datetime(2026, 12, 31, tzinfo=UTC), Interval.day, 1, datetime(2027, 1, 1, tzinfo=UTC)),
        (datetime(2026, 12, 31, tzinfo=UTC), Interval.week, 2, datetime(2027, 1, 14, tzinfo=UTC)),
    ],
)
def test_period_end_examples(
    start: datetime, interval: Interval, count: int, end: datetime
) -> None:
    assert period_end(start, interval, count) == end


def test_the_anchor_day_comes_back_after_a_short_month() -> None:
    february = period_end(datetime(2026, 1, 31, 9, tzinfo=UTC), Interval.month)
    assert february == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert period_end(february, Interval.month, anchor_day=31) == datetime(
        2026, 3, 31, 9, tzinfo=UTC
    )


@given(starts, st.sampled_from([Interval.month, Interval.year]), st.integers(1, 24))
def test_months_and_years_land_on_the_anchor_day_clamped(
    start: datetime, interval: Interval, count: int
) -> None:
    end = period_end(start, interval, count)
    months = count if interval is Interval.month else 12 * count
    assert (end.year - start.year) * 12 + end.month - start.month == months
    assert end.day == min(start.day, calendar.monthrange(end.year, end.month)[1])
    assert end.timetz() == start.timetz()
    assert end > start


@given(starts, st.sampled_from([Interval.day, Interval.week]), counts)
def test_days_and_weeks_are_exact(start: datetime, interval: Interval, count: int) -> None:
    days = count if interval is Interval.day else 7 * count
    assert period_end(start, interval, count) - start == timedelta(days=days)


@given(starts, st.sampled_from(list(Interval)), st.integers(1, 12), st.integers(1, 12))
def test_longer_periods_never_end_earlier(
    start: datetime, interval: Interval, a: int, b: int
) -> None:
    shorter, longer = sorted((a, b))
    assert period_end(start, interval, shorter) <= period_end(start, interval, longer)


def test_a_count_below_one_is_refused() -> None:
    with pytest.raises(InvariantViolation):
        period_end(AT, Interval.month, 0)


def test_statuses_are_the_clients() -> None:
    assert [s.value for s in SubscriptionStatus] == [
        "incomplete",
        "incomplete_expired",
        "trialing",
        "active",
        "past_due",
        "canceled",
        "unpaid",
        "paused",
    ]
    assert {SubscriptionStatus.trialing, SubscriptionStatus.active} == ACTIVE_STATUSES


def _start(**overrides: object) -> Subscription:
    attributes: dict[str, object] = {
        "at": AT,
        "recurring_interval": Interval.month,
        "recurring_interval_count": 1,
        "organization_id": uuid.uuid4(),
        "customer_id": uuid.uuid4(),
        "product_id": uuid.uuid4(),
        "amount": 0,
        "currency": "usd",
    }
    return Subscription.start(**{**attributes, **overrides})  # type: ignore[arg-type]


def test_it_starts_active_for_one_period() -> None:
    subscription = _start()
    assert subscription.status is SubscriptionStatus.active and subscription.is_active
    assert subscription.started_at == subscription.current_period_start == AT
    assert subscription.current_period_end == datetime(2026, 2, 28, 12, 30, tzinfo=UTC)
    assert subscription.trial_start is subscription.trial_end is None
    assert not subscription.cancel_at_period_end


def test_it_starts_trialing_with_a_trial() -> None:
    subscription = _start(trial_interval=Interval.week, trial_interval_count=2)
    assert subscription.status is SubscriptionStatus.trialing and subscription.is_active
    assert subscription.trial_start == AT
    assert subscription.trial_end == subscription.current_period_end == AT + timedelta(weeks=2)


def test_an_unset_interval_count_is_one() -> None:
    assert _start(recurring_interval_count=None).recurring_interval_count == 1


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(InvariantViolation):
        _start(amount=-1)
