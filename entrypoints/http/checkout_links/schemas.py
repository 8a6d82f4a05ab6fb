"""Wire format of checkout links (the client's `CheckoutLink` and `CheckoutLinkProduct`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import UUID4

from application.checkout_links.service import CheckoutLinkView
from application.kit.metadata import MetadataValue
from domain.discount import Discount, DiscountDuration, DiscountType
from domain.product import Product
from entrypoints.http.checkouts.schemas import CheckoutProductSchema, checkout_product
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema
from entrypoints.http.products.schemas import MediaUrl


class CheckoutLinkProductSchema(CheckoutProductSchema):
    """A product a link offers: a checkout's product with its metadata."""

    metadata: dict[str, MetadataValue]


class CheckoutLinkDiscountSchema(Schema):
    """The link's discount as Polar's `Discount…Base` (without its products)."""

    duration: str
    duration_in_months: int | None
    type: Literal["fixed", "percentage"]
    amount: int | None
    currency: str | None
    amounts: dict[str, int] | None
    basis_points: int | None
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    metadata: dict[str, MetadataValue]
    name: str
    code: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    max_redemptions: int | None
    max_redemptions_per_customer: int | None
    redemptions_count: int
    organization_id: UUID4


class CheckoutLinkSchema(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    trial_interval: str | None
    trial_interval_count: int | None
    metadata: dict[str, MetadataValue]
    payment_processor: Literal["stripe"]
    client_secret: str
    success_url: str | None
    return_url: str | None
    label: str | None
    allow_discount_codes: bool
    require_billing_address: bool
    discount_id: UUID4 | None
    seats: int | None
    units: int | None
    organization_id: UUID4
    products: list[CheckoutLinkProductSchema]
    discount: CheckoutLinkDiscountSchema | None
    url: str


def _product(p: Product, media_url: MediaUrl) -> Wire:
    wire = checkout_product(p, media_url)
    wire["metadata"] = p.metadata
    return wire


def _discount(d: Discount) -> Wire:
    """`d` in CheckoutLinkDiscountSchema's field order (every key present)."""
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
        "created_at": d.created_at,
        "modified_at": d.modified_at,
        "id": d.id,
        "metadata": d.metadata,
        "name": d.name,
        "code": d.code,
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "max_redemptions": d.max_redemptions,
        "max_redemptions_per_customer": d.max_redemptions_per_customer,
        "redemptions_count": d.redemptions_count,
        "organization_id": d.organization_id,
    }


def checkout_link_url(api_base_url: str, client_secret: str) -> str:
    """Where a link sends its visitors: its redirect, which opens a new checkout."""
    return f"{api_base_url}/v1/checkout-links/{client_secret}/redirect"


@wire_format(CheckoutLinkSchema)
def checkout_link_wire(view: CheckoutLinkView, api_base_url: str, media_url: MediaUrl) -> Wire:
    """A checkout link's wire document, in CheckoutLinkSchema's field order."""
    link = view.link
    return {
        "id": link.id,
        "created_at": link.created_at,
        "modified_at": link.modified_at,
        "trial_interval": None if link.trial_interval is None else link.trial_interval.value,
        "trial_interval_count": link.trial_interval_count,
        "metadata": link.metadata,
        "payment_processor": "stripe",
        "client_secret": link.client_secret,
        "success_url": link.success_url,
        "return_url": link.return_url,
        "label": link.label,
        "allow_discount_codes": link.allow_discount_codes,
        "require_billing_address": link.require_billing_address,
        "discount_id": link.discount_id,
        "seats": link.seats,
        "units": link.units,
        "organization_id": link.organization_id,
        "products": [_product(p, media_url) for p in view.products],
        "discount": None if view.discount is None else _discount(view.discount),
        "url": checkout_link_url(api_base_url, link.client_secret),
    }
