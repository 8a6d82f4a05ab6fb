from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class RefundSortProperty(StrEnum):
    """Exactly the client's `RefundSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    amount = "amount"


DEFAULT_SORTING = [Sorting(RefundSortProperty.created_at, descending=True)]
