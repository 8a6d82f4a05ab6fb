"""The saved payment method repository contract, on every adapter: an addition round trips,
saving a method twice keeps one record, the customer's first method is its default, and a
customer's list is the default first, then the newest."""

from __future__ import annotations

import uuid
from datetime import timedelta

from application.kit.pagination import PaginationParams
from application.uow import UnitOfWork
from domain.customer import Customer
from domain.payment import CardMetadata
from domain.payment_method import SavedPaymentMethod
from tests.contract.conftest import Adapter, owned_organization

ALL = PaginationParams(page=1, limit=100)
CARD = CardMetadata(brand="visa", last4="4242", exp_month=12, exp_year=2034)


async def _customer(uow: UnitOfWork, adapter: Adapter, organization_id: uuid.UUID) -> Customer:
    customer = Customer.create(
        at=adapter.clock.now(),
        organization_id=organization_id,
        email=f"{uuid.uuid4().hex[:8]}@example.com",
    )
    await uow.customers.create(customer)
    return customer


def _method(
    adapter: Adapter, customer: Customer, processor_id: str, card: CardMetadata = CARD
) -> SavedPaymentMethod:
    method = SavedPaymentMethod.create(
        at=adapter.clock.now(),
        organization_id=customer.organization_id,
        customer_id=customer.id,
        processor_id=processor_id,
        method_metadata=card,
    )
    adapter.clock.advance(timedelta(seconds=1))
    return method


async def test_an_addition_round_trips_and_the_first_is_the_default(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        customer = await _customer(uow, adapter, organization.id)
        first = _method(adapter, customer, "pm_1")
        added = await uow.payment_methods.add(first)
        assert added == SavedPaymentMethod(**{**vars(first), "is_default": True})
        master = CardMetadata(brand="mastercard", last4="4444", exp_month=1, exp_year=2030)
        second = await uow.payment_methods.add(_method(adapter, customer, "pm_2", master))
        assert (second.is_default, second.method_metadata) == (False, master)
        page = await uow.payment_methods.list_for_customer(customer.id, ALL)
        assert list(page.items) == [added, second]
        await uow.commit()
    async with adapter.uows.read() as uow:
        page = await uow.payment_methods.list_for_customer(customer.id, ALL)
        assert list(page.items) == [added, second]


async def test_saving_a_method_again_keeps_one_record(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        customer = await _customer(uow, adapter, organization.id)
        kept = await uow.payment_methods.add(_method(adapter, customer, "pm_same"))
        await uow.commit()
    async with adapter.uows.write() as uow:
        again = await uow.payment_methods.add(_method(adapter, customer, "pm_same"))
        assert again == kept
        await uow.commit()
    async with adapter.uows.read() as uow:
        page = await uow.payment_methods.list_for_customer(customer.id, ALL)
        assert (page.total_count, list(page.items)) == (1, [kept])


async def test_each_customer_has_its_own_methods_default_first_then_newest(
    adapter: Adapter,
) -> None:
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        ada = await _customer(uow, adapter, organization.id)
        bob = await _customer(uow, adapter, organization.id)
        ada_ids = [
            (await uow.payment_methods.add(_method(adapter, ada, f"pm_a{i}"))).id for i in range(3)
        ]
        # One processor id may be saved for two customers (one record each).
        bobs = await uow.payment_methods.add(_method(adapter, bob, "pm_a0"))
        assert bobs.is_default and bobs.id not in ada_ids
        listed = await uow.payment_methods.list_for_customer(ada.id, ALL)
        assert [m.id for m in listed.items] == [ada_ids[0], ada_ids[2], ada_ids[1]]
        assert [m.is_default for m in listed.items] == [True, False, False]
        page = await uow.payment_methods.list_for_customer(ada.id, PaginationParams(2, 2))
        assert (page.total_count, [m.id for m in page.items]) == (3, [ada_ids[1]])
        assert (await uow.payment_methods.list_for_customer(uuid.uuid4(), ALL)).items == []
