"""Inputs of the checkout use cases (also the request bodies): the client's `CheckoutCreate`,
`CheckoutUpdate` and `CheckoutUpdatePublic`, as far as Meridian keeps them. Presentment
currencies and subscription upgrades come later; sending them is accepted and ignored where the
client sends defaults."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from application.customers.commands import AddressInput, Email, TaxId
from application.kit.inputs import Command, JsonInt
from application.kit.metadata import MetadataInput
from domain.checkout import NAME_MAX_LENGTH, URL_MAX_LENGTH
from domain.product import Interval

Name = Annotated[str, StringConstraints(max_length=NAME_MAX_LENGTH)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=URL_MAX_LENGTH)]
Amount = Annotated[int, Field(ge=0, le=99_999_999)]
Count = Annotated[int, Field(ge=1, le=1_000_000)]
TrialCount = Annotated[JsonInt, Field(ge=1, le=1000)]


class _CustomerFields(Command):
    customer_name: Name | None = None
    customer_email: Email | None = None
    customer_billing_name: Name | None = None
    customer_billing_address: AddressInput | None = None
    customer_tax_id: TaxId = None
    is_business_customer: bool | None = None
    locale: Annotated[str, StringConstraints(max_length=16)] | None = None


class CheckoutCreate(_CustomerFields):
    products: Annotated[list[uuid.UUID], Field(min_length=1, max_length=100)]
    amount: Amount | None = None
    seats: Count | None = None
    units: Count | None = None
    discount_id: uuid.UUID | None = None
    allow_discount_codes: bool = True
    require_billing_address: bool = False
    customer_id: uuid.UUID | None = None
    external_customer_id: Annotated[str, StringConstraints(max_length=256)] | None = None
    customer_ip_address: Annotated[str, StringConstraints(max_length=64)] | None = None
    metadata: MetadataInput = Field(default_factory=dict)
    customer_metadata: MetadataInput = Field(default_factory=dict)
    success_url: Url | None = None
    return_url: Url | None = None
    embed_origin: Url | None = None
    # The trial offered: the product's unless overridden here; none when allow_trial is off.
    allow_trial: bool = True
    trial_interval: Interval | None = None
    trial_interval_count: TrialCount | None = None


class CheckoutUpdatePublic(_CustomerFields):
    """What the customer changes from the checkout page (by client secret)."""

    product_id: uuid.UUID | None = None
    product_price_id: uuid.UUID | None = None
    amount: Amount | None = None
    seats: Count | None = None
    units: Count | None = None
    discount_code: Annotated[str, StringConstraints(max_length=256)] | None = None
    # The customer may only turn the trial off (say, when one was redeemed already).
    allow_trial: Literal[False] | None = None


class CheckoutConfirm(CheckoutUpdatePublic):
    """What the customer submits (by client secret): the last changes, the answers to the
    product's custom fields, and the processor's token for the card (Stripe's confirmation
    token; the sandbox's `tok_sandbox_*`)."""

    confirmation_token_id: Annotated[str, StringConstraints(max_length=256)] | None = None
    custom_field_data: dict[str, Any] | None = None


class CheckoutUpdate(CheckoutUpdatePublic):
    """What the merchant changes (by id)."""

    discount_id: uuid.UUID | None = None
    allow_discount_codes: bool | None = None
    require_billing_address: bool | None = None
    customer_ip_address: Annotated[str, StringConstraints(max_length=64)] | None = None
    metadata: MetadataInput | None = None
    customer_metadata: MetadataInput | None = None
    success_url: Url | None = None
    return_url: Url | None = None
    embed_origin: Url | None = None
    trial_interval: Interval | None = None
    trial_interval_count: TrialCount | None = None
    allow_trial: bool | None = None  # type: ignore[assignment]  # the merchant may turn it on
