"""Saved payment methods: a customer's card kept by the processor, to charge later without the
customer present (a trial's end, a renewal).

Rules kept here:

- A saved method belongs to one customer of one organization and is known to its processor
  (`stripe`: the sandbox emulates Stripe) by `processor_id` (Stripe's `pm_…`). A customer has
  one record per processor id: saving the same method again (a redelivered job, a repeated
  confirm) is the same record.
- It is a `card`, shown by `method_metadata`: brand, last four digits and expiry (a saved card
  always has one).
- The customer's first saved method is its default (`is_default`); later ones are not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.base import Entity
from domain.errors import InvariantViolation
from domain.payment import CardMetadata, PaymentMethod, PaymentProcessor


@dataclass(kw_only=True)
class SavedPaymentMethod(Entity):
    organization_id: uuid.UUID
    customer_id: uuid.UUID
    processor: PaymentProcessor = PaymentProcessor.stripe
    processor_id: str
    type: PaymentMethod = PaymentMethod.card
    method_metadata: CardMetadata
    is_default: bool = False

    @classmethod
    def create(
        cls,
        *,
        at: datetime,
        organization_id: uuid.UUID,
        customer_id: uuid.UUID,
        processor_id: str,
        method_metadata: CardMetadata,
        processor: PaymentProcessor = PaymentProcessor.stripe,
    ) -> SavedPaymentMethod:
        if not processor_id:
            raise InvariantViolation("processor_id", "A saved payment method needs its id.")
        if method_metadata.exp_month is None or method_metadata.exp_year is None:
            raise InvariantViolation("method_metadata", "A saved card needs its expiry.")
        return cls(
            created_at=at,
            organization_id=organization_id,
            customer_id=customer_id,
            processor=processor,
            processor_id=processor_id,
            method_metadata=method_metadata,
        )
