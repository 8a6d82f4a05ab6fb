"""Wire format of refunds (Polar's `Refund`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import UUID4

from domain.refund import Refund
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class RefundSchema(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    metadata: dict[str, Any]
    status: Literal["pending", "succeeded", "failed", "canceled"]
    reason: str
    amount: int
    tax_amount: int
    currency: str
    organization_id: UUID4
    order_id: UUID4
    subscription_id: UUID4 | None
    customer_id: UUID4
    revoke_benefits: bool
    dispute: dict[str, Any] | None


@wire_format(RefundSchema)
def refund_wire(r: Refund) -> Wire:
    """A refund's wire document, in RefundSchema's field order."""
    return {
        "created_at": r.created_at,
        "modified_at": r.modified_at,
        "id": r.id,
        "metadata": r.metadata,
        "status": r.status.value,
        "reason": r.reason.value,
        "amount": r.amount,
        "tax_amount": r.tax_amount,
        "currency": r.currency,
        "organization_id": r.organization_id,
        "order_id": r.order_id,
        "subscription_id": r.subscription_id,
        "customer_id": r.customer_id,
        "revoke_benefits": r.revoke_benefits,
        "dispute": None,
    }
