"""The customer session repository contract, on every adapter: a session is found by its
digest while unexpired and while its customer is live; the sweep deletes expired ones only,
a batch at a time."""

from __future__ import annotations

import uuid
from datetime import timedelta

from domain.customer import Customer
from domain.customer_session import CustomerSession
from tests.contract.conftest import Adapter, owned_organization


async def test_found_by_digest_while_usable(adapter: Adapter) -> None:
    now = adapter.clock.now()
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        customer = Customer.create(at=now, organization_id=organization.id, email="ada@example.com")
        await uow.customers.create(customer)
        session = CustomerSession.open(
            token_digest=f"digest-{uuid.uuid4().hex}",
            customer_id=customer.id,
            organization_id=organization.id,
            now=now,
            return_url="https://example.com/",
        )
        await uow.customer_sessions.create(session)
        await uow.commit()

    async with adapter.uows.read() as uow:
        found = await uow.customer_sessions.get_usable_by_digest(session.token_digest, now)
        assert found == session
        assert await uow.customer_sessions.get_usable_by_digest("other", now) is None
        later = now + timedelta(hours=1)
        assert await uow.customer_sessions.get_usable_by_digest(session.token_digest, later) is None

    async with adapter.uows.write() as uow:
        live = await uow.customers.get_by_id(customer.id)
        assert live is not None
        live.soft_delete(now)
        await uow.customers.update(live)
        await uow.commit()
    async with adapter.uows.read() as uow:
        assert await uow.customer_sessions.get_usable_by_digest(session.token_digest, now) is None
        assert await uow.customers.get_by_id(customer.id) is None


async def test_the_sweep_deletes_expired_sessions_a_batch_at_a_time(adapter: Adapter) -> None:
    now = adapter.clock.now()
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        customer = Customer.create(at=now, organization_id=organization.id, email="ada@example.com")
        await uow.customers.create(customer)
        sessions = [
            CustomerSession.open(
                token_digest=f"digest-{uuid.uuid4().hex}",
                customer_id=customer.id,
                organization_id=organization.id,
                now=now + timedelta(minutes=minutes),
            )
            for minutes in (0, 1, 2, 30)
        ]
        for session in sessions:
            await uow.customer_sessions.create(session)
        await uow.commit()

    sweep_at = now + timedelta(hours=1, minutes=2)  # the first three have expired
    async with adapter.uows.write() as uow:
        assert await uow.customer_sessions.delete_expired(sweep_at, limit=2) == 2
        await uow.commit()
    async with adapter.uows.write() as uow:
        assert await uow.customer_sessions.delete_expired(sweep_at, limit=2) == 1
        assert await uow.customer_sessions.delete_expired(sweep_at, limit=2) == 0
        await uow.commit()
    async with adapter.uows.read() as uow:
        last = sessions[-1]
        assert await uow.customer_sessions.get_usable_by_digest(last.token_digest, now) == last


async def test_not_found_once_the_organization_is_deleted(adapter: Adapter) -> None:
    now = adapter.clock.now()
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        customer = Customer.create(at=now, organization_id=organization.id, email="a@example.com")
        await uow.customers.create(customer)
        session = CustomerSession.open(
            token_digest=f"digest-{uuid.uuid4().hex}",
            customer_id=customer.id,
            organization_id=organization.id,
            now=now,
        )
        await uow.customer_sessions.create(session)
        organization.soft_delete(now)
        await uow.organizations.update(organization)
        await uow.commit()
    async with adapter.uows.read() as uow:
        assert await uow.customer_sessions.get_usable_by_digest(session.token_digest, now) is None
