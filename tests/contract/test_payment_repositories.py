"""The payment repository contract, on every adapter: round trip, tenancy, lookup by processor
id, filters and sorting."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.payments.ports import PaymentFilters
from application.payments.sorting import PaymentSortProperty as P
from application.uow import UnitOfWork
from domain.organization import Organization
from domain.payment import CardMetadata, Payment, PaymentStatus, PaymentTrigger
from tests.contract.conftest import Adapter, owned_organization

ALL = PaginationParams(page=1, limit=100)


async def _payment(
    uow: UnitOfWork, adapter: Adapter, organization: Organization, **attributes: Any
) -> Payment:
    values: dict[str, Any] = {
        "processor_id": f"pi_{uuid.uuid4().hex}",
        "amount": 1000,
        "currency": "usd",
        **attributes,
    }
    payment = Payment.create(at=adapter.clock.now(), organization_id=organization.id, **values)
    await uow.payments.create(payment)
    adapter.clock.advance(timedelta(seconds=1))
    return payment


async def _amounts(
    uow: UnitOfWork, subject: AuthSubject, *sorting: Sorting[P], **filters: Any
) -> list[int]:
    page = await uow.payments.list_readable(
        subject, filters=PaymentFilters(**filters), pagination=ALL, sorting=list(sorting)
    )
    assert page.total_count == len(page.items)
    return [p.amount for p in page.items]


async def test_a_payment_round_trips_whole(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        payment = await _payment(
            uow,
            adapter,
            organization,
            processor_id="pi_sandbox_abc",
            status=PaymentStatus.failed,
            method_metadata=CardMetadata(
                brand="mastercard", last4="0002", exp_month=3, exp_year=2031
            ),
            customer_id=uuid.uuid4(),
            customer_email="Buyer@example.com",
            decline_reason="card_declined",
            decline_message="Declined.",
            checkout_id=uuid.uuid4(),
            order_id=uuid.uuid4(),
            trigger=PaymentTrigger.retry_dunning,
            processor_method_id="pm_sandbox_abc",
        )
        assert await uow.payments.get_readable(subject, payment.id) == payment
        assert await uow.payments.get_by_processor_id("pi_sandbox_abc") == payment
        assert await uow.payments.get_by_processor_id("pi_sandbox_abc", lock=True) == payment
        assert await uow.payments.get_by_processor_id("pi_other") is None
        await uow.commit()


async def test_an_update_persists_the_outcome(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        payment = await _payment(uow, adapter, organization)
        payment.succeed(adapter.clock.now())
        await uow.payments.update(payment)
        found = await uow.payments.get_readable(subject, payment.id)
        assert found is not None and found.status is PaymentStatus.succeeded
        assert found.modified_at is not None
        await uow.commit()


async def test_tenancy(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        mine, me = await owned_organization(uow, adapter.clock)
        theirs, them = await owned_organization(uow, adapter.clock)
        ours = await _payment(uow, adapter, mine, amount=1)
        await _payment(uow, adapter, theirs, amount=2)
        itself = AuthSubject.organization(mine.id, MERCHANT_SCOPES)
        for subject in (me, itself):
            assert await _amounts(uow, subject) == [1]
            assert await _amounts(uow, subject, organization_ids=[mine.id, theirs.id]) == [1]
        assert await uow.payments.get_readable(them, ours.id) is None
        assert await _amounts(uow, them, organization_ids=[mine.id]) == []
        await uow.commit()


async def test_filters_and_sorting(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        checkout_id, customer_id = uuid.uuid4(), uuid.uuid4()
        await _payment(
            uow, adapter, organization, amount=300, status=PaymentStatus.succeeded,
            checkout_id=checkout_id, customer_email="A@example.com",
        )  # fmt: skip
        await _payment(
            uow, adapter, organization, amount=100, status=PaymentStatus.failed,
            customer_id=customer_id,
        )  # fmt: skip
        await _payment(uow, adapter, organization, amount=200)
        by_amount = Sorting(P.amount)
        assert await _amounts(uow, subject, by_amount) == [100, 200, 300]
        assert await _amounts(uow, subject, Sorting(P.amount, descending=True)) == [300, 200, 100]
        assert await _amounts(uow, subject, Sorting(P.created_at)) == [300, 100, 200]
        assert await _amounts(uow, subject, Sorting(P.status), by_amount) == [100, 200, 300]
        assert await _amounts(uow, subject, Sorting(P.method), by_amount) == [100, 200, 300]
        assert await _amounts(uow, subject, statuses=[PaymentStatus.succeeded]) == [300]
        assert await _amounts(
            uow, subject, by_amount, statuses=[PaymentStatus.failed, PaymentStatus.pending]
        ) == [100, 200]
        assert await _amounts(uow, subject, checkout_ids=[checkout_id]) == [300]
        assert await _amounts(uow, subject, customer_ids=[customer_id]) == [100]
        assert await _amounts(uow, subject, customer_emails=["a@EXAMPLE.com"]) == [300]
        assert await _amounts(uow, subject, order_ids=[uuid.uuid4()]) == []
        assert await _amounts(uow, subject, by_amount, methods=["card"]) == [100, 200, 300]
        assert await _amounts(uow, subject, methods=["paypal"]) == []
        await uow.commit()


async def test_latest_for_checkout(adapter: Adapter) -> None:
    """The hosted checkout page shows the newest attempt's decline."""
    checkout_id, other = uuid.uuid4(), uuid.uuid4()
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        assert await uow.payments.latest_for_checkout(checkout_id) is None
        await _payment(uow, adapter, organization, checkout_id=checkout_id, amount=1)
        newest = await _payment(
            uow, adapter, organization, checkout_id=checkout_id, status=PaymentStatus.failed
        )
        await _payment(uow, adapter, organization, checkout_id=other, amount=3)
        found = await uow.payments.latest_for_checkout(checkout_id)
        assert found is not None and found.id == newest.id
        assert found.status is PaymentStatus.failed
