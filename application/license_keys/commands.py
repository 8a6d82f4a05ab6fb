"""What clients send to the license keys routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from application.kit.inputs import Command
from domain.license_key import LicenseKeyStatus

MAX_INT = 2_147_483_647
# Conditions and meta: up to 50 pairs, keys up to 40 characters, string values up to 500.
Key = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Value = Annotated[str, StringConstraints(max_length=500)] | int | float | bool
Pairs = Annotated[dict[Key, Value], Field(max_length=50)]


class LicenseKeyUpdate(Command):
    status: LicenseKeyStatus | None = None
    usage: Annotated[int, Field(ge=0, le=MAX_INT)] | None = None
    limit_activations: Annotated[int, Field(ge=1, le=50)] | None = None
    limit_usage: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None
    expires_at: datetime | None = None


class LicenseKeyValidate(Command):
    key: Annotated[str, StringConstraints(max_length=256)]
    organization_id: uuid.UUID
    activation_id: uuid.UUID | None = None
    benefit_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    increment_usage: Annotated[int, Field(ge=0, le=MAX_INT)] | None = None
    conditions: Pairs = Field(default_factory=dict)


class LicenseKeyActivate(Command):
    key: Annotated[str, StringConstraints(max_length=256)]
    organization_id: uuid.UUID
    label: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    conditions: Pairs = Field(default_factory=dict)
    meta: Pairs = Field(default_factory=dict)


class LicenseKeyDeactivate(Command):
    key: Annotated[str, StringConstraints(max_length=256)]
    organization_id: uuid.UUID
    activation_id: uuid.UUID
