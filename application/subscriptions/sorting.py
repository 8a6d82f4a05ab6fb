from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class SubscriptionSortProperty(StrEnum):
    """Exactly the client's `SubscriptionSortProperty` literals (without the `-` prefix).
    `customer` sorts by the customer's email, `product` by the product's name, `discount` by
    the discount's name."""

    customer = "customer"
    status = "status"
    started_at = "started_at"
    current_period_end = "current_period_end"
    ended_at = "ended_at"
    ends_at = "ends_at"
    amount = "amount"
    product = "product"
    discount = "discount"


DEFAULT_SORTING = [Sorting(SubscriptionSortProperty.started_at, descending=True)]
