"""Subscriptions: a customer's recurring purchase of a product.

Rules kept here:

- A subscription belongs to one organization, one customer and one product (recurring), bills
  `amount` (minor units of `currency`) every `recurring_interval_count` × `recurring_interval`
  and remembers the prices it was started with (`price_ids`).
- Its statuses are the client's (`SubscriptionStatus`); `trialing` and `active` are active
  (`is_active`), as in Polar. The legacy `incomplete`, `incomplete_expired` and `unpaid` are
  only ever read.
- It starts now (`Subscription.start`): active with a period of one interval, or trialing
  until the trial's end when the product has a trial (the first period is the trial).
- A period ends `period_end(start, interval, count)`: days and weeks add up; months and years
  keep the anchor day (the day of the month it started) and clamp it to the month's length, so
  Jan 31 + 1 month is Feb 28 (29 in a leap year) and the next period ends on Mar 31 again.

Renewals, cancellations and changes come with the next issue.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.base import Entity
from domain.errors import InvariantViolation
from domain.product import Interval

MetadataValue = str | int | float | bool


class SubscriptionStatus(StrEnum):
    """Exactly the client's `SubscriptionStatus` literals."""

    incomplete = "incomplete"
    incomplete_expired = "incomplete_expired"
    trialing = "trialing"
    active = "active"
    past_due = "past_due"
    canceled = "canceled"
    unpaid = "unpaid"
    paused = "paused"


# Polar's `SubscriptionStatus.active_statuses()`: what the `active` list filter means.
ACTIVE_STATUSES = frozenset({SubscriptionStatus.trialing, SubscriptionStatus.active})
# Polar's `billable_statuses()`: a customer with one of these is active (the customers list's
# `active` filter).
BILLABLE_STATUSES = ACTIVE_STATUSES | {SubscriptionStatus.past_due}


class CustomerCancellationReason(StrEnum):
    """Exactly the client's `CustomerCancellationReason` literals."""

    customer_service = "customer_service"
    low_quality = "low_quality"
    missing_features = "missing_features"
    switched_service = "switched_service"
    too_complex = "too_complex"
    too_expensive = "too_expensive"
    unused = "unused"
    other = "other"


def _add_months(start: datetime, months: int, anchor_day: int) -> datetime:
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def period_end(
    start: datetime, interval: Interval, count: int = 1, *, anchor_day: int | None = None
) -> datetime:
    """When a period of `count` × `interval` starting at `start` ends.

    Days and weeks are exact durations. Months and years land on `anchor_day` (default: the
    start's day) of the target month, clamped to the month's last day; the time of day is
    kept."""
    if count < 1:
        raise InvariantViolation("recurring_interval_count", "Must be at least 1.")
    if interval is Interval.day:
        return start + timedelta(days=count)
    if interval is Interval.week:
        return start + timedelta(weeks=count)
    anchor = start.day if anchor_day is None else anchor_day
    if not 1 <= anchor <= 31:
        raise InvariantViolation("anchor_day", "Must be between 1 and 31.")
    months = count if interval is Interval.month else 12 * count
    return _add_months(start, months, anchor)


@dataclass(kw_only=True)
class Subscription(Entity):
    organization_id: uuid.UUID
    customer_id: uuid.UUID
    product_id: uuid.UUID
    # The prices it bills (the product's at the start).
    price_ids: list[uuid.UUID] = field(default_factory=list)
    amount: int
    currency: str
    recurring_interval: Interval
    recurring_interval_count: int = 1
    status: SubscriptionStatus = SubscriptionStatus.active
    current_period_start: datetime
    current_period_end: datetime
    trial_start: datetime | None = None
    trial_end: datetime | None = None
    cancel_at_period_end: bool = False
    canceled_at: datetime | None = None
    started_at: datetime | None = None
    ends_at: datetime | None = None
    ended_at: datetime | None = None
    discount_id: uuid.UUID | None = None
    checkout_id: uuid.UUID | None = None
    seats: int | None = None
    units: int | None = None
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    custom_field_data: dict[str, str | int | bool | None] = field(default_factory=dict)
    customer_cancellation_reason: CustomerCancellationReason | None = None
    customer_cancellation_comment: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def anchor_day(self) -> int:
        """The day of the month its periods end on (clamped to shorter months)."""
        return (self.started_at or self.current_period_start).day

    @classmethod
    def start(
        cls,
        *,
        at: datetime,
        recurring_interval: Interval,
        recurring_interval_count: int | None,
        trial_interval: Interval | None = None,
        trial_interval_count: int | None = None,
        trial_end: datetime | None = None,
        **attributes: Any,
    ) -> Subscription:
        """A subscription starting at `at`: trialing until the trial ends when there is a
        trial (its first period), else active for one interval. The trial is `trial_end`
        when given (a checkout's, fixed when the customer saw it), else one of
        `trial_interval`."""
        count = recurring_interval_count or 1
        if trial_end is None and trial_interval is not None:
            trial_end = period_end(at, trial_interval, trial_interval_count or 1)
        if trial_end is not None and trial_end <= at:
            trial_end = None
        subscription = cls(
            created_at=at,
            recurring_interval=recurring_interval,
            recurring_interval_count=count,
            status=SubscriptionStatus.active if trial_end is None else SubscriptionStatus.trialing,
            started_at=at,
            current_period_start=at,
            current_period_end=trial_end or period_end(at, recurring_interval, count),
            trial_start=None if trial_end is None else at,
            trial_end=trial_end,
            **attributes,
        )
        subscription.validate()
        return subscription

    def validate(self) -> None:
        if self.amount < 0:
            raise InvariantViolation("amount", "A subscription's amount cannot be negative.")
        if self.current_period_end <= self.current_period_start:
            raise InvariantViolation("current_period_end", "A period ends after it starts.")
