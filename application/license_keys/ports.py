"""Ports of the license keys module: keys and their activations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.organizations.ports import TenancyUnitOfWork
from domain.customer import Customer
from domain.license_key import LicenseKey, LicenseKeyActivation, LicenseKeyStatus


@dataclass(frozen=True)
class LicenseKeyFilters:
    """List filters; empty means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    benefit_ids: Sequence[uuid.UUID] = ()
    statuses: Sequence[LicenseKeyStatus] = ()


class LicenseKeyRepository(Protocol):
    """License keys. A key is readable by the members of its organization and by the
    organization itself. Keys are unique (whatever their organization)."""

    async def get(self, id: uuid.UUID, *, lock: bool = False) -> LicenseKey | None: ...

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> LicenseKey | None:
        """`lock` holds the row (FOR UPDATE) until the unit of work ends."""
        ...

    async def get_by_key(
        self, organization_id: uuid.UUID, key: str, *, lock: bool = False
    ) -> LicenseKey | None:
        """The organization's key; `lock` holds it (FOR UPDATE): validations and activations
        of one key happen one after the other."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: LicenseKeyFilters,
        pagination: PaginationParams,
    ) -> Page[LicenseKey]:
        """Oldest first, as Polar lists them."""
        ...

    async def create(self, license_key: LicenseKey) -> LicenseKey: ...

    async def update(
        self, license_key: LicenseKey, changes: dict[str, Any] | None = None
    ) -> LicenseKey: ...


class LicenseKeyActivationRepository(Protocol):
    """Activations of license keys; a deactivated one is soft-deleted and never found again."""

    async def get_live(
        self, license_key_id: uuid.UUID, id: uuid.UUID
    ) -> LicenseKeyActivation | None: ...

    async def list_live(self, license_key_id: uuid.UUID) -> list[LicenseKeyActivation]:
        """Oldest first."""
        ...

    async def count_live(self, license_key_id: uuid.UUID) -> int: ...

    async def create(self, activation: LicenseKeyActivation) -> LicenseKeyActivation: ...

    async def update(
        self, activation: LicenseKeyActivation, changes: dict[str, Any] | None = None
    ) -> LicenseKeyActivation: ...


class CustomerLookup(Protocol):
    async def get_including_deleted(self, id: uuid.UUID) -> Customer | None: ...


class LicenseKeyUnitOfWork(TenancyUnitOfWork, Protocol):
    license_keys: LicenseKeyRepository
    license_key_activations: LicenseKeyActivationRepository
    customers: CustomerLookup
