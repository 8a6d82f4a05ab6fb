"""License key use cases.

Keys are issued by the license-keys benefit when it is granted (adapters/benefits/
license_keys.py). Merchants list, read, change and rotate them; the software a customer runs
validates a key, activates it on a device and deactivates it, either with the organization's
token or publicly (the customer portal routes: the key itself is the capability).

Validation and activation lock the key's row first (FOR UPDATE): concurrent activations of one
key are counted one after the other, so a key never holds more than `limit_activations`, and
`increment_usage` never goes past `limit_usage`. As in Polar, a revoked, disabled or expired key
does not validate (404) nor activate (403).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from application.auth import AuthSubject
from application.kit.errors import BadRequest, NotPermitted, ResourceNotFound
from application.kit.pagination import Page, PaginationParams
from application.license_keys.commands import (
    LicenseKeyActivate,
    LicenseKeyDeactivate,
    LicenseKeyUpdate,
    LicenseKeyValidate,
)
from application.license_keys.ports import LicenseKeyFilters, LicenseKeyUnitOfWork
from application.ports import Clock
from domain.customer import Customer
from domain.errors import InvariantViolation
from domain.license_key import (
    LicenseKey,
    LicenseKeyActivation,
    LicenseKeyStatus,
    generate_key,
)

log = logging.getLogger("meridian.license_keys")

NOT_FOUND = "License key not found."
ROTATABLE = frozenset({LicenseKeyStatus.granted, LicenseKeyStatus.disabled})


class RotateNotPermitted(BadRequest):
    def __init__(self, status: LicenseKeyStatus) -> None:
        allowed = ", ".join(sorted(s.value for s in ROTATABLE))
        super().__init__(
            "License key cannot be rotated in its current status. "
            f"Current status: {status.value}. Allowed statuses: {allowed}."
        )


@dataclass(frozen=True)
class LicenseKeyView:
    """A key with its customer, and what a route shows with it."""

    key: LicenseKey
    customer: Customer
    activations: tuple[LicenseKeyActivation, ...] = ()
    activation: LicenseKeyActivation | None = None


@dataclass(frozen=True)
class ActivationView:
    activation: LicenseKeyActivation
    license_key: LicenseKeyView


class LicenseKeyService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def _view(self, uow: LicenseKeyUnitOfWork, key: LicenseKey) -> LicenseKeyView:
        customer = await uow.customers.get_including_deleted(key.customer_id)
        if customer is None:  # A key's customer is never removed (foreign key).
            raise ResourceNotFound(NOT_FOUND)
        return LicenseKeyView(key, customer)

    async def list(
        self,
        uow: LicenseKeyUnitOfWork,
        subject: AuthSubject,
        *,
        filters: LicenseKeyFilters,
        pagination: PaginationParams,
    ) -> Page[LicenseKeyView]:
        page = await uow.license_keys.list_readable(subject, filters=filters, pagination=pagination)
        return Page(
            items=[await self._view(uow, k) for k in page.items],
            total_count=page.total_count,
            limit=page.limit,
        )

    async def _readable(
        self, uow: LicenseKeyUnitOfWork, subject: AuthSubject, id: uuid.UUID, lock: bool = False
    ) -> LicenseKey:
        key = await uow.license_keys.get_readable(subject, id, lock=lock)
        if key is None:
            raise ResourceNotFound(NOT_FOUND)
        return key

    async def get(
        self, uow: LicenseKeyUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> LicenseKeyView:
        key = await self._readable(uow, subject, id)
        view = await self._view(uow, key)
        activations = await uow.license_key_activations.list_live(key.id)
        return LicenseKeyView(view.key, view.customer, activations=tuple(activations))

    async def update(
        self,
        uow: LicenseKeyUnitOfWork,
        subject: AuthSubject,
        id: uuid.UUID,
        command: LicenseKeyUpdate,
    ) -> LicenseKeyView:
        key = await self._readable(uow, subject, id, lock=True)
        for name in command.model_fields_set:
            value = getattr(command, name)
            if name in {"status", "usage"} and value is None:
                continue  # Not nullable: null leaves them as they are.
            setattr(key, name, value)
        await uow.license_keys.update(key)
        return await self._view(uow, key)

    async def rotate(
        self, uow: LicenseKeyUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> LicenseKeyView:
        """A new key string for the same record; the previous one stops validating at once."""
        key = await self._readable(uow, subject, id, lock=True)
        if key.status not in ROTATABLE:
            raise RotateNotPermitted(key.status)
        prefix = key.key.rsplit("-", 5)[0] if key.key.count("-") > 4 else None
        key.key = generate_key(prefix)
        await uow.license_keys.update(key)
        log.info("license key %s rotated", key.id)
        return await self._view(uow, key)

    async def get_activation(
        self,
        uow: LicenseKeyUnitOfWork,
        subject: AuthSubject,
        id: uuid.UUID,
        activation_id: uuid.UUID,
    ) -> ActivationView:
        key = await self._readable(uow, subject, id)
        activation = await uow.license_key_activations.get_live(key.id, activation_id)
        if activation is None:
            raise ResourceNotFound("Activation not found.")
        return ActivationView(activation, await self._view(uow, key))

    # --- What the customer's software calls ----------------------------------------------------

    @staticmethod
    def _organization(subject: AuthSubject | None, organization_id: uuid.UUID) -> uuid.UUID:
        """With a token (the organization's), the body's organization must be the token's:
        another's answers as an unknown key."""
        if subject is not None and subject.id != organization_id:
            raise ResourceNotFound(NOT_FOUND)
        return organization_id

    async def _by_key(
        self, uow: LicenseKeyUnitOfWork, organization_id: uuid.UUID, key: str
    ) -> LicenseKey:
        found = await uow.license_keys.get_by_key(organization_id, key, lock=True)
        if found is None:
            raise ResourceNotFound(NOT_FOUND)
        return found

    async def validate(
        self,
        uow: LicenseKeyUnitOfWork,
        subject: AuthSubject | None,
        command: LicenseKeyValidate,
    ) -> LicenseKeyView:
        organization_id = self._organization(subject, command.organization_id)
        key = await self._by_key(uow, organization_id, command.key)
        now = self.clock.now()
        if key.status is not LicenseKeyStatus.granted:
            raise ResourceNotFound("License key is no longer active.")
        if key.is_expired(now):
            raise ResourceNotFound("License key has expired.")
        activation = None
        if command.activation_id is not None:
            activation = await uow.license_key_activations.get_live(key.id, command.activation_id)
            if activation is None:
                raise ResourceNotFound("Activation not found.")
            if activation.conditions and command.conditions != activation.conditions:
                raise ResourceNotFound("License key does not match required conditions")
        if command.benefit_id is not None and command.benefit_id != key.benefit_id:
            raise ResourceNotFound("License key does not match given benefit.")
        if command.customer_id is not None and command.customer_id != key.customer_id:
            raise ResourceNotFound("License key does not match given user.")
        try:
            key.mark_validated(now, command.increment_usage)
        except InvariantViolation as error:
            raise BadRequest(error.message) from error
        await uow.license_keys.update(key)
        view = await self._view(uow, key)
        return LicenseKeyView(view.key, view.customer, activation=activation)

    async def activate(
        self,
        uow: LicenseKeyUnitOfWork,
        subject: AuthSubject | None,
        command: LicenseKeyActivate,
    ) -> ActivationView:
        organization_id = self._organization(subject, command.organization_id)
        key = await self._by_key(uow, organization_id, command.key)
        now = self.clock.now()
        if key.status is not LicenseKeyStatus.granted:
            raise NotPermitted(
                "License key is no longer active. This license key can not be activated."
            )
        if key.is_expired(now):
            raise NotPermitted("License key has expired.")
        if key.limit_activations is None:
            raise NotPermitted(
                "This license key does not support activations. "
                "Use the /validate endpoint instead to check license validity."
            )
        live = await uow.license_key_activations.count_live(key.id)
        if not key.can_activate(live):
            raise NotPermitted("License key activation limit reached")
        activation = LicenseKeyActivation(
            created_at=now,
            license_key_id=key.id,
            label=command.label,
            meta=dict(command.meta),
            conditions=dict(command.conditions),
        )
        await uow.license_key_activations.create(activation)
        return ActivationView(activation, await self._view(uow, key))

    async def deactivate(
        self,
        uow: LicenseKeyUnitOfWork,
        subject: AuthSubject | None,
        command: LicenseKeyDeactivate,
    ) -> None:
        organization_id = self._organization(subject, command.organization_id)
        key = await self._by_key(uow, organization_id, command.key)
        activation = await uow.license_key_activations.get_live(key.id, command.activation_id)
        if activation is None:
            raise ResourceNotFound("Activation not found.")
        activation.soft_delete(self.clock.now())
        await uow.license_key_activations.update(activation)
