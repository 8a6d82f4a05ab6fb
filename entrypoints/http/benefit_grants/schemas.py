"""Wire format of benefit grants (Polar's `BenefitGrant`, and `BenefitGrant<Type>Webhook` in
webhook payloads: the same document, the type told by the embedded benefit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import UUID4

from application.benefit_grants.ports import GrantView
from entrypoints.http.benefits.schemas import BenefitSchema, benefit_wire
from entrypoints.http.customers.schemas import CustomerSchema, customer_wire
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class BenefitGrantError(Schema):
    message: str
    type: str
    timestamp: str


class BenefitGrantSchema(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    granted_at: datetime | None
    is_granted: bool
    revoked_at: datetime | None
    is_revoked: bool
    subscription_id: UUID4 | None
    order_id: UUID4 | None
    customer_id: UUID4
    member_id: UUID4 | None
    benefit_id: UUID4
    error: BenefitGrantError | None
    customer: CustomerSchema
    member: None
    benefit: BenefitSchema
    properties: dict[str, Any]


@wire_format(BenefitGrantSchema)
def benefit_grant_wire(view: GrantView) -> Wire:
    g = view.grant
    return {
        "created_at": g.created_at,
        "modified_at": g.modified_at,
        "id": g.id,
        "granted_at": g.granted_at,
        "is_granted": g.is_granted,
        "revoked_at": g.revoked_at,
        "is_revoked": g.is_revoked,
        "subscription_id": g.subscription_id,
        "order_id": g.order_id,
        "customer_id": g.customer_id,
        "member_id": None,
        "benefit_id": g.benefit_id,
        "error": g.error,
        "customer": customer_wire(view.customer),
        "member": None,
        "benefit": benefit_wire(view.benefit),
        "properties": g.properties,
    }
