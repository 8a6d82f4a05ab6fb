"""The discount repository contract, on every adapter: sorting, pagination, soft deletion,
tenancy, search and case-insensitive code uniqueness."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.discounts.sorting import DiscountSortProperty as P
from application.kit.errors import ValidationFailed
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.uow import UnitOfWork
from domain.discount import Discount, DiscountDuration, DiscountType
from domain.membership import Membership
from domain.organization import Organization
from tests.contract.conftest import Adapter, owned_organization


def _page(page: int = 1, limit: int = 10) -> PaginationParams:
    return PaginationParams(page=page, limit=limit)


async def _discount(
    uow: UnitOfWork, adapter: Adapter, organization: Organization, **attributes: Any
) -> Discount:
    values: dict[str, Any] = {
        "name": "discount",
        "type": DiscountType.percentage,
        "duration": DiscountDuration.once,
        "basis_points": 1000,
        **attributes,
    }
    discount = Discount.create(at=adapter.clock.now(), organization_id=organization.id, **values)
    await uow.discounts.create(discount)
    adapter.clock.advance(timedelta(seconds=1))
    return discount


async def _names(
    uow: UnitOfWork, subject: AuthSubject, *sorting: Sorting[P], **filters: Any
) -> list[str]:
    page = await uow.discounts.list_readable(
        subject, pagination=_page(limit=100), sorting=list(sorting), **filters
    )
    assert page.total_count == len(page.items)
    return [d.name for d in page.items]


async def test_a_discount_round_trips_whole(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        product = uuid.uuid4()
        now = adapter.clock.now()
        discount = await _discount(
            uow,
            adapter,
            organization,
            name="Everything",
            type=DiscountType.fixed,
            basis_points=None,
            amounts={"usd": 1000, "eur": 900},
            currency="eur",
            duration=DiscountDuration.repeating,
            duration_in_months=6,
            code="AllOfIt",
            starts_at=now,
            ends_at=now + timedelta(days=30),
            max_redemptions=10,
            max_redemptions_per_customer=2,
            redemptions_count=3,
            metadata={"s": "x", "i": 1, "f": 1.5, "b": True},
            product_ids=[product],
        )
        stored = await uow.discounts.get_readable(subject, discount.id)
        assert stored == discount
        assert await uow.discounts.get(discount.id) == discount
        assert stored is not None
        assert stored.type is DiscountType.fixed
        assert stored.duration is DiscountDuration.repeating
        assert stored.metadata["b"] is True
        assert stored.amount == 900


async def test_update_persists_the_whole_entity(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        discount = await _discount(uow, adapter, organization, code="OLD")
        discount.product_ids = [uuid.uuid4()]
        await uow.discounts.update(discount, {"name": "new", "code": "NEW", "metadata": {"k": 1}})
        stored = await uow.discounts.get_readable(subject, discount.id)
        assert stored is not None
        assert (stored.name, stored.code, stored.metadata, stored.product_ids) == (
            "new",
            "NEW",
            {"k": 1},
            discount.product_ids,
        )
        assert stored.modified_at == adapter.clock.now()


async def test_sorting_by_every_property(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        now = adapter.clock.now()
        rows = [
            # name, code, redemptions, ends in days (None: never)
            ("delta", "ccc", 5, 3),
            ("alpha", None, 0, None),
            ("charlie", "aaa", 9, 1),
            ("bravo", "bbb", 1, 2),
        ]
        for name, code, redemptions, ends in rows:
            await _discount(
                uow,
                adapter,
                organization,
                name=name,
                code=code,
                redemptions_count=redemptions,
                ends_at=None if ends is None else now + timedelta(days=ends),
            )
        created = [r[0] for r in rows]
        assert await _names(uow, subject, Sorting(P.created_at)) == created
        assert await _names(uow, subject, Sorting(P.created_at, descending=True)) == created[::-1]
        assert await _names(uow, subject, Sorting(P.name)) == sorted(created)
        assert await _names(uow, subject, Sorting(P.name, descending=True)) == sorted(
            created, reverse=True
        )
        # Nulls first ascending, last descending.
        assert await _names(uow, subject, Sorting(P.code)) == ["alpha", "charlie", "bravo", "delta"]
        assert await _names(uow, subject, Sorting(P.code, descending=True)) == [
            "delta",
            "bravo",
            "charlie",
            "alpha",
        ]
        assert await _names(uow, subject, Sorting(P.redemptions_count, descending=True)) == [
            "charlie",
            "delta",
            "bravo",
            "alpha",
        ]
        assert await _names(uow, subject, Sorting(P.ends_at)) == [
            "alpha",
            "charlie",
            "bravo",
            "delta",
        ]
        assert await _names(uow, subject, Sorting(P.ends_at, descending=True)) == [
            "delta",
            "bravo",
            "charlie",
            "alpha",
        ]


async def test_ties_are_broken_by_id_so_pages_never_overlap(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        for _ in range(7):
            discount = Discount.create(
                at=adapter.clock.now(),
                organization_id=organization.id,
                name="same",
                type=DiscountType.percentage,
                duration=DiscountDuration.forever,
                basis_points=500,
            )
            await uow.discounts.create(discount)
        seen: list[uuid.UUID] = []
        for number in (1, 2, 3, 4):
            page = await uow.discounts.list_readable(
                subject, pagination=_page(number, 2), sorting=[Sorting(P.created_at)]
            )
            assert (page.total_count, page.max_page) == (7, 4)
            seen.extend(d.id for d in page.items)
        assert len(seen) == len(set(seen)) == 7
        assert seen == sorted(seen, key=lambda i: i.int)
        beyond = await uow.discounts.list_readable(subject, pagination=_page(9, 2), sorting=[])
        assert (list(beyond.items), beyond.total_count) == ([], 7)


async def test_soft_deleted_are_invisible_and_their_code_reusable(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        gone = await _discount(uow, adapter, organization, name="gone", code="REUSE")
        kept = await _discount(uow, adapter, organization, name="kept")
        gone.soft_delete(adapter.clock.now())
        await uow.discounts.update(gone)
        assert await uow.discounts.get(gone.id) is None
        assert await uow.discounts.get_readable(subject, gone.id) is None
        assert await uow.discounts.get_by_code(organization.id, "REUSE") is None
        page = await uow.discounts.list_readable(subject, pagination=_page(), sorting=[])
        assert ([d.id for d in page.items], page.total_count) == ([kept.id], 1)
        again = await _discount(uow, adapter, organization, code="reuse")
        found = await uow.discounts.get_by_code(organization.id, "REUSE")
        assert found is not None
        assert found.id == again.id


async def test_codes_are_unique_per_organization_ignoring_case(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        acme, _ = await owned_organization(uow, adapter.clock)
        globex, _ = await owned_organization(uow, adapter.clock)
        first = await _discount(uow, adapter, acme, code="Spring")
        # Codeless discounts never collide; another organization may hold the same code.
        await _discount(uow, adapter, acme)
        await _discount(uow, adapter, acme)
        await _discount(uow, adapter, globex, code="SPRING")
        found = await uow.discounts.get_by_code(acme.id, "sPRING")
        assert found is not None
        assert found.id == first.id
        assert await uow.discounts.get_by_code(acme.id, "Sprin") is None
        other = await _discount(uow, adapter, acme, code="Summer")
        await uow.commit()
    # A violation spoils the SQL transaction: each attempt gets its own unit of work.
    async with adapter.uows.write() as uow:
        with pytest.raises(ValidationFailed) as caught:
            await _discount(uow, adapter, acme, code="SPRING")
        assert caught.value.errors[0].loc == ("body", "code")
    async with adapter.uows.write() as uow:
        with pytest.raises(ValidationFailed) as caught:
            await uow.discounts.update(other, {"code": "spring"})
        assert caught.value.errors[0].loc == ("body", "code")


async def test_readability_across_tenants(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        acme, alice = await owned_organization(uow, adapter.clock)
        globex, bob = await owned_organization(uow, adapter.clock)
        a = await _discount(uow, adapter, acme, name="a")
        b = await _discount(uow, adapter, globex, name="b")
        for subject in (alice, AuthSubject.organization(acme.id, MERCHANT_SCOPES)):
            assert await uow.discounts.get_readable(subject, b.id) is None
            readable = await uow.discounts.get_readable(subject, a.id)
            assert readable is not None
            assert readable.id == a.id
            assert await _names(uow, subject) == ["a"]
            # Filtering on another organization does not widen what is readable.
            assert await _names(uow, subject, organization_ids=[globex.id]) == []
        assert await _names(uow, bob) == ["b"]
        anonymous = AuthSubject.anonymous()
        assert await uow.discounts.get_readable(anonymous, a.id) is None
        assert await _names(uow, anonymous) == []


async def test_a_user_in_two_organizations_filters_by_organization(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        acme, alice = await owned_organization(uow, adapter.clock)
        globex, _ = await owned_organization(uow, adapter.clock)
        assert alice.id is not None
        await uow.memberships.create(Membership(user_id=alice.id, organization_id=globex.id))
        await _discount(uow, adapter, acme, name="a")
        await _discount(uow, adapter, globex, name="g")
        sort = Sorting(P.name)
        assert await _names(uow, alice, sort) == ["a", "g"]
        assert await _names(uow, alice, sort, organization_ids=[globex.id]) == ["g"]
        assert await _names(uow, alice, sort, organization_ids=[acme.id, globex.id]) == ["a", "g"]


async def test_query_matches_name_or_code_literally_ignoring_case(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        await _discount(uow, adapter, organization, name="Summer Sale")
        await _discount(uow, adapter, organization, name="Winter", code="SUMMER24")
        await _discount(uow, adapter, organization, name="50% off")
        await _discount(uow, adapter, organization, name="500 off")
        await _discount(uow, adapter, organization, name="under_score")
        await _discount(uow, adapter, organization, name="underXscore")
        sort = Sorting(P.name)
        assert await _names(uow, subject, sort, query="sUmMeR") == ["Summer Sale", "Winter"]
        assert await _names(uow, subject, sort, query="50%") == ["50% off"]
        assert await _names(uow, subject, sort, query="_") == ["under_score"]
        assert await _names(uow, subject, sort, query="\\") == []
        assert await _names(uow, subject, sort, query="nothing") == []
