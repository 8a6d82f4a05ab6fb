"""Users, organizations, memberships, access tokens and the job outbox."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from adapters.sqlalchemy.tables.base import LIVE, list_index, metadata, record_columns

users = Table(
    "users",
    metadata,
    *record_columns(),
    Column("email", String(320), nullable=False),
)
Index("uq_users_email_live", func.lower(users.c.email), unique=True, postgresql_where=LIVE)

organizations = Table(
    "organizations",
    metadata,
    *record_columns(),
    Column("name", String(128), nullable=False),
    Column("slug", String(64), nullable=False),
    Column("avatar_url", Text, nullable=True),
    Column("email", String(320), nullable=True),
    Column("website", Text, nullable=True),
    Column("country", String(2), nullable=True),
    Column("socials", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("status", String(32), nullable=False),
    Column("status_changed_at", DateTime(timezone=True), nullable=True),
    Column("details_submitted_at", DateTime(timezone=True), nullable=True),
    Column("default_presentment_currency", String(3), nullable=False),
    Column("default_tax_behavior", String(16), nullable=False),
    Column("feature_settings", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("subscription_settings", JSONB, nullable=False),
    Column("customer_email_settings", JSONB, nullable=False),
    Column("customer_portal_settings", JSONB, nullable=False),
    Column("dispute_settings", JSONB, nullable=False),
    Column("embed_hosts", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
)
# Slugs are unique among live organizations: a deleted organization's slug can be taken again.
Index("uq_organizations_slug_live", organizations.c.slug, unique=True, postgresql_where=LIVE)
Index("ix_organizations_created_at", organizations.c.created_at)

memberships = Table(
    "memberships",
    metadata,
    *record_columns(),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("role", String(16), nullable=False),
)
Index(
    "uq_memberships_user_organization_live",
    memberships.c.user_id,
    memberships.c.organization_id,
    unique=True,
    postgresql_where=LIVE,
)
Index("ix_memberships_organization_id", memberships.c.organization_id)


def token_columns() -> list[Column[object]]:
    """What both kinds of access token store: a digest of the secret, never the secret."""
    return [
        Column("token_digest", String(128), nullable=False, unique=True),
        Column("comment", String(255), nullable=False, server_default=""),
        Column("scopes", ARRAY(String(64)), nullable=False),
        Column("expires_at", DateTime(timezone=True), nullable=True),
        Column("last_used_at", DateTime(timezone=True), nullable=True),
    ]


personal_access_tokens = Table(
    "personal_access_tokens",
    metadata,
    *record_columns(),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    *token_columns(),
)

organization_access_tokens = Table(
    "organization_access_tokens",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    *token_columns(),
)
# The pages of each sort order a token list offers; by organization, an organization's tokens
# are in id order.
list_index("ix_organization_access_tokens_organization_id", organization_access_tokens)
list_index(
    "ix_organization_access_tokens_organization_id_created_at",
    organization_access_tokens,
    organization_access_tokens.c.created_at,
)
list_index(
    "ix_organization_access_tokens_organization_id_comment",
    organization_access_tokens,
    organization_access_tokens.c.comment,
)
list_index(
    "ix_organization_access_tokens_organization_id_last_used_at",
    organization_access_tokens,
    organization_access_tokens.c.last_used_at,
)

# Jobs enqueued by a unit of work, written in its transaction and sent after its commit.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("job_name", String(128), nullable=False),
    Column("arguments", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("dispatched_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # The request the job was enqueued for (X-Request-Id), for the logs of the job.
    Column("request_id", String(128), nullable=True),
)
Index(
    "ix_outbox_pending",
    outbox.c.created_at,
    postgresql_where=text("dispatched_at IS NULL"),
)
