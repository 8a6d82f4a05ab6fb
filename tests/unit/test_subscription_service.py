"""The seam orders call (`SubscriptionService.start`) on the memory harness: it writes and
enqueues in the caller's unit of work and never commits; its listeners run there, and a failing
listener leaves nothing behind."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from application.customers.service import CUSTOMER_STATE_CHANGED
from application.products.commands import ProductCreate
from application.subscriptions.service import (
    SUBSCRIPTION_ACTIVE,
    SUBSCRIPTION_CREATED,
    SUBSCRIPTION_UPDATED,
    SubscriptionService,
)
from domain.checkout import Checkout
from domain.customer import Customer
from domain.product import Product
from domain.subscription import Subscription, SubscriptionStatus
from tests.unit.conftest import Harness


@pytest.fixture
def service(harness: Harness) -> SubscriptionService:
    service: SubscriptionService = harness.container.subscription_service()
    assert harness.container.subscription_service() is service  # One per container.
    return service


async def _bought(harness: Harness, **product: Any) -> tuple[Product, Customer]:
    tenant = await harness.tenant()
    body = {
        "name": "Pro",
        "recurring_interval": "month",
        "prices": [{"amount_type": "fixed", "price_amount": 900}],
        **product,
    }
    async with harness.uows.write() as uow:
        created: Product = await harness.container.product_service().create(
            uow, tenant.itself, ProductCreate.model_validate(body)
        )
        customer = Customer.create(
            at=harness.clock.now(),
            organization_id=tenant.organization.id,
            email="ada@example.com",
        )
        await uow.customers.create(customer)
        await uow.commit()
    return created, customer


async def _start(
    service: SubscriptionService,
    uow: Any,
    product: Product,
    customer: Customer,
    trial_end: datetime | None = None,
) -> Subscription:
    return await service.start(
        uow,
        customer=customer,
        product=product,
        price=product.prices[0],
        amount=900,
        currency="usd",
        discount_id=None,
        seats=None,
        units=None,
        checkout_id=uuid.uuid4(),
        metadata={"from": "checkout"},
        custom_field_data={"company": "ACME"},
        trial_end=trial_end,
    )


async def test_start_writes_in_the_callers_unit_of_work(
    harness: Harness, service: SubscriptionService
) -> None:
    product, customer = await _bought(harness)
    harness.queue.sent.clear()
    async with harness.uows.write() as uow:
        abandoned = await _start(service, uow, product, customer)
        # Not committed: the caller decides.
    async with harness.uows.read() as uow:
        assert await uow.subscriptions.get_including_deleted(abandoned.id) is None
    assert harness.queue.sent == []

    async with harness.uows.write() as uow:
        subscription = await _start(service, uow, product, customer)
        await uow.commit()
    assert [j.name for j in harness.queue.sent] == [
        SUBSCRIPTION_CREATED,
        SUBSCRIPTION_ACTIVE,
        SUBSCRIPTION_UPDATED,
        CUSTOMER_STATE_CHANGED,
    ]
    assert harness.queue.sent[0].arguments["subscription_id"] == str(subscription.id)
    async with harness.uows.read() as uow:
        stored = await uow.subscriptions.get_including_deleted(subscription.id)
    assert stored == subscription
    assert stored.status is SubscriptionStatus.active
    assert (stored.amount, stored.metadata) == (900, {"from": "checkout"})


async def test_a_trial_starts_trialing_until_its_given_end(
    harness: Harness, service: SubscriptionService
) -> None:
    product, customer = await _bought(harness, trial_interval="day", trial_interval_count=7)
    trial_end = harness.clock.now() + timedelta(days=7)
    async with harness.uows.write() as uow:
        subscription = await _start(service, uow, product, customer, trial_end)
        await uow.commit()
    assert subscription.status is SubscriptionStatus.trialing
    assert subscription.trial_start == harness.clock.now()
    assert subscription.trial_end == subscription.current_period_end == trial_end


async def test_without_a_trial_end_it_starts_active_whatever_the_product_offers(
    harness: Harness, service: SubscriptionService
) -> None:
    # The checkout decides the trial (it may have turned it off): start follows it.
    product, customer = await _bought(harness, trial_interval="day", trial_interval_count=7)
    async with harness.uows.write() as uow:
        subscription = await _start(service, uow, product, customer)
        await uow.commit()
    assert subscription.status is SubscriptionStatus.active
    assert subscription.trial_end is None


async def test_a_failing_listener_leaves_nothing(harness: Harness) -> None:
    service = SubscriptionService(harness.clock)
    product, customer = await _bought(harness)

    async def failing(uow: Any, subscription: Subscription, product: Product) -> None:
        raise RuntimeError("grant failed")

    service.on_started(failing)
    harness.queue.sent.clear()
    async with harness.uows.write() as uow:
        with pytest.raises(RuntimeError):
            await _start(service, uow, product, customer)
        # The caller's unit of work ends without committing.
    assert harness.queue.sent == []
    assert harness.store.tables.get("subscriptions", {}) == {}


async def test_from_checkout_starts_what_the_checkout_bought(
    harness: Harness, service: SubscriptionService
) -> None:
    product, customer = await _bought(harness)
    now = harness.clock.now()
    checkout = Checkout(
        created_at=now,
        organization_id=product.organization_id,
        product_id=product.id,
        product_price_id=product.prices[0].id,
        expires_at=now + timedelta(hours=1),
        amount=900,
        net_amount=900,
        total_amount=900,
        metadata={"cart": "7"},
        custom_field_data={"company": "ACME"},
    )
    async with harness.uows.write() as uow:
        subscription_id = await service.from_checkout(uow, checkout, product, customer)
        await uow.commit()
    async with harness.uows.read() as uow:
        stored = await uow.subscriptions.get_including_deleted(subscription_id)
    assert stored is not None
    assert (stored.checkout_id, stored.amount, stored.currency) == (checkout.id, 900, "usd")
    assert stored.price_ids == [product.prices[0].id]
    assert (stored.metadata, stored.custom_field_data) == ({"cart": "7"}, {"company": "ACME"})
