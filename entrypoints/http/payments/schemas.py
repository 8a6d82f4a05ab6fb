"""Wire format of payments (Polar's `Payment`: every payment here is a `CardPayment`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import UUID4

from domain.payment import Payment
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema

PaymentStatusLiteral = Literal["pending", "succeeded", "failed"]
PaymentTriggerLiteral = Literal[
    "purchase",
    "subscription_cycle",
    "retry_dunning",
    "retry_customer",
    "retry_payment_method_update",
    "retry_admin",
]


class CardPaymentMetadata(Schema):
    """Additional metadata for a card payment method."""

    brand: str
    last4: str


class CardPayment(Schema):
    """Schema of a payment with a card payment method."""

    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    processor: Literal["stripe"]
    status: PaymentStatusLiteral
    amount: int
    currency: str
    method: Literal["card"]
    trigger: PaymentTriggerLiteral | None
    decline_reason: str | None
    decline_message: str | None
    organization_id: UUID4
    checkout_id: UUID4 | None
    order_id: UUID4 | None
    processor_metadata: dict[str, Any] | None = None
    method_metadata: CardPaymentMetadata


PaymentSchema = CardPayment


@wire_format(PaymentSchema)
def payment_wire(p: Payment) -> Wire:
    """A payment's wire document, in the field order of its schema."""
    return {
        "created_at": p.created_at,
        "modified_at": p.modified_at,
        "id": p.id,
        "processor": p.processor.value,
        "status": p.status.value,
        "amount": p.amount,
        "currency": p.currency,
        "method": p.method.value,
        "trigger": None if p.trigger is None else p.trigger.value,
        "decline_reason": p.decline_reason,
        "decline_message": p.decline_message,
        "organization_id": p.organization_id,
        "checkout_id": p.checkout_id,
        "order_id": p.order_id,
        "processor_metadata": None,
        "method_metadata": {"brand": p.method_metadata.brand, "last4": p.method_metadata.last4},
    }
