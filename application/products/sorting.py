from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class ProductSortProperty(StrEnum):
    """Exactly the client's `ProductSortProperty` literals (without the `-` prefix).

    `price_amount` sorts by the smallest amount of the product's live static (fixed, custom or
    seat-based) price; `price_amount_type` by that price's amount type.
    """

    created_at = "created_at"
    name = "name"
    price_amount_type = "price_amount_type"
    price_amount = "price_amount"


DEFAULT_SORTING = [Sorting(ProductSortProperty.created_at, descending=True)]
