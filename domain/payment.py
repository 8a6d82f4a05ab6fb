"""Payments: one attempt at charging a customer's payment method through a processor.

Rules kept here:

- A payment belongs to one organization and is made by a processor (`stripe`: the sandbox
  emulates Stripe's test mode, so it reports itself as Stripe, the only processor the client
  knows), which knows it by `processor_id`.
- It starts `pending` and ends `succeeded` or `failed` (with a decline reason and message).
  Both are final: succeeding a succeeded payment (or failing a failed one) changes nothing,
  since processors report outcomes at least once; a final status never turns into the other
  (`InvariantViolation`).
- It comes from a checkout (`checkout_id`) and pays an order once the order exists
  (`order_id`); `trigger` says what started it (a purchase, a renewal, a dunning retry…).
- `processor_method_id` is the processor's id for the card charged (None when it named none);
  a recurring purchase saves that card for the customer once it succeeds
  (domain/payment_method.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.base import Entity
from domain.errors import InvariantViolation


class PaymentStatus(StrEnum):
    """Exactly the client's `PaymentStatus` literals."""

    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


class PaymentProcessor(StrEnum):
    stripe = "stripe"


class PaymentMethod(StrEnum):
    card = "card"


class PaymentTrigger(StrEnum):
    """Exactly the client's `PaymentTrigger` literals."""

    purchase = "purchase"
    subscription_cycle = "subscription_cycle"
    retry_dunning = "retry_dunning"
    retry_customer = "retry_customer"
    retry_payment_method_update = "retry_payment_method_update"
    retry_admin = "retry_admin"


@dataclass(frozen=True)
class CardMetadata:
    """What the client shows of the card: its brand and last four digits, and (for a card
    kept for later, a saved payment method) its expiry month and year when the processor
    reports them."""

    brand: str
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None

    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"brand": self.brand, "last4": self.last4}
        if self.exp_month is not None and self.exp_year is not None:
            document["exp_month"] = self.exp_month
            document["exp_year"] = self.exp_year
        return document

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> CardMetadata:
        exp_month, exp_year = document.get("exp_month"), document.get("exp_year")
        return cls(
            brand=str(document["brand"]),
            last4=str(document["last4"]),
            exp_month=None if exp_month is None else int(exp_month),
            exp_year=None if exp_year is None else int(exp_year),
        )


@dataclass(kw_only=True)
class Payment(Entity):
    organization_id: uuid.UUID
    processor: PaymentProcessor = PaymentProcessor.stripe
    processor_id: str
    status: PaymentStatus = PaymentStatus.pending
    amount: int
    currency: str
    method: PaymentMethod = PaymentMethod.card
    method_metadata: CardMetadata = field(default_factory=lambda: CardMetadata("visa", "4242"))
    customer_id: uuid.UUID | None = None
    customer_email: str | None = None
    decline_reason: str | None = None
    decline_message: str | None = None
    checkout_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    trigger: PaymentTrigger | None = PaymentTrigger.purchase
    # The processor's id for the payment method charged (Stripe's `pm_…`), when it reported
    # one: a recurring purchase keeps that method for the customer once the payment succeeds.
    processor_method_id: str | None = None

    @classmethod
    def create(cls, *, at: datetime, **attributes: Any) -> Payment:
        payment = cls(created_at=at, **attributes)
        if payment.amount < 0:
            raise InvariantViolation("amount", "A payment's amount cannot be negative.")
        return payment

    @property
    def is_final(self) -> bool:
        return self.status is not PaymentStatus.pending

    def succeed(self, at: datetime) -> bool:
        """Mark the payment succeeded. True when this changed it; False when it already had
        (a repeated report). A failed payment cannot succeed."""
        if self.status is PaymentStatus.succeeded:
            return False
        if self.status is PaymentStatus.failed:
            raise InvariantViolation("status", "A failed payment cannot succeed.")
        self.status = PaymentStatus.succeeded
        self.modified_at = at
        return True

    def fail(self, at: datetime, reason: str | None, message: str | None = None) -> bool:
        """Mark the payment failed with the processor's decline reason. True when this changed
        it; False when it had already failed (the first reason is kept). A succeeded payment
        cannot fail."""
        if self.status is PaymentStatus.failed:
            return False
        if self.status is PaymentStatus.succeeded:
            raise InvariantViolation("status", "A succeeded payment cannot fail.")
        self.status = PaymentStatus.failed
        self.decline_reason = reason
        self.decline_message = message
        self.modified_at = at
        return True

    def attach_order(self, order_id: uuid.UUID, at: datetime) -> None:
        self.order_id = order_id
        self.modified_at = at
