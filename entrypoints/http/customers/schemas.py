"""Wire format of customers (Polar's `Customer`, `CustomerState` and their saved
`CustomerPaymentMethodCard`).

A customer is a `CustomerIndividual` (always with an email) or a `CustomerTeam` (maybe
without); `type` tells them apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import UUID4, Field

from application.customers.service import CustomerState
from domain.customer import Customer, MetadataValue
from domain.payment_method import SavedPaymentMethod
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class AddressSchema(Schema):
    line1: str | None
    line2: str | None
    postal_code: str | None
    city: str | None
    state: str | None
    country: str


class _CustomerBase(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    metadata: dict[str, MetadataValue]
    external_id: str | None


class CustomerIndividual(_CustomerBase):
    """A customer in an organization."""

    email: str
    email_verified: bool
    type: Literal["individual"]
    name: str | None
    billing_name: str | None
    billing_address: AddressSchema | None
    tax_id: list[str | None] | None
    locale: str | None
    organization_id: UUID4
    default_payment_method_id: UUID4 | None
    deleted_at: datetime | None
    first_user_event_at: datetime | None
    avatar_url: str | None


class CustomerTeam(_CustomerBase):
    """A team customer in an organization."""

    email: str | None
    email_verified: bool
    type: Literal["team"]
    name: str | None
    billing_name: str | None
    billing_address: AddressSchema | None
    tax_id: list[str | None] | None
    locale: str | None
    organization_id: UUID4
    default_payment_method_id: UUID4 | None
    deleted_at: datetime | None
    first_user_event_at: datetime | None
    avatar_url: str | None


CustomerSchema = Annotated[
    CustomerIndividual | CustomerTeam, Field(discriminator="type", title="Customer")
]


# What the state lists hold is each module's own schema (subscriptions, benefit grants,
# customer meters); until those modules exist the lists are empty.
class CustomerStateIndividual(CustomerIndividual):
    """A customer along with its active subscriptions, granted benefits and active meters."""

    active_subscriptions: list[dict[str, Any]]
    granted_benefits: list[dict[str, Any]]
    active_meters: list[dict[str, Any]]


class CustomerStateTeam(CustomerTeam):
    """A team customer along with its active subscriptions, granted benefits and active
    meters."""

    active_subscriptions: list[dict[str, Any]]
    granted_benefits: list[dict[str, Any]]
    active_meters: list[dict[str, Any]]


CustomerStateSchema = Annotated[
    CustomerStateIndividual | CustomerStateTeam,
    Field(discriminator="type", title="CustomerState"),
]


class PaymentMethodCardMetadata(Schema):
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    wallet: str | None


class CustomerPaymentMethodCard(Schema):
    """A customer's saved card (the client's `CustomerPaymentMethodCard`)."""

    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    processor: Literal["stripe"]
    customer_id: UUID4
    type: Literal["card"]
    method_metadata: PaymentMethodCardMetadata
    is_default: bool


@wire_format(CustomerPaymentMethodCard)
def payment_method_wire(m: SavedPaymentMethod) -> Wire:
    """A saved card's wire document, in the field order of its schema."""
    card = m.method_metadata
    return {
        "id": m.id,
        "created_at": m.created_at,
        "modified_at": m.modified_at,
        "processor": m.processor.value,
        "customer_id": m.customer_id,
        "type": m.type.value,
        "method_metadata": {
            "brand": card.brand,
            "last4": card.last4,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "wallet": None,
        },
        "is_default": m.is_default,
    }


@wire_format(CustomerSchema)
def customer_wire(c: Customer) -> Wire:
    """A customer's wire document, in the field order of its schema."""
    address = c.billing_address
    return {
        "id": c.id,
        "created_at": c.created_at,
        "modified_at": c.modified_at,
        "metadata": c.metadata,
        "external_id": c.external_id,
        "email": c.email,
        "email_verified": c.email_verified,
        "type": c.type.value,
        "name": c.name,
        "billing_name": c.billing_name,
        "billing_address": None if address is None else address.document(),
        "tax_id": None if c.tax_id is None else [c.tax_id, c.tax_id_format],
        "locale": c.locale,
        "organization_id": c.organization_id,
        "default_payment_method_id": None,
        "deleted_at": c.deleted_at,
        "first_user_event_at": c.first_user_event_at,
        "avatar_url": c.avatar_url,
    }


@wire_format(CustomerStateSchema)
def customer_state_wire(state: CustomerState) -> Wire:
    """A customer state's wire document: the customer, then its lists."""
    return {
        **customer_wire(state.customer),
        "active_subscriptions": state.active_subscriptions,
        "granted_benefits": state.granted_benefits,
        "active_meters": state.active_meters,
    }
