"""The subscription repository contract, on every adapter: a subscription started through
`SubscriptionService.start` (the seam orders call) round trips whole, its listeners run in the
unit of work and its jobs are enqueued there; tenancy, filters and sorting."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from application.auth import AuthSubject
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.products.commands import ProductCreate
from application.products.service import ProductService
from application.subscriptions.ports import SubscriptionFilters
from application.subscriptions.service import SubscriptionService
from application.subscriptions.sorting import DEFAULT_SORTING
from application.subscriptions.sorting import SubscriptionSortProperty as S
from application.uow import UnitOfWork
from domain.customer import Customer
from domain.organization import Organization
from domain.product import Product
from domain.subscription import Subscription, SubscriptionStatus
from tests.contract.conftest import Adapter, owned_organization

ALL = PaginationParams(page=1, limit=100)


async def _product(
    uow: UnitOfWork, adapter: Adapter, subject: AuthSubject, organization: Organization, name: str
) -> Product:
    return await ProductService(adapter.clock).create(
        uow,
        subject,
        ProductCreate.model_validate(
            {
                "name": name,
                "organization_id": str(organization.id),
                "recurring_interval": "month",
                "prices": [{"amount_type": "fixed", "price_amount": 900}],
            }
        ),
    )


async def _customer(
    uow: UnitOfWork, adapter: Adapter, organization: Organization, email: str, **extra: Any
) -> Customer:
    customer = Customer.create(
        at=adapter.clock.now(), organization_id=organization.id, email=email, **extra
    )
    await uow.customers.create(customer)
    return customer


async def _start(
    service: SubscriptionService,
    uow: UnitOfWork,
    adapter: Adapter,
    customer: Customer,
    product: Product,
    **extra: Any,
) -> Subscription:
    values: dict[str, Any] = {
        "amount": 900,
        "currency": "usd",
        "discount_id": None,
        "seats": None,
        "units": None,
        "checkout_id": None,
        "metadata": {},
        "custom_field_data": {},
        **extra,
    }
    subscription = await service.start(
        uow, customer=customer, product=product, price=product.prices[0], **values
    )
    adapter.clock.advance(timedelta(seconds=1))
    return subscription


async def test_a_started_subscription_round_trips_and_tells_its_listeners(
    adapter: Adapter,
) -> None:
    service = SubscriptionService(adapter.clock)
    heard: list[tuple[uuid.UUID, uuid.UUID]] = []

    async def listener(uow: Any, subscription: Subscription, product: Product) -> None:
        assert await uow.subscriptions.get_including_deleted(subscription.id) == subscription
        heard.append((subscription.id, product.id))

    service.on_started(listener)
    service.on_started(listener)  # Once, however many times.
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        product = await _product(uow, adapter, subject, organization, "Pro")
        customer = await _customer(uow, adapter, organization, "ada@example.com")
        checkout_id = uuid.uuid4()
        subscription = await _start(
            service,
            uow,
            adapter,
            customer,
            product,
            seats=3,
            checkout_id=checkout_id,
            metadata={"k": 1, "b": True},
            custom_field_data={"company": "ACME", "size": 3, "ok": None},
        )
        await uow.commit()
    assert heard == [(subscription.id, product.id)]
    assert subscription.status is SubscriptionStatus.active
    assert subscription.price_ids == [product.prices[0].id]
    async with adapter.uows.read() as uow:
        assert await uow.subscriptions.get_readable(subject, subscription.id) == subscription
        assert await uow.subscriptions.get_including_deleted(subscription.id) == subscription
        _, stranger = await owned_organization(uow, adapter.clock)
        assert await uow.subscriptions.get_readable(stranger, subscription.id) is None
        page = await uow.subscriptions.list_readable(
            stranger, filters=SubscriptionFilters(), pagination=ALL, sorting=DEFAULT_SORTING
        )
        assert page.items == [] and page.total_count == 0


async def test_filters_and_sorting(adapter: Adapter) -> None:
    service = SubscriptionService(adapter.clock)
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        alpha = await _product(uow, adapter, subject, organization, "Alpha")
        beta = await _product(uow, adapter, subject, organization, "Beta")
        ada = await _customer(uow, adapter, organization, "ada@example.com", external_id="ada")
        bob = await _customer(uow, adapter, organization, "bob@example.com")
        first = await _start(service, uow, adapter, bob, alpha, metadata={"tier": "a"})
        second = await _start(service, uow, adapter, ada, beta, metadata={"tier": "b"}, amount=5)
        second.status = SubscriptionStatus.canceled
        second.cancel_at_period_end = True
        await uow.subscriptions.update(second)
        await uow.commit()

    async def ids(*sorting: Sorting[S], **filters: Any) -> list[uuid.UUID]:
        async with adapter.uows.read() as uow:
            page = await uow.subscriptions.list_readable(
                subject,
                filters=SubscriptionFilters(**filters),
                pagination=ALL,
                sorting=list(sorting) or DEFAULT_SORTING,
            )
        assert page.total_count == len(page.items)
        return [s.id for s in page.items]

    assert await ids() == [second.id, first.id]
    assert await ids(organization_ids=[organization.id]) == [second.id, first.id]
    assert await ids(product_ids=[alpha.id]) == [first.id]
    assert await ids(customer_ids=[ada.id]) == [second.id]
    assert await ids(external_customer_ids=["ada"]) == [second.id]
    assert await ids(external_customer_ids=["nobody"]) == []
    assert await ids(discount_ids=[uuid.uuid4()]) == []
    assert await ids(statuses=[SubscriptionStatus.canceled]) == [second.id]
    assert await ids(active=True) == [first.id]
    assert await ids(active=False) == [second.id]
    assert await ids(cancel_at_period_end=True) == [second.id]
    assert await ids(cancel_at_period_end=False) == [first.id]
    assert await ids(metadata={"tier": ["a"]}) == [first.id]
    assert await ids(Sorting(S.product)) == [first.id, second.id]
    assert await ids(Sorting(S.product, descending=True)) == [second.id, first.id]
    assert await ids(Sorting(S.customer)) == [second.id, first.id]
    assert await ids(Sorting(S.amount)) == [second.id, first.id]
    assert await ids(Sorting(S.started_at)) == [first.id, second.id]
