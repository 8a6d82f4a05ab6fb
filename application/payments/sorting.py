from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class PaymentSortProperty(StrEnum):
    """Exactly the client's `PaymentSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    status = "status"
    amount = "amount"
    method = "method"


DEFAULT_SORTING = [Sorting(PaymentSortProperty.created_at, descending=True)]
