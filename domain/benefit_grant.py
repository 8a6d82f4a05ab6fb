"""Benefit grants: a benefit given to a customer, by an order or a subscription.

Rules kept here:

- A grant links one customer, one benefit and its scope (the order or the subscription that
  gave it); there is at most one grant per (customer, benefit, order, subscription): granting
  again updates that grant.
- A grant is granted (`granted_at`) or revoked (`revoked_at`), never both; granting a granted
  grant, or revoking a revoked one, changes nothing (jobs run at least once).
- A revoke that finds no grant for its scope records a tombstone: a grant revoked without ever
  having been granted, which granting later does not grant (the revoke ran first, as jobs may).
  A tombstone never was a grant: it is not shown and tells no one.
- `properties` are what the benefit's type recorded when granting (the license key's id, the
  files, the credited units); `error` what went wrong when it could not be granted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.base import Entity
from domain.errors import InvariantViolation


@dataclass(kw_only=True)
class BenefitGrant(Entity):
    organization_id: uuid.UUID
    customer_id: uuid.UUID
    benefit_id: uuid.UUID
    order_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    granted_at: datetime | None = None
    revoked_at: datetime | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    # {"message", "type", "timestamp"} as the client reads it.
    error: dict[str, Any] | None = None
    # Revoked before it was ever granted (see `tombstone`): it stays revoked.
    is_tombstone: bool = False

    @classmethod
    def tombstone(
        cls,
        *,
        at: datetime,
        organization_id: uuid.UUID,
        customer_id: uuid.UUID,
        benefit_id: uuid.UUID,
        order_id: uuid.UUID | None = None,
        subscription_id: uuid.UUID | None = None,
    ) -> BenefitGrant:
        """The scope revoked before any grant: a grant job coming later grants nothing."""
        return cls(
            created_at=at,
            organization_id=organization_id,
            customer_id=customer_id,
            benefit_id=benefit_id,
            order_id=order_id,
            subscription_id=subscription_id,
            revoked_at=at,
            is_tombstone=True,
        )

    @property
    def is_order_scoped(self) -> bool:
        """Given by one order (not by a subscription): once revoked it is revoked for good."""
        return self.order_id is not None and self.subscription_id is None

    @property
    def is_grantable(self) -> bool:
        """Whether a grant job may (still) grant it: not a tombstone, and not an order's grant
        that was revoked (a redelivered grant job must not undo the refund that revoked it). A
        revoked grant of a subscription, or of neither, may be granted again."""
        if self.is_tombstone:
            return False
        return not (self.is_revoked and self.is_order_scoped)

    @property
    def is_granted(self) -> bool:
        return self.granted_at is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def grant(self, at: datetime, properties: dict[str, Any]) -> bool:
        """Mark granted with the strategy's properties. True when this changed it. Only a
        grantable grant is granted (see `is_grantable`)."""
        if not self.is_grantable:
            raise InvariantViolation("revoked_at", "This grant was revoked for good.")
        changed = not self.is_granted or properties != self.properties or self.error is not None
        if not self.is_granted:
            self.granted_at = at
        self.revoked_at = None
        self.properties = dict(properties)
        self.error = None
        return changed

    def revoke(self, at: datetime, properties: dict[str, Any]) -> bool:
        """Mark revoked. True when this changed it; revoking a revoked grant changes nothing."""
        if self.is_revoked:
            return False
        self.granted_at = None
        self.revoked_at = at
        self.properties = dict(properties)
        return True

    def fail(self, at: datetime, type: str, message: str) -> None:
        """Record why granting failed for good (the grant stays not granted)."""
        self.error = {"message": message, "type": type, "timestamp": at.isoformat()}
