"""The checkout repository contract, on every adapter: round trip, tenancy, lookup by client
secret, the expiry sweep's read, filters."""

from __future__ import annotations

from datetime import timedelta

from application.checkouts.ports import CheckoutFilters
from application.checkouts.sorting import DEFAULT_SORTING
from application.kit.pagination import PaginationParams
from application.products.commands import ProductCreate
from application.products.service import ProductService
from domain.address import Address
from domain.checkout import Checkout, CheckoutStatus
from domain.product import Interval
from tests.contract.conftest import Adapter, owned_organization

ALL = PaginationParams(page=1, limit=100)


async def test_a_checkout_round_trips_and_is_found_by_secret(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        product = await ProductService(adapter.clock).create(
            uow,
            subject,
            ProductCreate.model_validate(
                {
                    "name": "P",
                    "organization_id": str(organization.id),
                    "prices": [{"amount_type": "fixed", "price_amount": 100}],
                }
            ),
        )
        now = adapter.clock.now()
        checkout = Checkout(
            created_at=now,
            organization_id=organization.id,
            product_id=product.id,
            product_price_id=product.prices[0].id,
            product_ids=[product.id],
            expires_at=now + timedelta(hours=1),
            customer_email="Ada@Example.com",
            customer_billing_address=Address(country="FR", city="Paris"),
            metadata={"k": 1},
            allow_trial=False,
            trial_interval=Interval.week,
            trial_interval_count=2,
            trial_end=now + timedelta(weeks=2),
        )
        await uow.checkouts.create(checkout)
        await uow.commit()
    async with adapter.uows.read() as uow:
        found = await uow.checkouts.get_readable(subject, checkout.id)
        assert found == checkout
        assert await uow.checkouts.get_by_client_secret(checkout.client_secret) == checkout
        assert await uow.checkouts.get_by_client_secret("polar_c_nope") is None
        for query, expected in (("ada@", 1), ("bob", 0)):
            page = await uow.checkouts.list_readable(
                subject,
                filters=CheckoutFilters(query=query, statuses=[CheckoutStatus.open]),
                pagination=ALL,
                sorting=DEFAULT_SORTING,
            )
            assert page.total_count == expected
    async with adapter.uows.write() as uow:
        assert await uow.checkouts.expired_open(now, limit=10) == []
        due = await uow.checkouts.expired_open(now + timedelta(hours=2), limit=10)
        assert [c.id for c in due] == [checkout.id]


async def test_a_confirmed_checkout_keeps_its_product_in_use(adapter: Adapter) -> None:
    """A payment under way will make an order of the product: it cannot be deleted meanwhile
    (ProductRepository.in_use, which a deletion asks)."""
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        product = await ProductService(adapter.clock).create(
            uow,
            subject,
            ProductCreate.model_validate(
                {
                    "name": "P",
                    "organization_id": str(organization.id),
                    "prices": [{"amount_type": "fixed", "price_amount": 100}],
                }
            ),
        )
        now = adapter.clock.now()
        checkout = Checkout(
            created_at=now,
            organization_id=organization.id,
            product_id=product.id,
            product_price_id=product.prices[0].id,
            product_ids=[product.id],
            expires_at=now + timedelta(hours=1),
        )
        await uow.checkouts.create(checkout)
        await uow.commit()
    async with adapter.uows.write() as uow:
        assert not await uow.products.in_use(product.id)  # open: nothing under way
        checkout.confirm(now)
        await uow.checkouts.update(checkout)
        await uow.commit()
    async with adapter.uows.write() as uow:
        assert await uow.products.in_use(product.id)
        got = await uow.products.get(product.id)
        assert got is not None and not got.is_deletable
        checkout.reopen(now)  # the payment failed
        await uow.checkouts.update(checkout)
        await uow.commit()
    async with adapter.uows.read() as uow:
        assert not await uow.products.in_use(product.id)
