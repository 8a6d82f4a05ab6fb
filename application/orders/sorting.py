from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class OrderSortProperty(StrEnum):
    """Exactly the client's `OrderSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    status = "status"
    invoice_number = "invoice_number"
    amount = "amount"
    net_amount = "net_amount"
    customer = "customer"
    product = "product"
    discount = "discount"
    subscription = "subscription"


DEFAULT_SORTING = [Sorting(OrderSortProperty.created_at, descending=True)]
