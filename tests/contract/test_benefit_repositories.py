"""The benefit repository contract, on every adapter: round trip, soft deletion, filters,
sorting, tenancy, and the product ↔ benefit links (order, detaching, deleted benefits hidden)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.benefits.ports import BenefitFilters
from application.benefits.sorting import BenefitSortProperty as B
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.products.ports import ProductFilters
from application.products.sorting import ProductSortProperty
from application.uow import UnitOfWork
from domain.benefit import Benefit, BenefitVisibility
from domain.organization import Organization
from domain.price import FixedPrice
from domain.product import Product
from tests.contract.conftest import Adapter, owned_organization

PAGE = PaginationParams(page=1, limit=100)


async def _benefit(
    uow: UnitOfWork, adapter: Adapter, organization: Organization, **values: Any
) -> Benefit:
    benefit = Benefit(
        created_at=adapter.clock.now(),
        organization_id=organization.id,
        **{"type": "custom", "description": "Perk", "properties": {"note": None}, **values},
    )
    await uow.benefits.create(benefit)
    adapter.clock.advance(timedelta(seconds=1))
    return benefit


async def _product(uow: UnitOfWork, adapter: Adapter, organization: Organization) -> Product:
    product = Product(created_at=adapter.clock.now(), organization_id=organization.id, name="P")
    product.prices = [FixedPrice(product_id=product.id, amount=100)]
    await uow.products.create(product)
    adapter.clock.advance(timedelta(seconds=1))
    return product


async def _descriptions(
    uow: UnitOfWork, subject: AuthSubject, *sorting: Sorting[B], **filters: Any
) -> list[str]:
    page = await uow.benefits.list_readable(
        subject, filters=BenefitFilters(**filters), pagination=PAGE, sorting=list(sorting)
    )
    assert page.total_count == len(page.items)
    return [b.description for b in page.items]


async def test_round_trip(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        benefit = await _benefit(
            uow,
            adapter,
            organization,
            type="license_keys",
            description="Key",
            visibility=BenefitVisibility.private,
            metadata={"a": "b", "n": 1, "t": True},
            properties={"prefix": "X", "expires": {"ttl": 1, "timeframe": "day"}},
        )
        assert await uow.benefits.get_readable(subject, benefit.id) == benefit
        assert await uow.benefits.get(benefit.id) == benefit
        assert await uow.benefits.get_many([benefit.id, uuid.uuid4()]) == [benefit]
        assert await uow.benefits.get_many([]) == []


async def test_soft_deleted_benefits_are_hidden_but_kept(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        benefit = await _benefit(uow, adapter, organization)
        benefit.soft_delete(adapter.clock.now())
        await uow.benefits.update(benefit)
        assert await uow.benefits.get(benefit.id) is None
        assert await uow.benefits.get_readable(subject, benefit.id) is None
        assert await uow.benefits.get_many([benefit.id]) == []
        assert await _descriptions(uow, subject) == []
        kept = await uow.benefits.get_including_deleted(benefit.id)
        assert kept is not None and kept.is_deleted


async def test_filters_sorting_and_tenancy(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        other, other_subject = await owned_organization(uow, adapter.clock)
        a = await _benefit(uow, adapter, organization, description="Beta", metadata={"k": 1})
        b = await _benefit(uow, adapter, organization, description="Alpha_1", type="meter_credit")
        c = await _benefit(uow, adapter, organization, description="Gamma", metadata={"k": True})
        await _benefit(uow, adapter, other, description="Theirs")
        newest = Sorting(B.created_at, descending=True)
        assert await _descriptions(uow, subject, newest) == ["Gamma", "Alpha_1", "Beta"]
        assert await _descriptions(uow, subject, Sorting(B.description)) == [
            "Alpha_1",
            "Beta",
            "Gamma",
        ]
        assert await _descriptions(uow, subject, Sorting(B.type), newest) == [
            "Gamma",
            "Beta",
            "Alpha_1",
        ]
        assert await _descriptions(uow, subject, newest, ids=[a.id, c.id]) == ["Gamma", "Beta"]
        assert await _descriptions(uow, subject, newest, exclude_ids=[a.id]) == [
            "Gamma",
            "Alpha_1",
        ]
        assert await _descriptions(uow, subject, newest, types=["meter_credit"]) == ["Alpha_1"]
        assert await _descriptions(uow, subject, newest, query="aLPHA_") == ["Alpha_1"]
        assert await _descriptions(uow, subject, newest, query="%") == []
        assert await _descriptions(uow, subject, newest, metadata={"k": ["1"]}) == ["Beta"]
        assert await _descriptions(uow, subject, newest, metadata={"k": ["true", "1"]}) == [
            "Gamma",
            "Beta",
        ]
        assert await _descriptions(uow, subject, newest, organization_ids=[other.id]) == []
        assert await _descriptions(uow, other_subject, newest) == ["Theirs"]
        assert await uow.benefits.get_readable(other_subject, b.id) is None
        organization_subject = AuthSubject.organization(organization.id, MERCHANT_SCOPES)
        assert await uow.benefits.get_readable(organization_subject, b.id) == b
        assert await _descriptions(uow, organization_subject, newest) == [
            "Gamma",
            "Alpha_1",
            "Beta",
        ]


async def test_products_grant_benefits_in_order_and_lose_deleted_ones(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        first, second, third = [
            await _benefit(uow, adapter, organization, description=f"B{i}") for i in range(3)
        ]
        product = await _product(uow, adapter, organization)
        bystander = await _product(uow, adapter, organization)
        await uow.products.set_benefits(product, [third.id, first.id, second.id])
        await uow.products.set_benefits(bystander, [first.id])
        loaded = await uow.products.get_readable(subject, product.id)
        assert loaded is not None
        assert loaded.benefit_ids == [third.id, first.id, second.id]
        assert loaded.benefits[0] == third

        async def granting(*ids: uuid.UUID) -> set[uuid.UUID]:
            page = await uow.products.list_readable(
                subject,
                filters=ProductFilters(benefit_ids=ids),
                pagination=PAGE,
                sorting=[Sorting(ProductSortProperty.created_at)],
            )
            return {p.id for p in page.items}

        assert await granting(first.id) == {product.id, bystander.id}
        assert await granting(third.id) == {product.id}
        assert await granting(uuid.uuid4()) == set()

        # Deleting a benefit: it is hidden at once; `detach` removes the links and touches
        # the products it was removed from.
        second.soft_delete(adapter.clock.now())
        await uow.benefits.update(second)
        hidden = await uow.products.get(product.id)
        assert hidden is not None and hidden.benefit_ids == [third.id, first.id]
        at = adapter.clock.now() + timedelta(minutes=5)
        assert await uow.benefits.detach(first.id, at) == sorted([product.id, bystander.id])
        assert await uow.benefits.detach(first.id, at) == []
        loaded = await uow.products.get(product.id)
        assert loaded is not None
        assert loaded.benefit_ids == [third.id]
        assert loaded.modified_at == at
        assert await granting(first.id) == set()

        await uow.products.set_benefits(product, [])
        emptied = await uow.products.get(product.id)
        assert emptied is not None and emptied.benefits == []
