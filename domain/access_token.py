"""Access tokens. Only a digest of the secret is ever stored; the secret is shown once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.base import Entity
from domain.scopes import Scope


class TokenKind(StrEnum):
    personal = "polar_pat_"
    organization = "polar_oat_"
    customer_session = "polar_cst_"

    @classmethod
    def of(cls, token: str) -> TokenKind | None:
        for kind in cls:
            if token.startswith(kind.value) and len(token) > len(kind.value):
                return kind
        return None


@dataclass(kw_only=True)
class _AccessToken(Entity):
    token_digest: str
    comment: str = ""
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None

    def is_usable(self, now: datetime) -> bool:
        if self.deleted_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now

    def revoke(self, at: datetime) -> None:
        self.soft_delete(at)


@dataclass(kw_only=True)
class PersonalAccessToken(_AccessToken):
    user_id: uuid.UUID


@dataclass(kw_only=True)
class OrganizationAccessToken(_AccessToken):
    organization_id: uuid.UUID


# How stale `last_used_at` may get before it is written again: the column is informative, and
# writing it on every request would turn every read into a write.
LAST_USED_RESOLUTION_SECONDS = 60


def needs_usage_record(last_used_at: datetime | None, now: datetime) -> bool:
    return (
        last_used_at is None or (now - last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS
    )
