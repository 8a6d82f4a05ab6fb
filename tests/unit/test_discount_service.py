"""Discount use cases on the memory harness: tenancy, validation, events, soft deletion."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from application.auth import AuthSubject
from application.discounts.commands import DiscountCreate, DiscountUpdate
from application.discounts.service import (
    DISCOUNT_CREATED,
    DISCOUNT_DELETED,
    DISCOUNT_UPDATED,
    DiscountService,
)
from application.discounts.sorting import DEFAULT_SORTING
from application.kit.errors import ResourceNotFound, ValidationFailed
from application.kit.pagination import PaginationParams
from application.organizations.commands import OrganizationCreate
from domain.discount import Discount, DiscountDuration, DiscountType
from domain.membership import MemberRole
from domain.organization import Organization
from tests.unit.conftest import Harness, Tenant

ALL = PaginationParams(page=1, limit=100)


@pytest.fixture
def service(harness: Harness) -> DiscountService:
    service: DiscountService = harness.container.discount_service()
    return service


def _body(**fields: Any) -> DiscountCreate:
    return DiscountCreate.model_validate(
        {"name": "Spring", "duration": "once", "basis_points": 1000, **fields}
    )


async def _create(
    harness: Harness, service: DiscountService, subject: AuthSubject, **fields: Any
) -> Discount:
    async with harness.uows.write() as uow:
        discount = await service.create(uow, subject, _body(**fields))
        await uow.commit()
    harness.clock.advance(timedelta(seconds=1))
    return discount


async def _update(
    harness: Harness, service: DiscountService, subject: AuthSubject, id: uuid.UUID, **fields: Any
) -> Discount:
    async with harness.uows.write() as uow:
        discount = await service.update(uow, subject, id, DiscountUpdate.model_validate(fields))
        await uow.commit()
    return discount


async def _get(
    harness: Harness, service: DiscountService, subject: AuthSubject, id: uuid.UUID
) -> Discount:
    async with harness.uows.read() as uow:
        return await service.get(uow, subject, id)


async def _list(
    harness: Harness, service: DiscountService, subject: AuthSubject, **filters: Any
) -> list[Discount]:
    async with harness.uows.read() as uow:
        page = await service.list(uow, subject, pagination=ALL, sorting=DEFAULT_SORTING, **filters)
    assert page.total_count == len(page.items)
    return list(page.items)


async def _refused(
    harness: Harness,
    service: DiscountService,
    subject: AuthSubject,
    *,
    update: uuid.UUID | None = None,
    **fields: Any,
) -> tuple[str | int, ...]:
    """Run a create (or an update of `update`) that must fail; return the error's loc."""
    async with harness.uows.write() as uow:
        if update is None:
            attempt = service.create(uow, subject, _body(**fields))
        else:
            attempt = service.update(uow, subject, update, DiscountUpdate.model_validate(fields))
        with pytest.raises(ValidationFailed) as info:
            await attempt
        await uow.commit()  # commits nothing: the use case changed nothing before refusing
    assert len(info.value.errors) == 1
    return info.value.errors[0].loc


def _subjects(tenant: Tenant) -> list[AuthSubject]:
    return [tenant.owner, tenant.itself]


# --- create -------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_organization", [False, True])
async def test_create_a_percentage_discount(
    harness: Harness, service: DiscountService, as_organization: bool
) -> None:
    tenant = await harness.tenant()
    subject = tenant.itself if as_organization else tenant.owner
    org_id = None if as_organization else str(tenant.organization.id)
    starts = datetime(2026, 2, 1, tzinfo=UTC)
    async with harness.uows.write() as uow:
        discount = await service.create(
            uow,
            subject,
            _body(
                organization_id=org_id,
                code="Spring10",
                duration="repeating",
                duration_in_months=3,
                starts_at=starts.isoformat(),
                ends_at=(starts + timedelta(days=30)).isoformat(),
                max_redemptions=100,
                max_redemptions_per_customer=1,
                metadata={"campaign": "spring", "wave": 2, "paid": True, "ratio": 0.5},
            ),
        )
        assert harness.queue.sent == []  # nothing leaves before the commit
        await uow.commit()
    assert discount.type is DiscountType.percentage  # inferred from basis_points
    assert discount.organization_id == tenant.organization.id
    assert discount.created_at == harness.clock.now()
    assert discount.code == "Spring10"
    assert discount.duration is DiscountDuration.repeating
    assert discount.metadata == {"campaign": "spring", "wave": 2, "paid": True, "ratio": 0.5}
    assert [(j.name, dict(j.arguments)) for j in harness.queue.sent] == [
        (
            DISCOUNT_CREATED,
            {"discount_id": str(discount.id), "organization_id": str(tenant.organization.id)},
        )
    ]
    assert await _get(harness, service, tenant.owner, discount.id) == discount


async def test_a_fixed_amount_without_currency_is_in_the_organizations_currency(
    harness: Harness, service: DiscountService
) -> None:
    tenant = await harness.tenant()
    async with harness.uows.write() as uow:
        await uow.organizations.update(tenant.organization, {"default_presentment_currency": "eur"})
        await uow.commit()
    discount = await _create(
        harness, service, tenant.itself, basis_points=None, amount=500, duration="forever"
    )
    assert (discount.type, discount.amounts, discount.currency) == (
        DiscountType.fixed,
        {"eur": 500},
        "eur",
    )


async def test_a_fixed_discount_in_several_currencies(
    harness: Harness, service: DiscountService
) -> None:
    tenant = await harness.tenant()
    discount = await _create(
        harness,
        service,
        tenant.itself,
        type="fixed",
        basis_points=None,
        amounts={"usd": 1000, "eur": 900},
    )
    assert discount.amounts == {"usd": 1000, "eur": 900}
    assert discount.currency == "usd"
    chosen = await _create(
        harness,
        service,
        tenant.itself,
        basis_points=None,
        amounts={"usd": 1000, "eur": 900},
        currency="eur",
    )
    assert chosen.amount == 900


async def _products(harness: Harness, organization_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    from domain.price import FixedPrice
    from domain.product import Product

    ids = []
    async with harness.uows.write() as uow:
        for _ in range(count):
            product = Product(organization_id=organization_id, name="P")
            product.prices = [FixedPrice(product_id=product.id, amount=100)]
            await uow.products.create(product)
            ids.append(product.id)
        await uow.commit()
    return ids


async def test_product_ids_are_kept_once_each(harness: Harness, service: DiscountService) -> None:
    tenant = await harness.tenant()
    a, b = await _products(harness, tenant.organization.id, 2)
    discount = await _create(harness, service, tenant.itself, products=[str(a), str(b), str(a)])
    assert discount.product_ids == [a, b]


async def test_products_of_another_tenant_or_unknown_are_not_found(
    harness: Harness, service: DiscountService
) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    [foreign] = await _products(harness, other.organization.id, 1)
    for product in (foreign, uuid.uuid4()):
        with pytest.raises(ResourceNotFound):
            await _create(harness, service, tenant.itself, products=[str(product)])


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"basis_points": None}, ("body", "type")),
        ({"amount": 100}, ("body", "type")),  # basis points and an amount: which type?
        ({"type": "percentage", "basis_points": None}, ("body", "basis_points")),
        ({"type": "fixed", "basis_points": None}, ("body", "amount")),
        ({"type": "fixed", "basis_points": None, "currency": "usd"}, ("body", "amount")),
        (
            {"type": "fixed", "basis_points": None, "amount": 5, "amounts": {"usd": 5}},
            ("body", "amount"),
        ),
        (
            {"type": "fixed", "basis_points": None, "amounts": {"usd": 5}, "currency": "eur"},
            ("body", "currency"),
        ),
        ({"type": "percentage", "amount": 100}, ("body", "amount")),
        ({"type": "percentage", "amounts": {"usd": 100}}, ("body", "amounts")),
        ({"duration": "repeating"}, ("body", "duration_in_months")),
        ({"duration_in_months": 2}, ("body", "duration_in_months")),
        ({"code": "ab"}, ("body", "code")),
        ({"code": "with space"}, ("body", "code")),
        (
            {"starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"},
            ("body", "ends_at"),
        ),
        ({"metadata": {"k" * 41: "v"}}, ("body", "metadata", "k" * 41)),
        ({"metadata": {"note": "v" * 501}}, ("body", "metadata", "note")),
        ({"organization_id": None}, ("body", "organization_id")),
    ],
)
async def test_create_refuses_breaking_a_rule(
    harness: Harness, service: DiscountService, fields: dict[str, Any], loc: tuple[str, ...]
) -> None:
    tenant = await harness.tenant()
    fields = {"organization_id": str(tenant.organization.id), **fields}
    assert await _refused(harness, service, tenant.owner, **fields) == loc
    assert await _list(harness, service, tenant.owner) == []
    assert harness.queue.sent == []


async def test_codes_are_unique_per_organization_ignoring_case(
    harness: Harness, service: DiscountService
) -> None:
    acme = await harness.tenant()
    globex = await harness.tenant()
    first = await _create(harness, service, acme.itself, code="SPRING")
    assert await _refused(harness, service, acme.itself, code="spring") == ("body", "code")
    # Another organization may use it, and a deleted discount's code is free again.
    await _create(harness, service, globex.itself, code="Spring")
    async with harness.uows.write() as uow:
        await service.delete(uow, acme.itself, first.id)
        await uow.commit()
    again = await _create(harness, service, acme.itself, code="sPrInG")
    assert again.code == "sPrInG"


async def test_an_organization_token_cannot_write_to_another_organization(
    harness: Harness, service: DiscountService
) -> None:
    acme = await harness.tenant()
    globex = await harness.tenant()
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceNotFound):
            await service.create(
                uow, acme.itself, _body(organization_id=str(globex.organization.id))
            )
        with pytest.raises(ResourceNotFound):
            await service.create(
                uow, acme.owner, _body(organization_id=str(globex.organization.id))
            )
    assert await _list(harness, service, globex.owner) == []


async def test_any_member_may_manage_discounts(harness: Harness, service: DiscountService) -> None:
    tenant = await harness.tenant()
    member = (await harness.member(tenant, MemberRole.member)).subject
    discount = await _create(harness, service, member, organization_id=str(tenant.organization.id))
    renamed = await _update(harness, service, member, discount.id, name="By a member")
    assert renamed.name == "By a member"


# --- read ---------------------------------------------------------------------------------------


async def test_tenants_see_only_their_own_discounts(
    harness: Harness, service: DiscountService
) -> None:
    acme = await harness.tenant()
    globex = await harness.tenant()
    mine = await _create(harness, service, acme.itself)
    theirs = await _create(harness, service, globex.itself)
    for subject in _subjects(acme):
        assert [d.id for d in await _list(harness, service, subject)] == [mine.id]
        with pytest.raises(ResourceNotFound):
            await _get(harness, service, subject, theirs.id)
    outsider = await harness.outsider()
    assert await _list(harness, service, outsider) == []
    assert await _list(harness, service, AuthSubject.anonymous()) == []


async def _second_organization(harness: Harness, tenant: Tenant) -> Organization:
    async with harness.uows.write() as uow:
        organization = await harness.organizations.create(
            uow, tenant.owner, OrganizationCreate(name="Second", slug="second-org")
        )
        await uow.commit()
    return organization


async def test_list_filters_and_default_order(harness: Harness, service: DiscountService) -> None:
    tenant = await harness.tenant()
    second = await _second_organization(harness, tenant)
    a = await _create(harness, service, tenant.itself, name="Summer Sale")
    b = await _create(harness, service, tenant.itself, name="Winter", code="SUMMERTIME")
    c = await _create(harness, service, tenant.itself, name="Autumn")
    d = await _create(
        harness, service, tenant.owner, name="Other org", organization_id=str(second.id)
    )
    assert [x.id for x in await _list(harness, service, tenant.owner)] == [d.id, c.id, b.id, a.id]
    # Name or code, ignoring case.
    assert [x.id for x in await _list(harness, service, tenant.owner, query="summer")] == [
        b.id,
        a.id,
    ]
    by_org = await _list(harness, service, tenant.owner, organization_ids=[second.id])
    assert [x.id for x in by_org] == [d.id]
    # The organization's own token sees only its discounts, whatever it filters on.
    assert [x.id for x in await _list(harness, service, tenant.itself)] == [c.id, b.id, a.id]
    assert await _list(harness, service, tenant.itself, organization_ids=[second.id]) == []


# --- update -------------------------------------------------------------------------------------


async def test_update_changes_only_what_is_sent(harness: Harness, service: DiscountService) -> None:
    tenant = await harness.tenant()
    discount = await _create(
        harness, service, tenant.itself, code="KEEP", max_redemptions=5, metadata={"a": 1}
    )
    harness.queue.sent.clear()
    harness.clock.advance(timedelta(minutes=5))
    updated = await _update(harness, service, tenant.owner, discount.id, name="Renamed")
    assert updated.name == "Renamed"
    assert (updated.code, updated.max_redemptions, updated.metadata) == ("KEEP", 5, {"a": 1})
    assert updated.modified_at == harness.clock.now()
    assert [(j.name, dict(j.arguments)) for j in harness.queue.sent] == [
        (
            DISCOUNT_UPDATED,
            {"discount_id": str(discount.id), "organization_id": str(discount.organization_id)},
        )
    ]
    cleared = await _update(
        harness, service, tenant.owner, discount.id, code=None, max_redemptions=None, metadata={}
    )
    assert (cleared.code, cleared.max_redemptions, cleared.metadata) == (None, None, {})
    assert await _get(harness, service, tenant.owner, discount.id) == cleared


async def test_update_the_value_of_a_fixed_discount(
    harness: Harness, service: DiscountService
) -> None:
    tenant = await harness.tenant()
    discount = await _create(
        harness, service, tenant.itself, basis_points=None, amounts={"usd": 500, "eur": 450}
    )
    moved = await _update(harness, service, tenant.itself, discount.id, currency="eur")
    assert (moved.currency, moved.amount) == ("eur", 450)
    single = await _update(harness, service, tenant.itself, discount.id, amount=700)
    assert (single.amounts, single.currency) == ({"eur": 700}, "eur")
    many = await _update(harness, service, tenant.itself, discount.id, amounts={"gbp": 300})
    assert (many.amounts, many.currency, many.amount) == ({"gbp": 300}, "gbp", 300)


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"type": "fixed"}, ("body", "type")),
        ({"duration": "forever"}, ("body", "duration")),
        ({"amount": 100}, ("body", "amount")),
        ({"amounts": {"usd": 100}}, ("body", "amounts")),
        ({"currency": "usd"}, ("body", "currency")),
        ({"duration_in_months": 4}, ("body", "duration_in_months")),
        (
            {"ends_at": "2020-01-01T00:00:00Z", "starts_at": "2021-01-01T00:00:00Z"},
            ("body", "ends_at"),
        ),
        ({"code": "x"}, ("body", "code")),
        ({"code": "TAKEN"}, ("body", "code")),
        ({"code": "taken"}, ("body", "code")),
        ({"metadata": {"": 1}}, ("body", "metadata", "")),
    ],
)
async def test_update_refuses_breaking_a_rule_and_changes_nothing(
    harness: Harness, service: DiscountService, fields: dict[str, Any], loc: tuple[str, ...]
) -> None:
    tenant = await harness.tenant()
    await _create(harness, service, tenant.itself, code="TAKEN")
    discount = await _create(harness, service, tenant.itself, name="Target", code="MINE")
    harness.queue.sent.clear()
    assert await _refused(harness, service, tenant.itself, update=discount.id, **fields) == loc
    assert await _get(harness, service, tenant.itself, discount.id) == discount
    assert harness.queue.sent == []


async def test_a_fixed_discount_refuses_basis_points_and_unknown_currencies(
    harness: Harness, service: DiscountService
) -> None:
    tenant = await harness.tenant()
    discount = await _create(harness, service, tenant.itself, basis_points=None, amount=100)
    for fields, loc in [
        ({"basis_points": 500}, ("body", "basis_points")),
        ({"currency": "jpy"}, ("body", "currency")),
        ({"amounts": {"usd": 5}, "currency": "eur"}, ("body", "currency")),
        ({"amount": 5, "amounts": {"usd": 5}}, ("body", "amount")),
    ]:
        assert await _refused(harness, service, tenant.itself, update=discount.id, **fields) == loc
    assert await _get(harness, service, tenant.itself, discount.id) == discount


async def test_a_redeemed_discount_keeps_its_value(
    harness: Harness, service: DiscountService
) -> None:
    tenant = await harness.tenant()
    fixed = await _create(harness, service, tenant.itself, basis_points=None, amount=100)
    percentage = await _create(harness, service, tenant.itself)
    async with harness.uows.write() as uow:
        for discount in (fixed, percentage):
            await uow.discounts.update(discount, {"redemptions_count": 1})
        await uow.commit()
    fixed, percentage = (
        await _get(harness, service, tenant.itself, fixed.id),
        await _get(harness, service, tenant.itself, percentage.id),
    )
    assert await _refused(harness, service, tenant.itself, update=fixed.id, amount=200) == (
        "body",
        "amount",
    )
    assert await _refused(
        harness, service, tenant.itself, update=fixed.id, amounts={"usd": 100, "eur": 90}
    ) == ("body", "amounts")
    assert await _refused(
        harness, service, tenant.itself, update=percentage.id, basis_points=2000
    ) == ("body", "basis_points")
    # The same value, or other fields, may still be sent.
    same = await _update(harness, service, tenant.itself, fixed.id, amount=100, name="Still")
    assert (same.amount, same.name) == (100, "Still")


async def test_another_tenant_cannot_update_or_delete(
    harness: Harness, service: DiscountService
) -> None:
    acme = await harness.tenant()
    globex = await harness.tenant()
    discount = await _create(harness, service, acme.itself)
    for intruder in _subjects(globex):
        async with harness.uows.write() as uow:
            with pytest.raises(ResourceNotFound):
                await service.update(uow, intruder, discount.id, DiscountUpdate(name="Hijack"))
            with pytest.raises(ResourceNotFound):
                await service.delete(uow, intruder, discount.id)
            await uow.commit()
    assert await _get(harness, service, acme.itself, discount.id) == discount
    assert [j.name for j in harness.queue.sent] == [DISCOUNT_CREATED]


# --- delete -------------------------------------------------------------------------------------


async def test_delete_is_soft_and_sends_its_event(
    harness: Harness, service: DiscountService
) -> None:
    tenant = await harness.tenant()
    discount = await _create(harness, service, tenant.itself)
    async with harness.uows.write() as uow:
        await service.delete(uow, tenant.owner, discount.id)
        await uow.commit()
    assert [j.name for j in harness.queue.sent] == [DISCOUNT_CREATED, DISCOUNT_DELETED]
    assert harness.queue.sent[-1].arguments == {
        "discount_id": str(discount.id),
        "organization_id": str(discount.organization_id),
    }
    with pytest.raises(ResourceNotFound):
        await _get(harness, service, tenant.owner, discount.id)
    assert await _list(harness, service, tenant.owner) == []
    assert harness.store.tables["discounts"][discount.id].deleted_at == harness.clock.now()
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceNotFound):  # already gone
            await service.delete(uow, tenant.owner, discount.id)


async def test_leaving_without_commit_undoes_the_delete(
    harness: Harness, service: DiscountService
) -> None:
    tenant = await harness.tenant()
    discount = await _create(harness, service, tenant.itself)
    async with harness.uows.write() as uow:
        await service.delete(uow, tenant.owner, discount.id)
    assert (await _get(harness, service, tenant.owner, discount.id)).deleted_at is None
    assert [j.name for j in harness.queue.sent] == [DISCOUNT_CREATED]
