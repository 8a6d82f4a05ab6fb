"""Table definitions, one module per domain module; constraint names follow one convention.

Importing this package registers every table on `metadata` (Alembic reads it from here).
"""

from adapters.sqlalchemy.tables.base import LIVE, NAMING_CONVENTION, metadata, record_columns
from adapters.sqlalchemy.tables.benefit_grants import (
    benefit_grants,
    license_key_activations,
    license_keys,
)
from adapters.sqlalchemy.tables.benefits import benefits, product_benefits
from adapters.sqlalchemy.tables.checkout_links import checkout_link_products, checkout_links
from adapters.sqlalchemy.tables.checkouts import checkouts
from adapters.sqlalchemy.tables.counts import row_counts
from adapters.sqlalchemy.tables.custom_fields import custom_fields, product_custom_fields
from adapters.sqlalchemy.tables.customer_sessions import customer_sessions
from adapters.sqlalchemy.tables.customers import customers
from adapters.sqlalchemy.tables.discounts import discounts
from adapters.sqlalchemy.tables.files import files
from adapters.sqlalchemy.tables.foundation import (
    memberships,
    organization_access_tokens,
    organizations,
    outbox,
    personal_access_tokens,
    users,
)
from adapters.sqlalchemy.tables.idempotency import idempotency_records
from adapters.sqlalchemy.tables.meters import meters
from adapters.sqlalchemy.tables.orders import orders
from adapters.sqlalchemy.tables.payment_methods import payment_methods
from adapters.sqlalchemy.tables.payments import payments
from adapters.sqlalchemy.tables.products import product_medias, product_prices, products
from adapters.sqlalchemy.tables.refunds import refunds
from adapters.sqlalchemy.tables.subscriptions import subscriptions
from adapters.sqlalchemy.tables.trial_redemptions import trial_redemptions
from adapters.sqlalchemy.tables.webhooks import (
    webhook_deliveries,
    webhook_endpoints,
    webhook_events,
)

__all__ = [
    "LIVE",
    "NAMING_CONVENTION",
    "benefit_grants",
    "benefits",
    "checkout_link_products",
    "checkout_links",
    "checkouts",
    "custom_fields",
    "customer_sessions",
    "customers",
    "discounts",
    "files",
    "idempotency_records",
    "license_key_activations",
    "license_keys",
    "memberships",
    "metadata",
    "meters",
    "orders",
    "organization_access_tokens",
    "organizations",
    "outbox",
    "payment_methods",
    "payments",
    "personal_access_tokens",
    "product_benefits",
    "product_custom_fields",
    "product_medias",
    "product_prices",
    "products",
    "record_columns",
    "refunds",
    "row_counts",
    "subscriptions",
    "trial_redemptions",
    "users",
    "webhook_deliveries",
    "webhook_endpoints",
    "webhook_events",
]
