"""Wire format of orders (Polar's `Order`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import UUID4

from application.orders.service import OrderView
from domain.order import Order
from entrypoints.http.customers.schemas import AddressSchema, CustomerSchema, customer_wire
from entrypoints.http.discounts.schemas import discount_schema
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema
from entrypoints.http.products.schemas import product_fields

OrderStatusLiteral = Literal["draft", "pending", "paid", "refunded", "partially_refunded", "void"]
BillingReasonLiteral = Literal[
    "purchase",
    "subscription_create",
    "subscription_cycle",
    "subscription_update",
    "subscription_meter_cycle",
]


class OrderProductSchema(Schema):
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
    metadata: dict[str, Any]


class OrderItemSchema(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    label: str
    amount: int
    tax_amount: int
    proration: bool
    product_price_id: UUID4 | None
    start_timestamp: datetime | None
    end_timestamp: datetime | None


class OrderSchema(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    status: OrderStatusLiteral
    paid: bool
    subtotal_amount: int
    discount_amount: int
    net_amount: int
    tax_amount: int
    total_amount: int
    applied_balance_amount: int
    due_amount: int
    refunded_amount: int
    refunded_tax_amount: int
    currency: str
    billing_reason: BillingReasonLiteral
    billing_name: str | None
    billing_address: AddressSchema | None
    invoice_number: str | None
    is_invoice_generated: bool
    receipt_number: str | None
    seats: int | None
    units: int | None
    customer_id: UUID4
    product_id: UUID4 | None
    discount_id: UUID4 | None
    subscription_id: UUID4 | None
    checkout_id: UUID4 | None
    next_payment_attempt_at: datetime | None
    metadata: dict[str, Any]
    custom_field_data: dict[str, Any]
    platform_fee_amount: int
    platform_fee_currency: str | None
    customer: CustomerSchema
    product: OrderProductSchema | None
    discount: dict[str, Any] | None
    subscription: dict[str, Any] | None
    items: list[OrderItemSchema]
    description: str
    refundable_amount: int
    refundable_tax_amount: int


def _discount(view: OrderView) -> Wire | None:
    if view.discount is None:
        return None
    wire = discount_schema(view.discount, {}).model_dump(mode="json")
    wire.pop("products", None)
    return wire


@wire_format(OrderSchema)
def order_wire(view: OrderView) -> Wire:
    """An order's wire document, in OrderSchema's field order."""
    o: Order = view.order
    assert view.customer is not None, "an order's customer outlives it"
    address = o.billing_address
    return {
        "id": o.id,
        "created_at": o.created_at,
        "modified_at": o.modified_at,
        "status": o.status.value,
        "paid": o.paid,
        "subtotal_amount": o.subtotal_amount,
        "discount_amount": o.discount_amount,
        "net_amount": o.net_amount,
        "tax_amount": o.tax_amount,
        "total_amount": o.total_amount,
        "applied_balance_amount": 0,
        "due_amount": o.due_amount,
        "refunded_amount": o.refunded_amount,
        "refunded_tax_amount": o.refunded_tax_amount,
        "currency": o.currency,
        "billing_reason": o.billing_reason.value,
        "billing_name": o.billing_name,
        "billing_address": None if address is None else address.document(),
        "invoice_number": None,
        "is_invoice_generated": False,
        "receipt_number": None,
        "seats": o.seats,
        "units": o.units,
        "customer_id": o.customer_id,
        "product_id": o.product_id,
        "discount_id": o.discount_id,
        "subscription_id": o.subscription_id,
        "checkout_id": o.checkout_id,
        "next_payment_attempt_at": None,
        "metadata": o.metadata,
        "custom_field_data": o.custom_field_data,
        "platform_fee_amount": 0,
        "platform_fee_currency": None,
        "customer": customer_wire(view.customer),
        "product": None if view.product is None else product_fields(view.product),
        "discount": _discount(view),
        "subscription": None,
        "items": [
            {
                "created_at": item.created_at,
                "modified_at": None,
                "id": item.id,
                "label": item.label,
                "amount": item.amount,
                "tax_amount": item.tax_amount,
                "proration": item.proration,
                "product_price_id": item.product_price_id,
                "start_timestamp": None,
                "end_timestamp": None,
            }
            for item in o.items
        ],
        "description": o.description,
        "refundable_amount": o.refundable_amount,
        "refundable_tax_amount": o.refundable_tax_amount,
    }
