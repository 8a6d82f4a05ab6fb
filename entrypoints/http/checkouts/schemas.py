"""Wire format of checkouts: Polar's `Checkout` (merchant routes, webhooks) and `CheckoutPublic`
(the customer's routes, by client secret).

Trials, custom fields, tax and subscriptions come with later modules: their fields are null,
empty or 0. The payment processor is `stripe`, as the client knows no other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import UUID4

from application.checkouts.service import CheckoutView
from application.kit.metadata import MetadataValue
from domain.benefit import Benefit
from domain.checkout import Checkout
from domain.discount import Discount, DiscountDuration, DiscountType
from domain.price import CustomPrice, FixedPrice, Price, SeatBasedPrice, UnitBasedPrice
from domain.product import Product
from entrypoints.http.customers.schemas import AddressSchema
from entrypoints.http.files.schemas import PublicFileRead
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema
from entrypoints.http.products.schemas import (
    MediaUrl,
    ProductPriceSchema,
    _media_wire,
    attached_custom_fields_wire,
    price_wire,
    product_fields,
)

FieldMode = Literal["required", "optional", "disabled"]
# Countries whose addresses need a state (Polar asks for it in the US and Canada).
STATE_COUNTRIES = frozenset({"US", "CA"})


class BillingAddressFields(Schema):
    country: FieldMode
    state: FieldMode
    city: FieldMode
    postal_code: FieldMode
    line1: FieldMode
    line2: FieldMode


class BenefitPublicSchema(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    type: str
    description: str
    selectable: bool
    deletable: bool
    is_deleted: bool
    organization_id: UUID4
    # Only `meter_credit` benefits show their properties (units and meter) to customers.
    properties: dict[str, Any] | None


class CheckoutProductSchema(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    trial_interval: str | None
    trial_interval_count: int | None
    name: str
    description: str | None
    visibility: str
    recurring_interval: str | None
    recurring_interval_count: int | None
    meter_interval: str | None
    meter_interval_count: int | None
    is_recurring: bool
    is_archived: bool
    organization_id: UUID4
    prices: list[ProductPriceSchema]
    benefits: list[BenefitPublicSchema]
    medias: list[PublicFileRead]


class CheckoutDiscountSchema(Schema):
    """`CheckoutDiscountFixed…` and `CheckoutDiscountPercentage…`: what the customer sees of
    the discount applied."""

    duration: str
    duration_in_months: int | None
    type: Literal["fixed", "percentage"]
    amount: int | None
    currency: str | None
    amounts: dict[str, int] | None
    basis_points: int | None
    id: UUID4
    name: str
    code: str | None


class CheckoutOrganizationSchema(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    name: str
    slug: str
    avatar_url: str | None
    proration_behavior: str
    allow_customer_updates: bool


class _CheckoutBase(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    custom_field_data: dict[str, Any]
    payment_processor: Literal["stripe"]
    status: Literal["open", "expired", "confirmed", "succeeded", "failed"]
    client_secret: str
    url: str
    expires_at: datetime
    success_url: str
    return_url: str | None
    embed_origin: str | None
    amount: int
    seats: int | None
    min_seats: int | None
    max_seats: int | None
    units: int | None
    min_units: int | None
    max_units: int | None
    discount_amount: int
    net_amount: int
    tax_amount: int | None
    tax_behavior: str | None
    total_amount: int
    currency: str
    allow_trial: bool | None
    active_trial_interval: str | None
    active_trial_interval_count: int | None
    trial_end: datetime | None
    organization_id: UUID4
    product_id: UUID4 | None
    product_price_id: UUID4 | None
    discount_id: UUID4 | None
    allow_discount_codes: bool
    require_billing_address: bool
    is_discount_applicable: bool
    is_free_product_price: bool
    is_payment_required: bool
    is_payment_setup_required: bool
    is_payment_form_required: bool
    customer_id: UUID4 | None
    is_business_customer: bool
    customer_name: str | None
    customer_email: str | None
    customer_ip_address: str | None
    customer_billing_name: str | None
    customer_billing_address: AddressSchema | None
    customer_tax_id: str | None
    locale: str | None
    payment_method_type: str | None
    payment_processor_metadata: dict[str, str]
    billing_address_fields: BillingAddressFields


class CheckoutSchema(_CheckoutBase):
    """Checkout session data retrieved using an access token."""

    trial_interval: str | None
    trial_interval_count: int | None
    metadata: dict[str, MetadataValue]
    external_customer_id: str | None
    products: list[CheckoutProductSchema]
    product: CheckoutProductSchema | None
    product_price: ProductPriceSchema | None
    prices: dict[str, list[ProductPriceSchema]] | None
    discount: CheckoutDiscountSchema | None
    subscription_id: UUID4 | None
    attached_custom_fields: list[dict[str, Any]]
    customer_metadata: dict[str, MetadataValue]


class CheckoutPublicSchema(_CheckoutBase):
    """Checkout session data retrieved using the client secret."""

    products: list[CheckoutProductSchema]
    product: CheckoutProductSchema | None
    product_price: ProductPriceSchema | None
    prices: dict[str, list[ProductPriceSchema]] | None
    discount: CheckoutDiscountSchema | None
    organization: CheckoutOrganizationSchema
    attached_custom_fields: list[dict[str, Any]]


class CheckoutPublicConfirmedSchema(CheckoutPublicSchema):
    """A checkout just confirmed, with a customer session token for its buyer."""

    customer_session_token: str | None


def billing_address_fields(c: Checkout) -> Wire:
    """Which address fields the checkout form asks for: the full address of a business or
    when the merchant requires it, else the country (and in the US, state and postal code)."""
    address = c.customer_billing_address
    country = address.country if address is not None else None
    needs_state = country in STATE_COUNTRIES
    if c.require_billing_address or c.is_business_customer:
        return {
            "country": "required",
            "state": "required" if needs_state else "optional",
            "city": "required",
            "postal_code": "required",
            "line1": "required",
            "line2": "optional",
        }
    us = country == "US"
    return {
        "country": "required",
        "state": "required" if us else "disabled",
        "city": "disabled",
        "postal_code": "required" if us else "disabled",
        "line1": "disabled",
        "line2": "disabled",
    }


def _benefit_public(b: Benefit) -> Wire:
    return {
        "id": b.id,
        "created_at": b.created_at,
        "modified_at": b.modified_at,
        "type": b.type,
        "description": b.description,
        "selectable": b.selectable,
        "deletable": b.deletable,
        "is_deleted": b.is_deleted,
        "organization_id": b.organization_id,
        "properties": b.properties if b.type == "meter_credit" else None,
    }


def _live_prices(p: Product) -> list[Wire]:
    return [price_wire(price) for price in p.prices if not price.is_archived]


def checkout_product(p: Product, media_url: MediaUrl) -> Wire:
    """A product as a checkout shows it (`CheckoutProduct`): its live prices, benefits and
    media, none of its metadata."""
    wire = product_fields(p)
    del wire["metadata"]
    wire["prices"] = _live_prices(p)
    wire["benefits"] = [_benefit_public(b) for b in p.benefits]
    wire["medias"] = [_media_wire(m, media_url) for m in p.medias]
    return wire


def _discount(d: Discount) -> Wire:
    fixed = d.type is DiscountType.fixed
    return {
        "duration": d.duration.value,
        "duration_in_months": d.duration_in_months
        if d.duration is DiscountDuration.repeating
        else None,
        "type": d.type.value,
        "amount": d.amount if fixed else None,
        "currency": d.currency if fixed else None,
        "amounts": dict(d.amounts) if fixed else None,
        "basis_points": None if fixed else d.basis_points,
        "id": d.id,
        "name": d.name,
        "code": d.code,
    }


def _bounds(price: Price | None) -> tuple[int | None, int | None, int | None, int | None]:
    """(min_seats, max_seats, min_units, max_units) of the chosen price."""
    if isinstance(price, SeatBasedPrice):
        return price.minimum_seats, price.maximum_seats, None, None
    if isinstance(price, UnitBasedPrice):
        return None, None, price.minimum_units, price.maximum_units
    return None, None, None, None


def _common(view: CheckoutView, api_base_url: str, media_url: MediaUrl) -> Wire:
    """The fields `Checkout` and `CheckoutPublic` share, in their order."""
    c = view.checkout
    product = view.product
    price = view.price
    min_seats, max_seats, min_units, max_units = _bounds(price)
    free_price = (isinstance(price, FixedPrice) and price.amount == 0) or (
        isinstance(price, CustomPrice) and price.minimum_amount == 0 and c.amount == 0
    )
    payment_required = c.is_payment_required
    setup_required = (
        product is not None and price is not None and c.is_payment_setup_required(product, price)
    )
    trial = None if product is None else c.active_trial(product)
    address = c.customer_billing_address
    checkout_url = f"{api_base_url}/checkout/{c.client_secret}"
    return {
        "id": c.id,
        "created_at": c.created_at,
        "modified_at": c.modified_at,
        "custom_field_data": c.custom_field_data,
        "payment_processor": "stripe",
        "status": c.status.value,
        "client_secret": c.client_secret,
        "url": checkout_url,
        "expires_at": c.expires_at,
        "success_url": c.resolved_success_url(f"{checkout_url}/confirmation"),
        "return_url": c.return_url,
        "embed_origin": c.embed_origin,
        "amount": c.amount,
        "seats": c.seats,
        "min_seats": min_seats,
        "max_seats": max_seats,
        "units": c.units,
        "min_units": min_units,
        "max_units": max_units,
        "discount_amount": c.discount_amount,
        "net_amount": c.net_amount,
        "tax_amount": c.tax_amount,
        "tax_behavior": None,
        "total_amount": c.total_amount,
        "currency": c.currency,
        "allow_trial": c.allow_trial,
        "active_trial_interval": None if trial is None else trial[0].value,
        "active_trial_interval_count": None if trial is None else trial[1],
        "trial_end": c.trial_end,
        "organization_id": c.organization_id,
        "product_id": c.product_id,
        "product_price_id": c.product_price_id,
        "discount_id": c.discount_id,
        "allow_discount_codes": c.allow_discount_codes,
        "require_billing_address": c.require_billing_address,
        "is_discount_applicable": c.amount > 0,
        "is_free_product_price": free_price,
        "is_payment_required": payment_required,
        "is_payment_setup_required": setup_required,
        "is_payment_form_required": payment_required or setup_required,
        "customer_id": c.customer_id,
        "is_business_customer": c.is_business_customer,
        "customer_name": c.customer_name,
        "customer_email": c.customer_email,
        "customer_ip_address": c.customer_ip_address,
        "customer_billing_name": c.customer_billing_name,
        "customer_billing_address": None if address is None else address.document(),
        "customer_tax_id": c.customer_tax_id,
        "locale": c.locale,
        "payment_method_type": None,
        "payment_processor_metadata": {},
        "billing_address_fields": billing_address_fields(c),
    }


def _offer(view: CheckoutView, media_url: MediaUrl) -> Wire:
    """products, product, product_price, prices and discount, in the schemas' order."""
    products = [checkout_product(p, media_url) for p in view.products]
    chosen = view.product
    price = view.price
    return {
        "products": products,
        "product": next((w for w in products if chosen is not None and w["id"] == chosen.id), None),
        "product_price": None if price is None else price_wire(price),
        "prices": {str(p.id): w["prices"] for p, w in zip(view.products, products, strict=True)},
        "discount": None if view.discount is None else _discount(view.discount),
    }


@wire_format(CheckoutSchema)
def checkout_wire(view: CheckoutView, api_base_url: str, media_url: MediaUrl) -> Wire:
    """A checkout's wire document for its merchant, in CheckoutSchema's field order."""
    c = view.checkout
    wire = _common(view, api_base_url, media_url)
    wire["trial_interval"] = None if c.trial_interval is None else c.trial_interval.value
    wire["trial_interval_count"] = c.trial_interval_count
    wire["metadata"] = c.metadata
    wire["external_customer_id"] = c.external_customer_id
    wire.update(_offer(view, media_url))
    wire["subscription_id"] = None
    wire["attached_custom_fields"] = (
        [] if view.product is None else attached_custom_fields_wire(view.product)
    )
    wire["customer_metadata"] = c.customer_metadata
    return wire


@wire_format(CheckoutPublicConfirmedSchema)
def checkout_confirmed_wire(
    view: CheckoutView, api_base_url: str, media_url: MediaUrl, customer_session_token: str | None
) -> Wire:
    """A checkout just confirmed, for its buyer: the public document and a customer session
    token (the client's `CheckoutPublicConfirmed`)."""
    wire = checkout_public_wire(view, api_base_url, media_url)
    wire["customer_session_token"] = customer_session_token
    return wire


@wire_format(CheckoutPublicSchema)
def checkout_public_wire(view: CheckoutView, api_base_url: str, media_url: MediaUrl) -> Wire:
    """A checkout's wire document for whoever holds its client secret, in
    CheckoutPublicSchema's field order."""
    wire = _common(view, api_base_url, media_url)
    wire.update(_offer(view, media_url))
    o = view.organization
    assert o is not None, "a checkout's organization outlives it"
    wire["organization"] = {
        "created_at": o.created_at,
        "modified_at": o.modified_at,
        "id": o.id,
        "name": o.name,
        "slug": o.slug,
        "avatar_url": o.avatar_url,
        "proration_behavior": o.subscription_settings.proration_behavior,
        "allow_customer_updates": o.subscription_settings.allow_customer_updates,
    }
    wire["attached_custom_fields"] = (
        [] if view.product is None else attached_custom_fields_wire(view.product)
    )
    return wire
