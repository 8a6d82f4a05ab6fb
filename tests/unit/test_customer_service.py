"""Customer use cases on the memory harness: tenancy, uniqueness, events, state, export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application.auth import AuthSubject
from application.benefit_grants.service import REVOKE_CUSTOMER_JOB
from application.customers import service as customer_service
from application.customers.commands import CustomerCreate, CustomerUpdate
from application.customers.ports import CustomerFilters
from application.customers.service import (
    CUSTOMER_CREATED,
    CUSTOMER_DELETED,
    CUSTOMER_STATE_CHANGED,
    CUSTOMER_UPDATED,
    EMAIL_TAKEN,
    EXTERNAL_ID_TAKEN,
    CustomerService,
)
from application.customers.sorting import DEFAULT_SORTING, CustomerSortProperty
from application.kit.errors import ResourceNotFound, ValidationFailed
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from domain.customer import Customer
from tests.unit.conftest import Harness

ALL = PaginationParams(page=1, limit=100)


@pytest.fixture
def service(harness: Harness) -> CustomerService:
    service: CustomerService = harness.container.customer_service()
    return service


async def _create(
    harness: Harness, service: CustomerService, subject: AuthSubject, **fields: Any
) -> Customer:
    async with harness.uows.write() as uow:
        customer = await service.create(
            uow, subject, CustomerCreate.model_validate({"email": "ada@example.com", **fields})
        )
        await uow.commit()
    harness.clock.advance(timedelta(seconds=1))
    return customer


async def _list(
    harness: Harness, service: CustomerService, subject: AuthSubject, **filters: Any
) -> list[Customer]:
    async with harness.uows.read() as uow:
        page = await service.list(
            uow,
            subject,
            filters=CustomerFilters(**filters),
            pagination=ALL,
            sorting=DEFAULT_SORTING,
        )
    return list(page.items)


async def test_create_get_and_list_within_the_tenant(
    harness: Harness, service: CustomerService
) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    ada = await _create(harness, service, tenant.itself, name="Ada", external_id="u_1")
    await _create(harness, service, other.itself, name="Ada", external_id="u_1")
    async with harness.uows.read() as uow:
        assert (await service.get(uow, tenant.owner, ada.id)).name == "Ada"
        assert (await service.get_external(uow, tenant.owner, "u_1")).id == ada.id
        for subject in (other.owner, other.itself):
            with pytest.raises(ResourceNotFound):
                await service.get(uow, subject, ada.id)
    assert [c.id for c in await _list(harness, service, tenant.owner)] == [ada.id]


async def test_emails_and_external_ids_are_unique_among_live_customers(
    harness: Harness, service: CustomerService
) -> None:
    tenant = await harness.tenant()
    ada = await _create(harness, service, tenant.itself, external_id="u_1")
    with pytest.raises(ValidationFailed) as error:
        await _create(harness, service, tenant.itself, email="ADA@example.com", external_id="u_1")
    assert [(e.loc, e.msg) for e in error.value.errors] == [
        (("body", "email"), EMAIL_TAKEN),
        (("body", "external_id"), EXTERNAL_ID_TAKEN),
    ]
    async with harness.uows.write() as uow:
        await service.delete(uow, tenant.itself, await service.get(uow, tenant.itself, ada.id))
        await uow.commit()
    # Deleted, its email and external id are free again.
    again = await _create(
        harness, service, tenant.itself, email="ADA@example.com", external_id="u_1"
    )
    assert again.id != ada.id


async def test_every_write_enqueues_its_event_and_a_state_change(
    harness: Harness, service: CustomerService
) -> None:
    tenant = await harness.tenant()
    harness.queue.sent.clear()
    ada = await _create(harness, service, tenant.itself)
    async with harness.uows.write() as uow:
        customer = await service.get(uow, tenant.itself, ada.id, lock=True)
        await service.update(uow, tenant.itself, customer, CustomerUpdate(name="Ada L."))
        await service.delete(uow, tenant.itself, customer)
        await uow.commit()
    assert [j.name for j in harness.queue.sent] == [
        CUSTOMER_CREATED,
        CUSTOMER_STATE_CHANGED,
        CUSTOMER_UPDATED,
        CUSTOMER_STATE_CHANGED,
        CUSTOMER_DELETED,
        CUSTOMER_STATE_CHANGED,
        # The deletion's listener: the benefit grants module revokes what it was granted.
        REVOKE_CUSTOMER_JOB,
    ]
    assert {j.arguments["customer_id"] for j in harness.queue.sent} == {str(ada.id)}


async def test_state_lists_are_empty_until_their_modules_exist(
    harness: Harness, service: CustomerService
) -> None:
    tenant = await harness.tenant()
    ada = await _create(harness, service, tenant.itself)
    async with harness.uows.read() as uow:
        state = await service.state(uow, ada)
        methods = await service.payment_methods(uow, ada, ALL)
    assert state.customer.id == ada.id
    assert (state.active_subscriptions, state.granted_benefits, state.active_meters) == ([], [], [])
    assert (list(methods.items), methods.total_count) == ([], 0)


async def test_filters_sorting_and_active(harness: Harness, service: CustomerService) -> None:
    tenant = await harness.tenant()
    ada = await _create(harness, service, tenant.itself, name="Ada", metadata={"plan": "pro"})
    bob = await _create(harness, service, tenant.itself, email="bob@example.org", external_id="x_9")
    subject = tenant.itself
    assert [c.id for c in await _list(harness, service, subject, email="BOB@example.org")] == [
        bob.id
    ]
    assert [c.id for c in await _list(harness, service, subject, query="ad")] == [ada.id]
    assert [c.id for c in await _list(harness, service, subject, query="X_")] == [bob.id]
    assert [c.id for c in await _list(harness, service, subject, query="example")] == [
        bob.id,
        ada.id,
    ]
    assert [c.id for c in await _list(harness, service, subject, metadata={"plan": ["pro"]})] == [
        ada.id
    ]
    async with harness.uows.read() as uow:
        by_email = await service.list(
            uow,
            subject,
            filters=CustomerFilters(),
            pagination=ALL,
            sorting=[Sorting(CustomerSortProperty.email)],
        )
        active = await service.list(
            uow, subject, filters=CustomerFilters(), active=True, pagination=ALL, sorting=[]
        )
    assert [c.id for c in by_email.items] == [ada.id, bob.id]
    assert active.total_count == 0  # none has a subscription


async def test_export_walks_every_customer_in_batches(
    harness: Harness, service: CustomerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customer_service, "EXPORT_BATCH", 2)
    tenant, other = await harness.tenant(), await harness.tenant()
    created = [
        await _create(harness, service, tenant.itself, email=f"c{n}@example.com") for n in range(5)
    ]
    await _create(harness, service, other.itself)
    async with harness.uows.read() as uow:
        exported = [c.id async for c in service.export(uow, tenant.owner)]
    assert exported == [c.id for c in created]
