"""Wire format of the customer portal (Polar's `CustomerPortalCustomer`…)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import UUID4

from domain.customer import Customer
from entrypoints.http.customers.schemas import AddressSchema
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class CustomerPortalCustomer(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    email: str | None
    email_verified: bool
    name: str | None
    billing_name: str | None
    billing_address: AddressSchema | None
    tax_id: list[str | None] | None
    # Accounts linked through OAuth (GitHub, Discord) for benefits; none yet.
    oauth_accounts: dict[str, Any]
    default_payment_method_id: UUID4 | None = None
    type: Literal["individual", "team"] | None = None
    locale: str | None = None


@wire_format(CustomerPortalCustomer)
def customer_portal_customer_wire(c: Customer) -> Wire:
    address = c.billing_address
    return {
        "created_at": c.created_at,
        "modified_at": c.modified_at,
        "id": c.id,
        "email": c.email,
        "email_verified": c.email_verified,
        "name": c.name,
        "billing_name": c.billing_name,
        "billing_address": None if address is None else address.document(),
        "tax_id": None if c.tax_id is None else [c.tax_id, c.tax_id_format],
        "oauth_accounts": {},
        "default_payment_method_id": None,
        "type": c.type.value,
        "locale": c.locale,
    }
