"""Saving a customer's payment method for later charges.

Polar (and Stripe) keep the card of a recurring purchase for off-session use: the card a
trial's checkout set up, or the card a recurring product's first payment was charged to, once
that payment succeeded. A one-time purchase keeps nothing. Callers run `save` in their own
unit of work (it never commits); it is idempotent, so a redelivered job saves one method.
"""

from __future__ import annotations

import uuid

from application.kit.errors import invariants_as_validation
from application.kit.pagination import Page, PaginationParams
from application.payment_methods.ports import PaymentMethodUnitOfWork
from application.ports import Clock
from domain.payment import CardMetadata
from domain.payment_method import SavedPaymentMethod


class PaymentMethodService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def save(
        self,
        uow: PaymentMethodUnitOfWork,
        *,
        organization_id: uuid.UUID,
        customer_id: uuid.UUID,
        processor_id: str,
        method_metadata: CardMetadata,
    ) -> SavedPaymentMethod:
        """Keep the processor's method `processor_id` for the customer (its default when it is
        the first); the existing record when it is kept already."""
        with invariants_as_validation():
            method = SavedPaymentMethod.create(
                at=self.clock.now(),
                organization_id=organization_id,
                customer_id=customer_id,
                processor_id=processor_id,
                method_metadata=method_metadata,
            )
        return await uow.payment_methods.add(method)

    async def list_for_customer(
        self, uow: PaymentMethodUnitOfWork, customer_id: uuid.UUID, pagination: PaginationParams
    ) -> Page[SavedPaymentMethod]:
        return await uow.payment_methods.list_for_customer(customer_id, pagination)
