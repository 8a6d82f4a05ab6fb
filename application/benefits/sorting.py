from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class BenefitSortProperty(StrEnum):
    """Exactly the client's `BenefitSortProperty` literals (without the `-` prefix).

    `user_order` is the order a merchant arranges benefits in; Meridian has no such arrangement
    yet, so it follows creation order.
    """

    created_at = "created_at"
    description = "description"
    type = "type"
    user_order = "user_order"


DEFAULT_SORTING = [Sorting(BenefitSortProperty.created_at, descending=True)]
