"""The trial redemption repository contract, on every adapter: an address's trial is found in
its organization only."""

from __future__ import annotations

from domain.customer import Customer
from domain.trial_redemption import TrialRedemption
from tests.contract.conftest import Adapter, owned_organization


async def test_a_redemption_is_found_by_organization_and_address(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        mine, _ = await owned_organization(uow, adapter.clock)
        theirs, _ = await owned_organization(uow, adapter.clock)
        customer = Customer.create(
            at=adapter.clock.now(), organization_id=mine.id, email="ada@example.com"
        )
        await uow.customers.create(customer)
        assert not await uow.trial_redemptions.redeemed(mine.id, "ada@example.com")
        await uow.trial_redemptions.create(
            TrialRedemption(
                created_at=adapter.clock.now(),
                organization_id=mine.id,
                customer_id=customer.id,
                product_id=None,
                customer_email="ada@example.com",
            )
        )
        await uow.commit()
    async with adapter.uows.read() as uow:
        assert await uow.trial_redemptions.redeemed(mine.id, "ada@example.com")
        assert not await uow.trial_redemptions.redeemed(mine.id, "bo@example.com")
        assert not await uow.trial_redemptions.redeemed(theirs.id, "ada@example.com")
