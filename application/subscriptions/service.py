"""Subscription use cases: read subscriptions, and start one.

`start` is the one way a subscription begins, whoever asks: the orders module when a checkout
of a recurring product succeeds, and `create` (`POST /v1/subscriptions/`) for a free product
without payment. It writes in the caller's unit of work and never commits.

`SubscriptionService.on_started(listener)` is the seam other modules hook: each listener is
awaited with `(uow, subscription, product)` in the unit of work that starts the subscription
(benefit grants hook there); a listener's writes commit with the subscription, or neither does.

Jobs (each also a webhook event of the same name, see entrypoints/modules/subscriptions.py):
`subscription.created`, `subscription.active` when it starts trialing or active, then
`subscription.updated` (Polar sends all three on a start: merchants rely on `updated` for
everything); `customer.state_changed` for its customer.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from application.auth import AuthSubject
from application.customers.service import CUSTOMER_STATE_CHANGED
from application.kit.errors import ResourceNotFound, ValidationFailed
from application.kit.metadata import check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.ports import Clock
from application.subscriptions.commands import SubscriptionCreate, SubscriptionCreateCustomer
from application.subscriptions.ports import SubscriptionFilters, SubscriptionUnitOfWork
from application.subscriptions.sorting import SubscriptionSortProperty
from domain.checkout import Checkout
from domain.customer import Customer
from domain.discount import Discount
from domain.errors import InvariantViolation
from domain.price import FixedPrice, Price
from domain.product import Product
from domain.subscription import Subscription

SUBSCRIPTION_CREATED = "subscription.created"
SUBSCRIPTION_ACTIVE = "subscription.active"
SUBSCRIPTION_UPDATED = "subscription.updated"

NOT_FOUND = "Subscription not found."
NOT_RECURRING = "Product is not a recurring product."
NOT_FREE = (
    "Product is not free. The customer should go through a checkout to create a paid subscription."
)


class StartedListener(Protocol):
    """Called once per subscription just started, inside the unit of work that starts it (the
    whole unit of work: a listener uses its own module's repositories)."""

    async def __call__(self, uow: Any, subscription: Subscription, product: Product) -> None: ...


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription with what its wire format shows: its customer, product and discount."""

    subscription: Subscription
    customer: Customer
    product: Product
    discount: Discount | None


def _free_price(product: Product) -> Price | None:
    """The product's price when it is free (a fixed price of 0), else None."""
    prices = product.live_prices
    if len(prices) == 1 and isinstance(prices[0], FixedPrice) and prices[0].is_free:
        return prices[0]
    return None


class SubscriptionService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.started_listeners: list[StartedListener] = []

    def on_started(self, listener: StartedListener) -> None:
        """Have `listener` awaited for every subscription started from now on (once, however
        many times it is added)."""
        if listener not in self.started_listeners:
            self.started_listeners.append(listener)

    # --- reads ----------------------------------------------------------------------------------

    async def list(
        self,
        uow: SubscriptionUnitOfWork,
        subject: AuthSubject,
        *,
        filters: SubscriptionFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[SubscriptionSortProperty]],
    ) -> Page[Subscription]:
        return await uow.subscriptions.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(
        self, uow: SubscriptionUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> Subscription:
        subscription = await uow.subscriptions.get_readable(subject, id)
        if subscription is None:
            raise ResourceNotFound(NOT_FOUND)
        return subscription

    async def view(
        self, uow: SubscriptionUnitOfWork, subscription: Subscription
    ) -> SubscriptionView:
        return (await self.views(uow, [subscription]))[0]

    async def views(
        self, uow: SubscriptionUnitOfWork, subscriptions: Sequence[Subscription]
    ) -> Sequence[SubscriptionView]:
        """`subscriptions` with what they show, each customer, product and discount read once
        however many show it. A subscription keeps its product from deletion (the product is
        in use) and shows its customer even once deleted."""
        customers: dict[uuid.UUID, Customer | None] = {}
        products: dict[uuid.UUID, Product | None] = {}
        discounts: dict[uuid.UUID, Discount | None] = {}
        for s in subscriptions:
            if s.customer_id not in customers:
                customers[s.customer_id] = await uow.customers.get_including_deleted(s.customer_id)
            if s.product_id not in products:
                products[s.product_id] = await uow.products.get(s.product_id)
            if s.discount_id is not None and s.discount_id not in discounts:
                discounts[s.discount_id] = await uow.discounts.get_including_deleted(s.discount_id)
        views: list[SubscriptionView] = []
        for s in subscriptions:
            customer, product = customers[s.customer_id], products[s.product_id]
            if customer is None or product is None:
                raise LookupError(f"subscription {s.id}: its customer or product is gone")
            discount = None if s.discount_id is None else discounts[s.discount_id]
            views.append(SubscriptionView(s, customer, product, discount))
        return views

    # --- writes ---------------------------------------------------------------------------------

    async def start(
        self,
        uow: SubscriptionUnitOfWork,
        *,
        customer: Customer,
        product: Product,
        price: Price,
        amount: int,
        currency: str,
        discount_id: uuid.UUID | None,
        seats: int | None,
        units: int | None,
        checkout_id: uuid.UUID | None,
        metadata: Mapping[str, Any],
        custom_field_data: Mapping[str, Any],
        trial_end: datetime | None = None,
        product_trial: bool = False,
    ) -> Subscription:
        """Start `customer`'s subscription to the recurring `product` at `price`, billing
        `amount` of `currency` per period: trialing until `trial_end` when given (or for the
        product's own trial with `product_trial`), else active, its first period from now. Enqueues its events and tells the started listeners, in
        `uow`, which the caller commits. The caller holds the product (locked, or FOR SHARE as
        `ProductRepository.get_summaries(lock=True)` does) so that it cannot be deleted
        meanwhile: a subscription keeps its product in use."""
        if product.recurring_interval is None:
            raise InvariantViolation("product_id", NOT_RECURRING)
        subscription = Subscription.start(
            at=self.clock.now(),
            recurring_interval=product.recurring_interval,
            recurring_interval_count=product.recurring_interval_count,
            trial_end=trial_end,
            trial_interval=product.trial_interval if product_trial else None,
            trial_interval_count=product.trial_interval_count if product_trial else None,
            organization_id=product.organization_id,
            customer_id=customer.id,
            product_id=product.id,
            price_ids=[price.id],
            amount=amount,
            currency=currency,
            discount_id=discount_id,
            checkout_id=checkout_id,
            seats=seats,
            units=units,
            metadata=dict(metadata),
            custom_field_data=dict(custom_field_data),
        )
        await uow.subscriptions.create(subscription)
        self._changed(uow, SUBSCRIPTION_CREATED, subscription)
        if subscription.is_active:
            self._changed(uow, SUBSCRIPTION_ACTIVE, subscription)
        self._changed(uow, SUBSCRIPTION_UPDATED, subscription)
        uow.enqueue(
            CUSTOMER_STATE_CHANGED,
            customer_id=str(customer.id),
            organization_id=str(customer.organization_id),
        )
        for listener in self.started_listeners:
            await listener(uow, subscription, product)
        return subscription

    async def from_checkout(
        self, uow: SubscriptionUnitOfWork, checkout: Checkout, product: Product, customer: Customer
    ) -> uuid.UUID:
        """`start` for a succeeded checkout of the recurring `product` (held by the caller):
        its price, amount before discount (as Polar's subscription amount: the discount is
        applied when billing), currency, discount, seats, units, metadata and custom field
        answers. Returns the subscription's id (the first order's `subscription_id`)."""
        price = next((p for p in product.prices if p.id == checkout.product_price_id), None)
        if price is None:
            raise InvariantViolation("product_price_id", "Not a price of the checkout's product.")
        subscription = await self.start(
            uow,
            customer=customer,
            product=product,
            price=price,
            amount=checkout.amount,
            currency=checkout.currency,
            discount_id=checkout.discount_id,
            seats=checkout.seats,
            units=checkout.units,
            checkout_id=checkout.id,
            metadata=checkout.metadata,
            custom_field_data=checkout.custom_field_data,
            trial_end=checkout.trial_end,
        )
        return subscription.id

    async def create(
        self, uow: SubscriptionUnitOfWork, subject: AuthSubject, command: SubscriptionCreate
    ) -> Subscription:
        """Start a subscription to a free recurring product for an existing customer of the
        product's organization, without payment (`POST /v1/subscriptions/`)."""
        # Held (FOR UPDATE) until the commit: a concurrent deletion waits, then finds the
        # product in use; or, committed first, leaves it not found here.
        product = await uow.products.get_readable(subject, command.product_id, lock=True)
        product_input = str(command.product_id)
        if product is None or product.is_archived:
            raise ValidationFailed.single(
                ("body", "product_id"), "Product does not exist or is archived.", product_input
            )
        if not product.is_recurring:
            raise ValidationFailed.single(("body", "product_id"), NOT_RECURRING, product_input)
        price = _free_price(product)
        if price is None:
            raise ValidationFailed.single(("body", "product_id"), NOT_FREE, product_input)
        customer: Customer | None
        if isinstance(command, SubscriptionCreateCustomer):
            loc, customer_input = "customer_id", str(command.customer_id)
            customer = await uow.customers.get_readable(subject, command.customer_id)
        else:
            loc, customer_input = "external_customer_id", command.external_customer_id
            customer = await uow.customers.get_by_external_id(
                product.organization_id, command.external_customer_id
            )
        # Only a customer of the product's own organization (a user may read several).
        if customer is None or customer.organization_id != product.organization_id:
            raise ValidationFailed.single(("body", loc), "Customer does not exist.", customer_input)
        check_metadata(command.metadata)
        return await self.start(
            uow,
            customer=customer,
            product=product,
            price=price,
            amount=0,
            currency=price.currency,
            discount_id=None,
            seats=None,
            units=None,
            checkout_id=None,
            metadata=command.metadata,
            custom_field_data={},
            product_trial=True,
        )

    def _changed(self, uow: SubscriptionUnitOfWork, event: str, subscription: Subscription) -> None:
        uow.enqueue(
            event,
            subscription_id=str(subscription.id),
            organization_id=str(subscription.organization_id),
        )
