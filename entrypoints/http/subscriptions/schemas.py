"""Wire format of subscriptions (Polar's `Subscription`), with its customer (Polar's
`SubscriptionCustomer`, the customer's own wire format), product (the product's) and discount
(Polar's `Discount…Base` shapes: the discount without its products).

Meters, pausing, dunning and pending updates come with later issues: their fields are empty,
false or null.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import UUID4

from application.kit.metadata import MetadataValue
from application.subscriptions.service import SubscriptionView
from domain.discount import Discount, DiscountDuration, DiscountType
from entrypoints.http.customers.schemas import CustomerSchema, customer_wire
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema
from entrypoints.http.products.schemas import (
    MediaUrl,
    ProductPriceSchema,
    ProductSchema,
    price_wire,
    product_wire,
)

SubscriptionStatusLiteral = Literal[
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "canceled",
    "unpaid",
    "paused",
]
CustomerCancellationReasonLiteral = Literal[
    "customer_service",
    "low_quality",
    "missing_features",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
    "other",
]


class SubscriptionDiscountSchema(Schema):
    """The discount applied (one of the client's four `Discount…Base` shapes: the fields of
    the others are null)."""

    duration: Literal["once", "forever", "repeating"]
    duration_in_months: int | None
    type: Literal["fixed", "percentage"]
    amount: int | None
    currency: str | None
    amounts: dict[str, int] | None
    basis_points: int | None
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


class SubscriptionSchema(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    amount: int
    currency: str
    recurring_interval: Literal["day", "week", "month", "year"]
    recurring_interval_count: int
    status: SubscriptionStatusLiteral
    current_period_start: datetime
    current_period_end: datetime
    current_meter_period_start: datetime | None
    current_meter_period_end: datetime | None
    trial_start: datetime | None
    trial_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    started_at: datetime | None
    ends_at: datetime | None
    ended_at: datetime | None
    past_due_at: datetime | None
    pause_at_period_end: bool
    paused_at: datetime | None
    resumes_at: datetime | None
    customer_id: UUID4
    product_id: UUID4
    discount_id: UUID4 | None
    checkout_id: UUID4 | None
    seats: int | None
    units: int | None
    customer_cancellation_reason: CustomerCancellationReasonLiteral | None
    customer_cancellation_comment: str | None
    metadata: dict[str, MetadataValue]
    custom_field_data: dict[str, str | int | bool | None]
    customer: CustomerSchema
    product: ProductSchema
    discount: SubscriptionDiscountSchema | None
    prices: list[ProductPriceSchema]
    meters: list[dict[str, Any]]
    pending_update: dict[str, Any] | None


def subscription_discount(d: Discount) -> Wire:
    fixed = d.type is DiscountType.fixed
    return {
        "duration": d.duration.value,
        "duration_in_months": d.duration_in_months
        if d.duration is DiscountDuration.repeating
        else None,
        "type": d.type.value,
        "amount": d.amount if fixed else None,
        "currency": d.currency if fixed else None,
        "amounts": dict(d.amounts) if fixed else None,
        "basis_points": None if fixed else d.basis_points,
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
    }


@wire_format(SubscriptionSchema)
def subscription_wire(view: SubscriptionView, media_url: MediaUrl) -> Wire:
    """A subscription's wire document, in the field order of its schema; `media_url` gives a
    product media file's public URL (FileUseCases.public_url)."""
    s = view.subscription
    reason = s.customer_cancellation_reason
    prices = set(s.price_ids)
    return {
        "created_at": s.created_at,
        "modified_at": s.modified_at,
        "id": s.id,
        "amount": s.amount,
        "currency": s.currency,
        "recurring_interval": s.recurring_interval.value,
        "recurring_interval_count": s.recurring_interval_count,
        "status": s.status.value,
        "current_period_start": s.current_period_start,
        "current_period_end": s.current_period_end,
        "current_meter_period_start": None,
        "current_meter_period_end": None,
        "trial_start": s.trial_start,
        "trial_end": s.trial_end,
        "cancel_at_period_end": s.cancel_at_period_end,
        "canceled_at": s.canceled_at,
        "started_at": s.started_at,
        "ends_at": s.ends_at,
        "ended_at": s.ended_at,
        "past_due_at": None,
        "pause_at_period_end": False,
        "paused_at": None,
        "resumes_at": None,
        "customer_id": s.customer_id,
        "product_id": s.product_id,
        "discount_id": s.discount_id,
        "checkout_id": s.checkout_id,
        "seats": s.seats,
        "units": s.units,
        "customer_cancellation_reason": None if reason is None else reason.value,
        "customer_cancellation_comment": s.customer_cancellation_comment,
        "metadata": s.metadata,
        "custom_field_data": s.custom_field_data,
        "customer": customer_wire(view.customer),
        "product": product_wire(view.product, media_url),
        "discount": None if view.discount is None else subscription_discount(view.discount),
        "prices": [price_wire(p) for p in view.product.prices if p.id in prices],
        "meters": [],
        "pending_update": None,
    }
