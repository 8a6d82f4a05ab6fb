"""Wire format of license keys (Polar's `LicenseKeyRead`, `LicenseKeyWithActivations`,
`ValidatedLicenseKey`, `LicenseKeyActivationRead`, `LicenseKeyActivationCreated`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import UUID4

from application.license_keys.service import ActivationView, LicenseKeyView
from domain.license_key import LicenseKeyActivation
from entrypoints.http.customers.schemas import CustomerSchema, customer_wire
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class LicenseKeyActivationBase(Schema):
    id: UUID4
    license_key_id: UUID4
    label: str
    meta: dict[str, Any]
    created_at: datetime
    modified_at: datetime | None


class LicenseKeyRead(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    organization_id: UUID4
    customer_id: UUID4
    customer: CustomerSchema
    member_id: UUID4 | None
    member: None
    benefit_id: UUID4
    key: str
    display_key: str
    status: str
    limit_activations: int | None
    usage: int
    limit_usage: int | None
    validations: int
    last_validated_at: datetime | None
    expires_at: datetime | None


class LicenseKeyWithActivations(LicenseKeyRead):
    activations: list[LicenseKeyActivationBase]


class ValidatedLicenseKey(LicenseKeyRead):
    activation: LicenseKeyActivationBase | None


class LicenseKeyActivationRead(LicenseKeyActivationBase):
    license_key: LicenseKeyRead


@wire_format(LicenseKeyActivationBase)
def activation_wire(a: LicenseKeyActivation) -> Wire:
    return {
        "id": a.id,
        "license_key_id": a.license_key_id,
        "label": a.label,
        "meta": a.meta,
        "created_at": a.created_at,
        "modified_at": a.modified_at,
    }


@wire_format(LicenseKeyRead)
def license_key_wire(view: LicenseKeyView) -> Wire:
    k = view.key
    return {
        "id": k.id,
        "created_at": k.created_at,
        "modified_at": k.modified_at,
        "organization_id": k.organization_id,
        "customer_id": k.customer_id,
        "customer": customer_wire(view.customer),
        "member_id": None,
        "member": None,
        "benefit_id": k.benefit_id,
        "key": k.key,
        "display_key": k.display_key,
        "status": k.status.value,
        "limit_activations": k.limit_activations,
        "usage": k.usage,
        "limit_usage": k.limit_usage,
        "validations": k.validations,
        "last_validated_at": k.last_validated_at,
        "expires_at": k.expires_at,
    }


@wire_format(LicenseKeyWithActivations)
def license_key_with_activations_wire(view: LicenseKeyView) -> Wire:
    return {
        **license_key_wire(view),
        "activations": [activation_wire(a) for a in view.activations],
    }


@wire_format(ValidatedLicenseKey)
def validated_license_key_wire(view: LicenseKeyView) -> Wire:
    activation = view.activation
    return {
        **license_key_wire(view),
        "activation": None if activation is None else activation_wire(activation),
    }


@wire_format(LicenseKeyActivationRead)
def activation_read_wire(view: ActivationView) -> Wire:
    return {**activation_wire(view.activation), "license_key": license_key_wire(view.license_key)}
