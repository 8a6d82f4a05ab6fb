"""Refunds: money given back on a paid order, through the processor that took it.

A refund starts `pending` when the processor accepts it and ends `succeeded` (or `failed`,
`canceled`) when it reports back; the order's refunded amount counts it from the start, so
that two refunds of one order can never take back more than was paid together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.base import Entity
from domain.errors import InvariantViolation


class RefundStatus(StrEnum):
    """Exactly the client's `RefundStatus` literals."""

    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"
    canceled = "canceled"


class RefundReason(StrEnum):
    """Exactly the client's `RefundReason` literals."""

    duplicate = "duplicate"
    fraudulent = "fraudulent"
    customer_request = "customer_request"
    service_disruption = "service_disruption"
    satisfaction_guarantee = "satisfaction_guarantee"
    dispute_prevention = "dispute_prevention"
    other = "other"


@dataclass(kw_only=True)
class Refund(Entity):
    organization_id: uuid.UUID
    order_id: uuid.UUID
    subscription_id: uuid.UUID | None = None
    customer_id: uuid.UUID
    payment_id: uuid.UUID | None = None
    status: RefundStatus = RefundStatus.pending
    reason: RefundReason
    amount: int
    tax_amount: int = 0
    currency: str
    comment: str | None = None
    revoke_benefits: bool = False
    # The processor's id for the refund (`re_…`).
    processor_id: str | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)

    @classmethod
    def create(cls, *, at: datetime, **attributes: Any) -> Refund:
        refund = cls(created_at=at, **attributes)
        if refund.amount <= 0:
            raise InvariantViolation("amount", "A refund takes back a positive amount.")
        return refund

    def succeed(self, at: datetime) -> bool:
        """The processor reports it went through. True when this changed it."""
        if self.status is RefundStatus.succeeded:
            return False
        if self.status is not RefundStatus.pending:
            raise InvariantViolation("status", f"A {self.status.value} refund cannot succeed.")
        self.status = RefundStatus.succeeded
        self.modified_at = at
        return True
