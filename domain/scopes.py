"""Access scopes: `<resource>:read` / `<resource>:write`, and the subset rule for delegation."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache


class Scope(StrEnum):
    organizations_read = "organizations:read"
    organizations_write = "organizations:write"
    organization_access_tokens_read = "organization_access_tokens:read"
    organization_access_tokens_write = "organization_access_tokens:write"
    products_read = "products:read"
    products_write = "products:write"
    benefits_read = "benefits:read"
    benefits_write = "benefits:write"
    files_read = "files:read"
    files_write = "files:write"
    discounts_read = "discounts:read"
    discounts_write = "discounts:write"
    customers_read = "customers:read"
    customers_write = "customers:write"
    customer_sessions_write = "customer_sessions:write"
    checkouts_read = "checkouts:read"
    checkouts_write = "checkouts:write"
    checkout_links_read = "checkout_links:read"
    checkout_links_write = "checkout_links:write"
    orders_read = "orders:read"
    orders_write = "orders:write"
    refunds_read = "refunds:read"
    refunds_write = "refunds:write"
    subscriptions_read = "subscriptions:read"
    subscriptions_write = "subscriptions:write"
    license_keys_read = "license_keys:read"
    license_keys_write = "license_keys:write"
    webhooks_read = "webhooks:read"
    webhooks_write = "webhooks:write"
    events_read = "events:read"
    events_write = "events:write"
    meters_read = "meters:read"
    meters_write = "meters:write"
    customer_meters_read = "customer_meters:read"
    metrics_read = "metrics:read"
    custom_fields_read = "custom_fields:read"
    custom_fields_write = "custom_fields:write"
    payments_read = "payments:read"
    customer_portal_read = "customer_portal:read"
    customer_portal_write = "customer_portal:write"


# Every scope a merchant's token may carry. Customer-portal scopes belong to customer sessions.
MERCHANT_SCOPES: frozenset[Scope] = frozenset(
    s for s in Scope if not s.value.startswith("customer_portal:")
)

# What a customer session carries: the customer portal, nothing of the merchant's.
CUSTOMER_SCOPES: frozenset[Scope] = frozenset(
    {Scope.customer_portal_read, Scope.customer_portal_write}
)


def implied(scopes: Iterable[Scope]) -> frozenset[Scope]:
    """A `x:write` scope implies `x:read` where such a read scope exists."""
    # Tokens hold a few distinct sets of scopes, each checked on every write that delegates.
    return _implied(scopes if isinstance(scopes, frozenset) else frozenset(scopes))


@lru_cache(maxsize=1024)
def _implied(scopes: frozenset[Scope]) -> frozenset[Scope]:
    result = set(scopes)
    for scope in list(result):
        resource, _, access = scope.value.partition(":")
        if access == "write":
            read = f"{resource}:read"
            if read in Scope._value2member_map_:
                result.add(Scope(read))
    return frozenset(result)


def missing_for_delegation(
    granted: Iterable[Scope], requested: Iterable[Scope]
) -> frozenset[Scope]:
    """The requested scopes a holder of `granted` may not hand on (empty when it may)."""
    return frozenset(requested) - implied(granted)


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    """Parse stored or submitted scope strings; unknown values raise ValueError."""
    return frozenset(Scope(v) for v in values)
