"""The customer repository contract, on every adapter: round trip, tenancy, soft deletion,
filters, sorting, the export's walk and case-insensitive email uniqueness among live
customers."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.customers.ports import CustomerFilters
from application.customers.sorting import CustomerSortProperty as P
from application.kit.errors import AlreadyTaken, ValidationFailed
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.uow import UnitOfWork
from domain.address import Address
from domain.customer import Customer, CustomerType
from domain.organization import Organization
from tests.contract.conftest import Adapter, owned_organization

ALL = PaginationParams(page=1, limit=100)


async def _customer(
    uow: UnitOfWork, adapter: Adapter, organization: Organization, **attributes: Any
) -> Customer:
    values: dict[str, Any] = {"email": f"c{uuid.uuid4().hex[:8]}@example.com", **attributes}
    customer = Customer.create(at=adapter.clock.now(), organization_id=organization.id, **values)
    await uow.customers.create(customer)
    adapter.clock.advance(timedelta(seconds=1))
    return customer


async def _emails(
    uow: UnitOfWork, subject: AuthSubject, *sorting: Sorting[P], **filters: Any
) -> list[str | None]:
    page = await uow.customers.list_readable(
        subject, filters=CustomerFilters(**filters), pagination=ALL, sorting=list(sorting)
    )
    assert page.total_count == len(page.items)
    return [c.email for c in page.items]


async def test_a_customer_round_trips_whole(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        customer = await _customer(
            uow,
            adapter,
            organization,
            type=CustomerType.team,
            email="Team@example.com",
            email_verified=True,
            name="Team",
            external_id="u_1",
            billing_address=Address.create(country="US", state="NY", line1="1 Main St"),
            tax_id="12-3456789",
            locale="en",
            metadata={"s": "x", "i": 1, "f": 1.5, "b": True},
        )
        assert await uow.customers.get_readable(subject, customer.id) == customer
        assert await uow.customers.get_readable_by_external_id(subject, "u_1") == customer
        assert await uow.customers.get_by_email(organization.id, "TEAM@EXAMPLE.COM") == customer
        assert await uow.customers.get_by_external_id(organization.id, "u_1") == customer
        await uow.commit()


async def test_tenancy_and_soft_deletion(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        mine, me = await owned_organization(uow, adapter.clock)
        theirs, them = await owned_organization(uow, adapter.clock)
        ours = await _customer(uow, adapter, mine, email="a@example.com", external_id="x")
        await _customer(uow, adapter, theirs, email="b@example.com", external_id="x")
        itself = AuthSubject.organization(mine.id, MERCHANT_SCOPES)
        for subject in (me, itself):
            assert await _emails(uow, subject) == ["a@example.com"]
            found = await uow.customers.get_readable_by_external_id(subject, "x")
            assert found is not None and found.id == ours.id
        assert await uow.customers.get_readable(them, ours.id) is None
        assert await _emails(uow, them, organization_ids=[mine.id]) == []
        ours.soft_delete(adapter.clock.now())
        await uow.customers.update(ours)
        assert await uow.customers.get_readable(me, ours.id) is None
        assert await uow.customers.get_readable_by_external_id(me, "x") is None
        assert await uow.customers.get_by_email(mine.id, "a@example.com") is None
        deleted = await uow.customers.get_including_deleted(ours.id)
        assert deleted is not None and deleted.deleted_at is not None
        assert await _emails(uow, me) == []
        # The email and the external id are free again.
        await _customer(uow, adapter, mine, email="A@example.com", external_id="x")
        await uow.commit()


async def test_a_taken_email_or_external_id_is_refused(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        await _customer(uow, adapter, organization, email="a@example.com", external_id="x")
        with pytest.raises(ValidationFailed) as error:
            await _customer(uow, adapter, organization, email="A@EXAMPLE.com")
        assert error.value.errors[0].loc == ("body", "email")
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        await _customer(uow, adapter, organization, external_id="x")
        with pytest.raises(ValidationFailed) as error:
            await _customer(uow, adapter, organization, external_id="x")
        assert error.value.errors[0].loc == ("body", "external_id")


async def test_a_guarded_create_refused_leaves_the_unit_of_work_usable(
    adapter: Adapter,
) -> None:
    """`create_guarded` refuses a taken email or external id as AlreadyTaken naming it; the
    unit of work goes on (PostgreSQL would have aborted the transaction without a savepoint)
    and commits what it wrote before and after."""
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        holder = await _customer(uow, adapter, organization, email="a@example.com")
        for field, attributes in (
            ("email", {"email": "A@Example.COM"}),
            ("external_id", {"email": "b@example.com", "external_id": "x"}),
        ):
            if field == "external_id":
                await _customer(uow, adapter, organization, email="c@example.com", external_id="x")
            refused = Customer.create(
                at=adapter.clock.now(), organization_id=organization.id, **attributes
            )
            with pytest.raises(AlreadyTaken) as error:
                await uow.customers.create_guarded(refused)
            assert error.value.field == field
            assert error.value.errors[0].loc == ("body", field)
            assert await uow.customers.get_including_deleted(refused.id) is None
        assert await uow.customers.get_by_email(organization.id, "A@example.com") == holder
        after = Customer.create(
            at=adapter.clock.now(), organization_id=organization.id, email="d@example.com"
        )
        assert await uow.customers.create_guarded(after) == after
        await uow.commit()
    async with adapter.uows.read() as uow:
        for customer in (holder, after):
            assert await uow.customers.get_by_email(organization.id, customer.email) == customer


async def test_filters_and_sorting(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        await _customer(uow, adapter, organization, email="b@example.com", name="zed")
        await _customer(
            uow, adapter, organization, email="a@example.org", name=None, metadata={"k": 1}
        )
        await _customer(
            uow,
            adapter,
            organization,
            email=None,
            type=CustomerType.team,
            name="abc_team",
            external_id="crm%1",
            metadata={"k": True},
        )
        assert await _emails(uow, subject, Sorting(P.created_at, True)) == [
            None,
            "a@example.org",
            "b@example.com",
        ]
        # Nulls first ascending, last descending.
        assert await _emails(uow, subject, Sorting(P.email)) == [
            None,
            "a@example.org",
            "b@example.com",
        ]
        assert await _emails(uow, subject, Sorting(P.name, True)) == [
            "b@example.com",
            None,
            "a@example.org",
        ]
        assert await _emails(uow, subject, email="B@EXAMPLE.COM") == ["b@example.com"]
        assert await _emails(uow, subject, Sorting(P.email), query="EXAMPLE") == [
            "a@example.org",
            "b@example.com",
        ]
        assert await _emails(uow, subject, query="c_t") == [None]  # `_` is literal
        assert await _emails(uow, subject, query="crm%") == [None]  # `%` too
        assert await _emails(uow, subject, query="zed") == ["b@example.com"]
        assert await _emails(uow, subject, metadata={"k": ["1"]}) == ["a@example.org"]
        assert await _emails(uow, subject, metadata={"k": ["true"]}) == [None]
        page = await uow.customers.list_readable(
            subject,
            filters=CustomerFilters(),
            pagination=PaginationParams(page=2, limit=2),
            sorting=[Sorting(P.created_at)],
        )
        assert (len(page.items), page.total_count) == (1, 3)


async def test_the_export_walk(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        other, _ = await owned_organization(uow, adapter.clock)
        created = [await _customer(uow, adapter, organization) for _ in range(5)]
        # Two created at the same instant: the id breaks the tie.
        at = adapter.clock.now()
        twins = [
            Customer.create(at=at, organization_id=organization.id, email=f"t{n}@example.com")
            for n in range(2)
        ]
        for twin in twins:
            await uow.customers.create(twin)
        created += sorted(twins, key=lambda c: c.id.int)
        await _customer(uow, adapter, other)
        walked: list[uuid.UUID] = []
        after = None
        while True:
            batch = await uow.customers.list_after(
                subject, organization_ids=[], after=after, limit=2
            )
            walked += [c.id for c in batch]
            if len(batch) < 2:
                break
            after = (batch[-1].created_at, batch[-1].id)
        assert walked == [c.id for c in created]
        mine = await uow.customers.list_after(
            subject, organization_ids=[other.id], after=None, limit=10
        )
        assert mine == []
