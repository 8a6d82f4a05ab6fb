"""The saved payment methods' repository.

A method is saved by the checkout that took the card (a trial's setup, a recurring purchase's
charge) and read through its customer, whom the caller has already read as its subject may:
the repository itself is not asked about tenancy.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from application.kit.pagination import Page, PaginationParams
from application.organizations.ports import TenancyUnitOfWork
from domain.payment_method import SavedPaymentMethod


class PaymentMethodRepository(Protocol):
    async def add(self, method: SavedPaymentMethod) -> SavedPaymentMethod:
        """Save `method` unless its customer already has one with its `processor_id`; either
        way, the customer's record of it is returned (saving twice is saving once). The new
        record is the customer's default when the customer had none (`is_default` is set on
        what is returned). Concurrent additions for one customer happen one after the other,
        so exactly one of its methods is ever the first."""
        ...

    async def list_for_customer(
        self, customer_id: uuid.UUID, pagination: PaginationParams
    ) -> Page[SavedPaymentMethod]:
        """The customer's saved methods: the default first, then the newest first."""
        ...


class PaymentMethodUnitOfWork(TenancyUnitOfWork, Protocol):
    payment_methods: PaymentMethodRepository
