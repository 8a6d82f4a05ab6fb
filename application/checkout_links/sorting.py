from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class CheckoutLinkSortProperty(StrEnum):
    """Exactly the client's `CheckoutLinkSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    label = "label"
    success_url = "success_url"
    allow_discount_codes = "allow_discount_codes"


DEFAULT_SORTING = [Sorting(CheckoutLinkSortProperty.created_at, descending=False)]
