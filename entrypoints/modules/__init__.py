"""The modules this server runs. The app, the worker, the units of work and the container all
read this one list: adding a module is its own files plus one line here.

Order matters where a module's services use another's (tokens' bootstrap uses users and
organizations; webhooks' catalogue asks every module for its event sources).
"""

from __future__ import annotations

from entrypoints.modules import (
    benefit_grants,
    benefits,
    checkout_links,
    checkouts,
    custom_fields,
    customer_sessions,
    customers,
    discounts,
    files,
    idempotency,
    meters,
    orders,
    organizations,
    payment_methods,
    payments,
    products,
    refunds,
    subscriptions,
    tokens,
    users,
    webhooks,
)
from entrypoints.modules.base import Module, Repository

MODULES: tuple[Module, ...] = (
    users.module,
    organizations.module,
    tokens.module,
    discounts.module,
    files.module,
    products.module,
    benefits.module,
    meters.module,
    customers.module,
    customer_sessions.module,
    custom_fields.module,
    payments.module,
    payment_methods.module,
    benefit_grants.module,
    checkouts.module,
    orders.module,
    refunds.module,
    checkout_links.module,
    subscriptions.module,
    webhooks.module,
    idempotency.module,
)

__all__ = ["MODULES", "Module", "Repository"]
