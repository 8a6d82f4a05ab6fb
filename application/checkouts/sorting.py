from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class CheckoutSortProperty(StrEnum):
    """Exactly the client's `CheckoutSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    expires_at = "expires_at"
    status = "status"


DEFAULT_SORTING = [Sorting(CheckoutSortProperty.created_at, descending=True)]
