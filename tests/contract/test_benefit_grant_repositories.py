"""The benefit grant and license key repository contracts, on every adapter: claiming a grant
once per scope, filters and tenancy; keys found by string only within their organization;
live activations counted and listed without the deactivated ones."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.benefit_grants.ports import BenefitGrantFilters, GrantScope
from application.benefit_grants.sorting import DEFAULT_SORTING
from application.kit.pagination import PaginationParams
from application.license_keys.ports import LicenseKeyFilters
from application.uow import UnitOfWork
from domain.benefit import Benefit
from domain.benefit_grant import BenefitGrant
from domain.customer import Customer
from domain.license_key import LicenseKey, LicenseKeyActivation, LicenseKeyStatus
from domain.organization import Organization
from tests.contract.conftest import Adapter, owned_organization

ALL = PaginationParams(page=1, limit=100)


async def _customer_and_benefit(
    uow: UnitOfWork, adapter: Adapter, organization: Organization
) -> tuple[Customer, Benefit]:
    at = adapter.clock.now()
    customer = Customer.create(
        at=at, organization_id=organization.id, email=f"{uuid.uuid4().hex[:8]}@example.com"
    )
    await uow.customers.create(customer)
    benefit = Benefit(
        created_at=at,
        organization_id=organization.id,
        type="license_keys",
        description="License",
        properties={},
    )
    await uow.benefits.create(benefit)
    adapter.clock.advance(timedelta(seconds=1))
    return customer, benefit


def _grant(adapter: Adapter, customer: Customer, benefit: Benefit) -> BenefitGrant:
    return BenefitGrant(
        created_at=adapter.clock.now(),
        organization_id=benefit.organization_id,
        customer_id=customer.id,
        benefit_id=benefit.id,
    )


async def test_a_scope_is_claimed_once(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        customer, benefit = await _customer_and_benefit(uow, adapter, organization)
        first, created = await uow.benefit_grants.claim(_grant(adapter, customer, benefit))
        assert created
        again, created = await uow.benefit_grants.claim(_grant(adapter, customer, benefit))
        assert (again.id, created) == (first.id, False)
        # Another order is another scope.
        other = _grant(adapter, customer, benefit)
        other.order_id = uuid.uuid4()
        third, created = await uow.benefit_grants.claim(other)
        assert created and third.id != first.id

        first.grant(adapter.clock.now(), {"license_key_id": "x"})
        await uow.benefit_grants.update(first)
        scope = GrantScope(customer.id, benefit.id)
        found = await uow.benefit_grants.get_for_scope(scope, lock=True)
        assert found is not None and found.id == first.id and found.is_granted
        assert found.properties == {"license_key_id": "x"}

        async def ids(subject: AuthSubject, **filters: Any) -> set[uuid.UUID]:
            page = await uow.benefit_grants.list_readable(
                subject,
                filters=BenefitGrantFilters(**filters),
                pagination=ALL,
                sorting=DEFAULT_SORTING,
            )
            return {g.id for g in page.items}

        assert await ids(subject) == {first.id, third.id}
        assert await ids(subject, is_granted=True) == {first.id}
        assert await ids(subject, customer_ids=[uuid.uuid4()]) == set()
        assert await ids(subject, member_ids=[uuid.uuid4()]) == set()
        assert await ids(AuthSubject.user(uuid.uuid4(), MERCHANT_SCOPES)) == set()
        await uow.commit()


async def test_keys_are_found_within_their_organization(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        other, _ = await owned_organization(uow, adapter.clock)
        customer, benefit = await _customer_and_benefit(uow, adapter, organization)
        key = LicenseKey(
            created_at=adapter.clock.now(),
            organization_id=organization.id,
            customer_id=customer.id,
            benefit_id=benefit.id,
            limit_activations=2,
        )
        await uow.license_keys.create(key)
        assert await uow.license_keys.get_by_key(organization.id, key.key, lock=True) == key
        assert await uow.license_keys.get_by_key(other.id, key.key) is None
        assert await uow.license_keys.get_readable(subject, key.id) == key
        outsider = AuthSubject.user(uuid.uuid4(), MERCHANT_SCOPES)
        assert await uow.license_keys.get_readable(outsider, key.id) is None

        await uow.license_keys.update(key, {"status": LicenseKeyStatus.revoked})
        found = await uow.license_keys.get(key.id)
        assert found is not None and found.status is LicenseKeyStatus.revoked
        revoked = LicenseKeyFilters(statuses=[LicenseKeyStatus.revoked])
        page = await uow.license_keys.list_readable(subject, filters=revoked, pagination=ALL)
        assert [k.id for k in page.items] == [key.id]
        granted = LicenseKeyFilters(statuses=[LicenseKeyStatus.granted])
        page = await uow.license_keys.list_readable(subject, filters=granted, pagination=ALL)
        assert page.items == []

        activations = [
            LicenseKeyActivation(created_at=adapter.clock.now(), license_key_id=key.id, label=label)
            for label in ("a", "b")
        ]
        for activation in activations:
            await uow.license_key_activations.create(activation)
        assert await uow.license_key_activations.count_live(key.id) == 2
        activations[0].soft_delete(adapter.clock.now())
        await uow.license_key_activations.update(activations[0])
        assert await uow.license_key_activations.count_live(key.id) == 1
        assert [a.id for a in await uow.license_key_activations.list_live(key.id)] == [
            activations[1].id
        ]
        assert await uow.license_key_activations.get_live(key.id, activations[0].id) is None
        await uow.commit()


async def test_a_tombstone_holds_its_scope_and_is_not_listed(adapter: Adapter) -> None:
    """A revoke that ran before any grant claims the scope with a tombstone: a later claim (the
    grant job) finds it, and lists never show it."""
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        customer, benefit = await _customer_and_benefit(uow, adapter, organization)
        order_id = uuid.uuid4()
        tombstone = BenefitGrant.tombstone(
            at=adapter.clock.now(),
            organization_id=organization.id,
            customer_id=customer.id,
            benefit_id=benefit.id,
            order_id=order_id,
        )
        claimed, created = await uow.benefit_grants.claim(tombstone)
        assert created and claimed.is_tombstone and claimed.is_revoked
        later = _grant(adapter, customer, benefit)
        later.order_id = order_id
        found, created = await uow.benefit_grants.claim(later)
        assert (found.id, created) == (tombstone.id, False)
        assert found.is_tombstone and found.is_revoked and not found.is_granted
        assert not found.is_grantable
        scope = GrantScope(customer.id, benefit.id, order_id=order_id)
        again = await uow.benefit_grants.get_for_scope(scope)
        assert again is not None and again.is_tombstone
        stored = await uow.benefit_grants.get_including_deleted(tombstone.id)
        assert stored is not None and stored.is_tombstone
        assert await uow.benefit_grants.granted_of_order(order_id) == []
        assert await uow.benefit_grants.granted_of_customer(customer.id) == []

        # A grant of another scope is listed; the tombstone is not, whatever the filters.
        live, _ = await uow.benefit_grants.claim(_grant(adapter, customer, benefit))
        for filters in (
            BenefitGrantFilters(),
            BenefitGrantFilters(is_granted=False),
            BenefitGrantFilters(customer_ids=[customer.id], benefit_ids=[benefit.id]),
        ):
            page = await uow.benefit_grants.list_readable(
                subject, filters=filters, pagination=ALL, sorting=DEFAULT_SORTING
            )
            assert [g.id for g in page.items] == [live.id]
            assert page.total_count == 1
        await uow.commit()


async def test_a_grant_reads_its_customer_even_deleted(adapter: Adapter) -> None:
    """The customer read held for a grant (FOR SHARE on SQL) finds a deleted customer too, so
    that the grant job sees the deletion and grants nothing."""
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        customer, _ = await _customer_and_benefit(uow, adapter, organization)
        held = await uow.customers.get_including_deleted_for_share(customer.id)
        assert held is not None and held.id == customer.id and not held.is_deleted
        customer.soft_delete(adapter.clock.now())
        await uow.customers.update(customer)
        held = await uow.customers.get_including_deleted_for_share(customer.id)
        assert held is not None and held.is_deleted
        assert await uow.customers.get_including_deleted_for_share(uuid.uuid4()) is None
        await uow.commit()
