"""Benefit grants: a benefit given to a customer, by an order or a subscription.

Rules kept here:

- A grant links one customer, one benefit and its scope (the order or the subscription that
  gave it); there is at most one grant per (customer, benefit, order, subscription): granting
  again updates that grant.
- A grant is granted (`granted_at`) or revoked (`revoked_at`), never both; granting a granted
  grant, or revoking a revoked one, changes nothing (jobs run at least once).
- `properties` are what the benefit's type recorded when granting (the license key's id, the
  files, the credited units); `error` what went wrong when it could not be granted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.base import Entity


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

    @property
    def is_granted(self) -> bool:
        return self.granted_at is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def grant(self, at: datetime, properties: dict[str, Any]) -> bool:
        """Mark granted with the strategy's properties. True when this changed it."""
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
