"""License keys: what a license-keys benefit grants, and the activations made with them.

Rules kept here:

- A key is the benefit's prefix (upper-cased, then a dash) and an upper-case UUID; it is shown
  as `****-` and its last six characters (`display_key`).
- Status `granted`, `revoked` or `disabled`. Only a granted, unexpired key validates or
  activates.
- Validating counts (`validations`, `last_validated_at`) and may add to `usage`, never past
  `limit_usage`.
- A key with `limit_activations` has at most that many live activations; one without any limit
  cannot be activated (it is only validated).
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.base import Entity, new_id
from domain.errors import InvariantViolation


class LicenseKeyStatus(StrEnum):
    granted = "granted"
    revoked = "revoked"
    disabled = "disabled"


def generate_key(prefix: str | None = None) -> str:
    key = str(new_id()).upper()
    if not prefix:
        return key
    return f"{prefix.strip().upper()}-{key}"


def expiry(at: datetime, ttl: int, timeframe: str) -> datetime:
    """`at` plus `ttl` days, months or years (a month end stays in range)."""
    if timeframe == "day":
        return at + timedelta(days=ttl)
    months = ttl * (12 if timeframe == "year" else 1)
    month_index = at.month - 1 + months
    year, month = at.year + month_index // 12, month_index % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


@dataclass(kw_only=True)
class LicenseKey(Entity):
    organization_id: uuid.UUID
    customer_id: uuid.UUID
    benefit_id: uuid.UUID
    key: str = field(default_factory=generate_key)
    status: LicenseKeyStatus = LicenseKeyStatus.granted
    usage: int = 0
    limit_usage: int | None = None
    limit_activations: int | None = None
    validations: int = 0
    last_validated_at: datetime | None = None
    expires_at: datetime | None = None

    @property
    def display_key(self) -> str:
        return f"****-{self.key[-6:]}"

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def is_usable(self, now: datetime) -> bool:
        """Granted and not expired: the key validates and activates."""
        return self.status is LicenseKeyStatus.granted and not self.is_expired(now)

    def remaining_usage(self) -> int | None:
        return None if self.limit_usage is None else self.limit_usage - self.usage

    def mark_validated(self, now: datetime, increment_usage: int | None = None) -> None:
        if increment_usage:
            remaining = self.remaining_usage()
            if remaining is not None and increment_usage > remaining:
                raise InvariantViolation(
                    "increment_usage", f"License key only has {remaining} more usages."
                )
            self.usage += increment_usage
        self.validations += 1
        self.last_validated_at = now

    def can_activate(self, live_activations: int) -> bool:
        return self.limit_activations is not None and live_activations < self.limit_activations


@dataclass(kw_only=True)
class LicenseKeyActivation(Entity):
    license_key_id: uuid.UUID
    label: str
    meta: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
