"""Order use cases: the order a succeeded checkout makes (`from_checkout`, a checkout
fulfiller), reading orders, and changing whom an order's invoice is addressed to.

Jobs (each also a webhook event of the same name, see entrypoints/modules/orders.py):
`order.created`, `order.paid`, `order.updated`, `order.refunded`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from application.auth import AuthSubject
from application.kit.errors import ResourceNotFound, invariants_as_validation
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.orders.commands import OrderUpdate
from application.orders.ports import OrderFilters, OrderUnitOfWork
from application.orders.sorting import OrderSortProperty
from application.ports import Clock
from domain.address import Address
from domain.checkout import Checkout
from domain.customer import Customer
from domain.discount import Discount
from domain.order import BillingReason, Order, OrderItem, OrderStatus
from domain.payment import Payment
from domain.product import Product

ORDER_CREATED = "order.created"
ORDER_PAID = "order.paid"
ORDER_UPDATED = "order.updated"
ORDER_REFUNDED = "order.refunded"

NOT_FOUND = "Order not found."


class PaidListener(Protocol):
    """Called once per order that was just paid, in the unit of work that pays it, with the
    product bought: the benefit grants module grants the product's benefits there."""

    async def __call__(self, uow: Any, order: Order, product: Product) -> None: ...


class SubscriptionStarter(Protocol):
    """Starts the subscription a checkout of a recurring product buys (the subscriptions
    module); its id goes on the first order."""

    async def __call__(
        self, uow: Any, checkout: Checkout, product: Product, customer: Customer
    ) -> uuid.UUID: ...


@dataclass(frozen=True)
class OrderView:
    """An order with what its wire format shows."""

    order: Order
    customer: Customer | None
    product: Product | None
    discount: Discount | None


class OrderService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.paid_listeners: list[PaidListener] = []
        self.subscription_starter: SubscriptionStarter | None = None

    def on_paid(self, listener: PaidListener) -> None:
        """Have `listener` told of every order paid from now on (once, however many times it
        subscribes)."""
        if listener not in self.paid_listeners:
            self.paid_listeners.append(listener)

    # --- reads ----------------------------------------------------------------------------------

    async def list(
        self,
        uow: OrderUnitOfWork,
        subject: AuthSubject,
        *,
        filters: OrderFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[OrderSortProperty]],
    ) -> Page[Order]:
        return await uow.orders.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(
        self, uow: OrderUnitOfWork, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Order:
        order = await uow.orders.get_readable(subject, id, lock=lock)
        if order is None:
            raise ResourceNotFound(NOT_FOUND)
        return order

    async def view(self, uow: OrderUnitOfWork, order: Order) -> OrderView:
        return (await self.views(uow, [order]))[0]

    async def views(self, uow: OrderUnitOfWork, orders: Sequence[Order]) -> Sequence[OrderView]:
        """`orders` with what they show, each customer, product and discount read once
        however many orders show it."""
        customers: dict[uuid.UUID, Customer | None] = {}
        products: dict[uuid.UUID, Product | None] = {}
        discounts: dict[uuid.UUID, Discount | None] = {}
        for order in orders:
            if order.customer_id not in customers:
                customers[order.customer_id] = await uow.customers.get_including_deleted(
                    order.customer_id
                )
            if order.product_id is not None and order.product_id not in products:
                products[order.product_id] = await uow.products.get(order.product_id)
            if order.discount_id is not None and order.discount_id not in discounts:
                discounts[order.discount_id] = await uow.discounts.get_including_deleted(
                    order.discount_id
                )
        return [
            OrderView(
                order=order,
                customer=customers[order.customer_id],
                product=None if order.product_id is None else products[order.product_id],
                discount=None if order.discount_id is None else discounts[order.discount_id],
            )
            for order in orders
        ]

    # --- writes ---------------------------------------------------------------------------------

    async def update(self, uow: OrderUnitOfWork, order: Order, command: OrderUpdate) -> Order:
        """Change `order`'s billing name and address (read locked)."""
        sent = command.model_fields_set
        if "billing_name" in sent:
            order.billing_name = command.billing_name
        if "billing_address" in sent and command.billing_address is not None:
            value = command.billing_address
            with invariants_as_validation(("body", "billing_address")):
                order.billing_address = Address.create(
                    country=value.country,
                    line1=value.line1,
                    line2=value.line2,
                    postal_code=value.postal_code,
                    city=value.city,
                    state=value.state,
                )
        await uow.orders.update(order)
        self._changed(uow, ORDER_UPDATED, order)
        return order

    async def from_checkout(
        self, uow: OrderUnitOfWork, checkout: Checkout, payment: Payment | None
    ) -> Order:
        """The paid order a succeeded checkout makes (a checkout fulfiller), with the
        subscription it starts when the product is recurring; `payment` (None when free) is
        attached to it. Idempotent: a checkout makes one order."""
        existing = await uow.orders.get_by_checkout(checkout.id)
        if existing is not None:
            return existing
        assert checkout.customer_id is not None, "a confirmed checkout has its customer"
        now = self.clock.now()
        product = await uow.products.get(checkout.product_id)
        customer = await uow.customers.get_including_deleted(checkout.customer_id)
        assert product is not None and customer is not None
        subscription_id = None
        reason = BillingReason.purchase
        if product.is_recurring and self.subscription_starter is not None:
            subscription_id = await self.subscription_starter(uow, checkout, product, customer)
            reason = BillingReason.subscription_create
        # A trial's first order charges nothing; its one line names the trial's dates.
        trial = checkout.trial_end is not None and subscription_id is not None
        charged = 0 if trial else 1  # multiplies every amount
        label = product.name
        if trial:
            assert checkout.trial_end is not None
            label = trial_label(product.name, now, checkout.trial_end)
        order = Order.create(
            at=now,
            organization_id=checkout.organization_id,
            customer_id=customer.id,
            product_id=product.id,
            status=OrderStatus.pending,
            billing_reason=reason,
            currency=checkout.currency,
            subtotal_amount=charged * checkout.amount,
            discount_amount=charged * checkout.discount_amount,
            net_amount=charged * checkout.net_amount,
            tax_amount=charged * checkout.tax_amount,
            total_amount=charged * checkout.total_amount,
            billing_name=checkout.customer_billing_name or checkout.customer_name,
            billing_address=checkout.customer_billing_address,
            seats=checkout.seats,
            units=checkout.units,
            discount_id=None if trial else checkout.discount_id,
            subscription_id=subscription_id,
            checkout_id=checkout.id,
            description=product.name,
            items=[
                OrderItem(
                    id=uuid.uuid4(),
                    created_at=now,
                    label=label,
                    amount=charged * checkout.amount,
                    tax_amount=charged * checkout.tax_amount,
                    product_price_id=checkout.product_price_id,
                )
            ],
            metadata=dict(checkout.metadata),
            custom_field_data=dict(checkout.custom_field_data),
        )
        order.mark_paid(now)
        await uow.orders.create(order)
        if payment is not None:
            payment.attach_order(order.id, now)
            await uow.payments.update(payment)
        self._changed(uow, ORDER_CREATED, order)
        self._changed(uow, ORDER_PAID, order)
        for listener in self.paid_listeners:
            await listener(uow, order, product)
        return order

    def _changed(self, uow: OrderUnitOfWork, event: str, order: Order) -> None:
        uow.enqueue(event, order_id=str(order.id), organization_id=str(order.organization_id))


def trial_label(product_name: str, start: datetime, end: datetime) -> str:
    """A trial order's line: the product and the trial's first and last dates."""
    return f"Trial period for {product_name} ({_day(start)} - {_day(end)})"


def _day(at: datetime) -> str:
    return f"{at:%b} {at.day}, {at.year}"
