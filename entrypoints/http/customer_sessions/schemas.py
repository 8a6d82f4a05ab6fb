"""Wire format of customer sessions (Polar's `CustomerSession`)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

from pydantic import UUID4

from domain.customer import Customer
from domain.customer_session import CustomerSession
from entrypoints.http.customers.schemas import CustomerSchema, customer_wire
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class CustomerSessionSchema(Schema):
    """A customer session that can be used to authenticate as a customer."""

    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    token: str
    expires_at: datetime
    return_url: str | None
    customer_portal_url: str
    customer_id: UUID4
    customer: CustomerSchema


def customer_portal_url(
    api_base_url: str, organization_slug: str, token: str, email: str | None
) -> str:
    """Where the customer portal of the organization opens, signed in with `token` (the
    email prefills the portal's sign-in, as in Polar)."""
    query = {"customer_session_token": token}
    if email is not None:
        query["email"] = email
    return f"{api_base_url}/portal/{quote(organization_slug, safe='')}?{urlencode(query)}"


@wire_format(CustomerSessionSchema)
def customer_session_wire(
    session: CustomerSession,
    token: str,
    customer: Customer,
    organization_slug: str,
    api_base_url: str,
) -> Wire:
    """A new session's wire document: the only one that shows its token."""
    return {
        "created_at": session.created_at,
        "modified_at": session.modified_at,
        "id": session.id,
        "token": token,
        "expires_at": session.expires_at,
        "return_url": session.return_url,
        "customer_portal_url": customer_portal_url(
            api_base_url, organization_slug, token, customer.email
        ),
        "customer_id": session.customer_id,
        "customer": customer_wire(customer),
    }
