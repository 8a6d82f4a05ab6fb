"""The bare baseline: the benchmarked routes as the least code could serve them.

FastAPI and an asyncpg pool, nothing else: no authentication, no dependency injection, no
repositories or entities, no pydantic models. Each route runs the SQL the app's repositories
emit (kept textually close to it so that PostgreSQL does the same work) and builds the same
JSON keys by hand. Whom it serves is fixed by the environment: the user whose organizations
are listed and the organization that receives tokens and whose products are listed. Run it with
`python -m uvicorn bench.baseline:app` and `MERIDIAN_BENCH_BASELINE_*` set.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from fastapi import FastAPI, Request, Response

DSN = os.environ.get("MERIDIAN_BENCH_BASELINE_DSN", "")
USER_ID = uuid.UUID(os.environ.get("MERIDIAN_BENCH_BASELINE_USER_ID", str(uuid.UUID(int=0))))
ORGANIZATION_ID = uuid.UUID(
    os.environ.get("MERIDIAN_BENCH_BASELINE_ORGANIZATION_ID", str(uuid.UUID(int=0)))
)

ORGANIZATION_COLUMNS = """
    organizations.id, organizations.created_at, organizations.modified_at,
    organizations.deleted_at, organizations.name, organizations.slug, organizations.avatar_url,
    organizations.email, organizations.website, organizations.country, organizations.socials,
    organizations.status, organizations.status_changed_at, organizations.details_submitted_at,
    organizations.default_presentment_currency, organizations.default_tax_behavior,
    organizations.feature_settings, organizations.subscription_settings,
    organizations.customer_email_settings, organizations.customer_portal_settings,
    organizations.dispute_settings, organizations.embed_hosts"""

READABLE = """
    organizations.deleted_at IS NULL AND organizations.id = ANY (array((
        SELECT memberships.organization_id FROM memberships
        WHERE memberships.user_id = $1::UUID AND memberships.deleted_at IS NULL)))"""

LIST_ORGANIZATIONS = f"""
SELECT {ORGANIZATION_COLUMNS}, count(*) OVER () AS _total_count
FROM organizations
WHERE {READABLE}
ORDER BY organizations.created_at ASC NULLS FIRST, organizations.id ASC
LIMIT $2::INTEGER OFFSET $3::INTEGER"""

GET_ORGANIZATION = f"""
SELECT {ORGANIZATION_COLUMNS}
FROM organizations
WHERE {READABLE} AND organizations.id = $2::UUID"""

# The organization as its own token reads it (what a write by that token checks first).
GET_OWN_ORGANIZATION = f"""
SELECT {ORGANIZATION_COLUMNS}
FROM organizations
WHERE organizations.deleted_at IS NULL AND organizations.id = $1::UUID
    AND organizations.id = $2::UUID"""

INSERT_TOKEN = """
INSERT INTO organization_access_tokens
    (id, created_at, modified_at, deleted_at, organization_id, token_digest, comment, scopes,
     expires_at, last_used_at)
VALUES ($1::UUID, $2::TIMESTAMP WITH TIME ZONE, NULL, NULL, $3::UUID, $4::VARCHAR,
        $5::VARCHAR, $6::VARCHAR(64)[], NULL, NULL)"""

INSERT_PRODUCT = """
INSERT INTO products
    (id, created_at, modified_at, deleted_at, organization_id, name, description, visibility,
     is_archived, recurring_interval, recurring_interval_count, trial_interval,
     trial_interval_count, metadata)
VALUES ($1::UUID, $2::TIMESTAMP WITH TIME ZONE, NULL, NULL, $3::UUID, $4::VARCHAR, NULL,
        'public', false, NULL, NULL, NULL, NULL, '{}'::JSONB)"""

INSERT_PRICE = """
INSERT INTO product_prices
    (id, created_at, modified_at, deleted_at, product_id, amount_type, price_currency,
     tax_behavior, source, is_archived, sort_amount, meter_id, details)
VALUES ($1::UUID, $2::TIMESTAMP WITH TIME ZONE, NULL, NULL, $3::UUID, 'fixed', 'usd', NULL,
        'catalog', false, $4::INTEGER, NULL, $5::JSONB)"""

# The job the app's product creation enqueues, written in the same transaction (the outbox).
INSERT_OUTBOX = """
INSERT INTO outbox (id, job_name, arguments, created_at)
VALUES ($1::UUID, $2::VARCHAR, $3::JSONB, $4::TIMESTAMP WITH TIME ZONE)"""

# The organization token's view: its own organization's products, newest first, with their
# total from the row counts the database keeps.
LIST_PRODUCTS = """
SELECT products.id, products.created_at, products.modified_at, products.deleted_at,
    products.organization_id, products.name, products.description, products.visibility,
    products.is_archived, products.recurring_interval, products.recurring_interval_count,
    products.trial_interval, products.trial_interval_count, products.metadata,
    (SELECT coalesce(sum(row_counts.rows), 0) FROM row_counts
     WHERE row_counts.table_name = 'products' AND row_counts.organization_id = $1::UUID)
    AS _total_count
FROM products
WHERE products.deleted_at IS NULL AND products.organization_id = $1::UUID
ORDER BY products.created_at DESC NULLS LAST, products.id DESC
LIMIT $2::INTEGER OFFSET $3::INTEGER"""

# The page's product ids as one array parameter, as the app binds them; metered prices' meters
# joined as the app joins them (the bench data has none).
LIST_PRICES = """
SELECT product_prices.id, product_prices.created_at, product_prices.modified_at,
    product_prices.deleted_at, product_prices.product_id, product_prices.amount_type,
    product_prices.price_currency, product_prices.tax_behavior, product_prices.source,
    product_prices.is_archived, product_prices.sort_amount, product_prices.meter_id,
    product_prices.details, meters.name AS meter_name, meters.unit AS meter_unit,
    meters.custom_label AS meter_custom_label,
    meters.custom_multiplier AS meter_custom_multiplier
FROM product_prices LEFT OUTER JOIN meters ON meters.id = product_prices.meter_id
WHERE product_prices.product_id = ANY($1::UUID[]) AND product_prices.deleted_at IS NULL
ORDER BY product_prices.created_at, product_prices.id"""

# The benefits of the page's products, in their order (as the app's third statement).
LIST_BENEFITS = """
SELECT benefits.id, benefits.created_at, benefits.modified_at, benefits.deleted_at,
    benefits.organization_id, benefits.type, benefits.description, benefits.visibility,
    benefits.selectable, benefits.deletable, benefits.metadata, benefits.properties,
    product_benefits.product_id AS granted_by
FROM benefits JOIN product_benefits ON product_benefits.benefit_id = benefits.id
WHERE product_benefits.product_id = ANY($1::UUID[]) AND benefits.deleted_at IS NULL
ORDER BY product_benefits.product_id, product_benefits.position"""

# The media of the page's products (none in the bench data, but the app asks, so this does).
LIST_MEDIAS = """
SELECT files.id, product_medias.product_id AS shown_by
FROM files JOIN product_medias ON product_medias.file_id = files.id
WHERE product_medias.product_id = ANY($1::UUID[]) AND files.deleted_at IS NULL
ORDER BY product_medias.product_id, product_medias.position"""

OPERATIONAL_STATUSES = {"active", "created", "review", "snoozed"}

# The app's pool: 10 connections plus 10 of overflow.
POOL_MIN, POOL_MAX = 10, 20

pool: asyncpg.Pool | None = None


async def _init_connection(connection: asyncpg.Connection) -> None:
    # asyncpg hands JSONB over as text; decode it as SQLAlchemy's asyncpg dialect does.
    await connection.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global pool
    # Defaults otherwise: on release the pool resets each connection (one more round trip).
    pool = await asyncpg.create_pool(
        DSN, min_size=POOL_MIN, max_size=POOL_MAX, init=_init_connection
    )
    try:
        yield
    finally:
        await pool.close()


app = FastAPI(lifespan=lifespan, redirect_slashes=False)


def _json(body: object, status_code: int = 200) -> Response:
    return Response(json.dumps(body), status_code=status_code, media_type="application/json")


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _organization(row: Mapping[str, Any]) -> dict[str, Any]:
    """The wire format of OrganizationSchema, from a row."""
    operational = row["status"] in OPERATIONAL_STATUSES
    subscription = row["subscription_settings"]
    portal = row["customer_portal_settings"]
    return {
        "created_at": _time(row["created_at"]),
        "modified_at": _time(row["modified_at"]),
        "id": str(row["id"]),
        "name": row["name"],
        "slug": row["slug"],
        "avatar_url": row["avatar_url"],
        "proration_behavior": subscription.get("proration_behavior", "prorate"),
        "allow_customer_updates": subscription.get("allow_customer_updates", True),
        "email": row["email"],
        "website": row["website"],
        "socials": row["socials"],
        "status": row["status"],
        "details_submitted_at": _time(row["details_submitted_at"]),
        "onboarding_resubmission_requested_at": None,
        "sso_enforced": False,
        "default_presentment_currency": row["default_presentment_currency"],
        "default_tax_behavior": row["default_tax_behavior"],
        "feature_settings": row["feature_settings"],
        "subscription_settings": subscription,
        "customer_email_settings": row["customer_email_settings"],
        "customer_portal_settings": {
            "usage": {"show": portal.get("usage_show", True)},
            "subscription": {
                "update_seats": portal.get("subscription_update_seats", True),
                "update_plan": portal.get("subscription_update_plan", True),
                "update_units": portal.get("subscription_update_units", True),
                "pause": portal.get("subscription_pause", False),
            },
            "customer": {"allow_email_change": portal.get("customer_allow_email_change", False)},
        },
        "dispute_settings": {
            "auto_accept_below_amount": row["dispute_settings"].get("auto_accept_below_amount")
        },
        "embed_hosts": row["embed_hosts"],
        "country": row["country"],
        "account_id": None,
        "payout_account_id": None,
        "capabilities": {
            "checkout_payments": operational,
            "subscription_renewals": operational,
            "payouts": False,
            "refunds": operational,
            "api_access": operational,
            "dashboard_access": True,
        },
    }


def _price(row: Mapping[str, Any]) -> dict[str, Any]:
    """The wire format of ProductPriceSchema, from a row; the variant's fields are in `details`."""
    details, kind = row["details"], row["amount_type"]
    price = {
        "created_at": _time(row["created_at"]),
        "modified_at": _time(row["modified_at"]),
        "id": str(row["id"]),
        "source": row["source"],
        "price_currency": row["price_currency"],
        "tax_behavior": row["tax_behavior"],
        "is_archived": row["is_archived"],
        "product_id": str(row["product_id"]),
        "amount_type": kind,
    }
    if kind == "fixed":
        price["price_amount"] = details["amount"]
    elif kind == "custom":
        price.update(details)  # minimum_amount, maximum_amount, preset_amount
    else:
        tiers = details["tiers"]
        price["seat_tiers"] = {
            "tiers": tiers,
            "minimum_seats": tiers[0]["min_seats"],
            "maximum_seats": tiers[-1]["max_seats"],
        }
    return price


def _benefit(row: Mapping[str, Any]) -> dict[str, Any]:
    """The wire format of BenefitSchema, from a row."""
    return {
        "id": str(row["id"]),
        "created_at": _time(row["created_at"]),
        "modified_at": _time(row["modified_at"]),
        "type": row["type"],
        "description": row["description"],
        "selectable": row["selectable"],
        "deletable": row["deletable"],
        "is_deleted": row["deleted_at"] is not None,
        "organization_id": str(row["organization_id"]),
        "metadata": row["metadata"],
        "visibility": row["visibility"],
        "properties": row["properties"],
        "visibility_configurable": True,
    }


def _product(
    row: Mapping[str, Any], prices: list[dict[str, Any]], benefits: list[dict[str, Any]]
) -> dict[str, Any]:
    """The wire format of ProductSchema, from a row, its prices and its benefits."""
    return {
        "id": str(row["id"]),
        "created_at": _time(row["created_at"]),
        "modified_at": _time(row["modified_at"]),
        "trial_interval": row["trial_interval"],
        "trial_interval_count": row["trial_interval_count"],
        "name": row["name"],
        "description": row["description"],
        "visibility": row["visibility"],
        "recurring_interval": row["recurring_interval"],
        "recurring_interval_count": row["recurring_interval_count"],
        "meter_interval": None,
        "meter_interval_count": None,
        "is_recurring": row["recurring_interval"] is not None,
        "is_archived": row["is_archived"],
        "organization_id": str(row["organization_id"]),
        "metadata": row["metadata"],
        "is_deletable": True,
        "prices": prices,
        "benefits": benefits,
        # No media in the bench data; custom fields are not built yet.
        "medias": [],
        "attached_custom_fields": [],
    }


@app.get("/healthz")
async def healthz() -> Response:
    return _json({"status": "ok"})


@app.get("/v1/organizations/")
async def list_organizations(page: int = 1, limit: int = 10) -> Response:
    assert pool is not None
    rows = await pool.fetch(LIST_ORGANIZATIONS, USER_ID, limit, (page - 1) * limit)
    total = rows[0]["_total_count"] if rows else 0
    return _json(
        {
            "items": [_organization(row) for row in rows],
            "pagination": {"total_count": total, "max_page": math.ceil(total / limit)},
        }
    )


@app.get("/v1/organizations/{id}")
async def get_organization(id: str) -> Response:
    assert pool is not None
    row = await pool.fetchrow(GET_ORGANIZATION, USER_ID, uuid.UUID(id))
    if row is None:
        return _json({"error": "ResourceNotFound", "detail": "Organization not found."}, 404)
    return _json(_organization(row))


@app.post("/v1/organization-access-tokens/")
async def create_token(request: Request) -> Response:
    assert pool is not None
    body = await request.json()
    secret = "polar_oat_" + secrets.token_urlsafe(32)
    id, now, scopes = uuid.uuid4(), datetime.now(UTC), sorted(body["scopes"])
    # The app's statements, in one transaction: the organization checked, the token written.
    async with pool.acquire() as connection, connection.transaction():
        if (
            await connection.fetchrow(GET_OWN_ORGANIZATION, ORGANIZATION_ID, ORGANIZATION_ID)
            is None
        ):
            return _json({"error": "ResourceNotFound", "detail": "Organization not found."}, 404)
        # A SHA-256 digest of the secret costs about what the app's HMAC does.
        await connection.execute(
            INSERT_TOKEN,
            id,
            now,
            ORGANIZATION_ID,
            hashlib.sha256(secret.encode()).hexdigest(),
            body["comment"],
            scopes,
        )
    token = {
        "id": str(id),
        "created_at": now.isoformat(),
        "modified_at": None,
        "scopes": scopes,
        "expires_at": None,
        "comment": body["comment"],
        "last_used_at": None,
        "organization_id": str(ORGANIZATION_ID),
    }
    return _json({"organization_access_token": token, "token": secret}, 201)


@app.post("/v1/products/")
async def create_product(request: Request) -> Response:
    """A product with one fixed price (the bench's body), as the app writes it: the organization
    checked, the product, its price and its `product.created` job in one transaction."""
    assert pool is not None
    body = await request.json()
    id, price_id, now = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    amount = body["prices"][0]["price_amount"]
    job = {"product_id": str(id), "organization_id": str(ORGANIZATION_ID)}
    async with pool.acquire() as connection, connection.transaction():
        if (
            await connection.fetchrow(GET_OWN_ORGANIZATION, ORGANIZATION_ID, ORGANIZATION_ID)
            is None
        ):
            return _json({"error": "ResourceNotFound", "detail": "Organization not found."}, 404)
        await connection.execute(INSERT_PRODUCT, id, now, ORGANIZATION_ID, body["name"])
        await connection.execute(INSERT_PRICE, price_id, now, id, amount, {"amount": amount})
        await connection.execute(INSERT_OUTBOX, uuid.uuid4(), "product.created", job, now)
    price = {
        "id": price_id,
        "created_at": now,
        "modified_at": None,
        "source": "catalog",
        "price_currency": "usd",
        "tax_behavior": None,
        "is_archived": False,
        "product_id": id,
        "amount_type": "fixed",
        "details": {"amount": amount},
    }
    row = {
        "id": id,
        "created_at": now,
        "modified_at": None,
        "trial_interval": None,
        "trial_interval_count": None,
        "name": body["name"],
        "description": None,
        "visibility": "public",
        "recurring_interval": None,
        "recurring_interval_count": None,
        "is_archived": False,
        "organization_id": ORGANIZATION_ID,
        "metadata": {},
    }
    return _json(_product(row, [_price(price)], []), 201)


@app.get("/v1/products/")
async def list_products(page: int = 1, limit: int = 10) -> Response:
    assert pool is not None
    # Four statements on one connection, as the app's unit of work runs them.
    async with pool.acquire() as connection:
        rows = await connection.fetch(LIST_PRODUCTS, ORGANIZATION_ID, limit, (page - 1) * limit)
        prices: dict[uuid.UUID, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
        benefits: dict[uuid.UUID, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
        if rows:
            ids = list(prices)
            for price in await connection.fetch(LIST_PRICES, ids):
                prices[price["product_id"]].append(_price(price))
            for benefit in await connection.fetch(LIST_BENEFITS, ids):
                benefits[benefit["granted_by"]].append(_benefit(benefit))
            await connection.fetch(LIST_MEDIAS, ids)
    total = int(rows[0]["_total_count"]) if rows else 0
    return _json(
        {
            "items": [_product(row, prices[row["id"]], benefits[row["id"]]) for row in rows],
            "pagination": {"total_count": total, "max_page": math.ceil(total / limit)},
        }
    )
