"""The checkout link repository contract, on every adapter: round trip with products in order,
lookup by client secret, tenancy, soft deletion, the product filter, sorting, and a price's
product."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from application.auth import AuthSubject
from application.checkout_links.ports import CheckoutLinkFilters
from application.checkout_links.sorting import CheckoutLinkSortProperty as P
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.products.commands import ProductCreate
from application.products.service import ProductService
from application.uow import UnitOfWork
from domain.checkout_link import CheckoutLink
from domain.organization import Organization
from domain.product import Interval, Product
from tests.contract.conftest import Adapter, owned_organization

ALL = PaginationParams(page=1, limit=100)


async def _product(
    uow: UnitOfWork, adapter: Adapter, organization: Organization, subject: AuthSubject
) -> Product:
    return await ProductService(adapter.clock).create(
        uow,
        subject,
        ProductCreate.model_validate(
            {
                "name": "P",
                "organization_id": str(organization.id),
                "prices": [{"amount_type": "fixed", "price_amount": 100}],
            }
        ),
    )


async def _link(
    uow: UnitOfWork, adapter: Adapter, organization: Organization, **attributes: Any
) -> CheckoutLink:
    link = CheckoutLink(
        created_at=adapter.clock.now(), organization_id=organization.id, **attributes
    )
    await uow.checkout_links.create(link)
    adapter.clock.advance(timedelta(seconds=1))
    return link


async def _labels(
    uow: UnitOfWork, subject: AuthSubject, *sorting: Sorting[P], **filters: Any
) -> list[str | None]:
    page = await uow.checkout_links.list_readable(
        subject, filters=CheckoutLinkFilters(**filters), pagination=ALL, sorting=list(sorting)
    )
    assert page.total_count == len(page.items)
    return [link.label for link in page.items]


async def test_a_link_round_trips_with_its_products_in_order(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        first = await _product(uow, adapter, organization, subject)
        second = await _product(uow, adapter, organization, subject)
        link = await _link(
            uow,
            adapter,
            organization,
            product_ids=[second.id, first.id],
            label="L",
            seats=2,
            trial_interval=Interval.month,
            trial_interval_count=1,
            metadata={"s": "x", "i": 1, "f": 1.5, "b": True},
        )
        await uow.commit()
    async with adapter.uows.read() as uow:
        assert await uow.checkout_links.get_readable(subject, link.id) == link
        assert await uow.checkout_links.get_by_client_secret(link.client_secret) == link
        assert await uow.checkout_links.get_by_client_secret("polar_cl_nope") is None
        assert await uow.checkout_links.product_of_price(first.prices[0].id) == first.id
        assert await uow.checkout_links.product_of_price(uuid.uuid4()) is None
        whole = await uow.products.get_many_whole([first.id, second.id, uuid.uuid4()])
        assert sorted(whole, key=lambda p: p.id.int) == sorted(
            [await uow.products.get(first.id), await uow.products.get(second.id)],
            key=lambda p: p.id.int if p else 0,
        )
        assert await uow.products.get_many_whole([]) == []
    async with adapter.uows.write() as uow:
        found = await uow.checkout_links.get_readable(subject, link.id, lock=True)
        assert found is not None
        found.product_ids = [first.id]
        await uow.checkout_links.update(found)
        await uow.commit()
    async with adapter.uows.read() as uow:
        again = await uow.checkout_links.get_readable(subject, link.id)
        assert again is not None and again.product_ids == [first.id]


async def test_tenancy_soft_deletion_filters_and_sorting(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        mine, me = await owned_organization(uow, adapter.clock)
        theirs, them = await owned_organization(uow, adapter.clock)
        product = await _product(uow, adapter, mine, me)
        other = await _product(uow, adapter, mine, me)
        b = await _link(uow, adapter, mine, product_ids=[product.id], label="b")
        await _link(uow, adapter, mine, product_ids=[other.id], label="a")
        theirs_product = await _product(uow, adapter, theirs, them)
        await _link(uow, adapter, theirs, product_ids=[theirs_product.id], label="z")
        assert await _labels(uow, me, Sorting(P.created_at)) == ["b", "a"]
        assert await _labels(uow, me, Sorting(P.label)) == ["a", "b"]
        assert await _labels(uow, me, Sorting(P.label, descending=True)) == ["b", "a"]
        assert await _labels(uow, me, Sorting(P.created_at), product_ids=[other.id]) == ["a"]
        assert await _labels(uow, me, Sorting(P.created_at), organization_ids=[theirs.id]) == []
        assert await uow.checkout_links.get_readable(them, b.id) is None
        b.soft_delete(adapter.clock.now())
        await uow.checkout_links.update(b)
        assert await _labels(uow, me, Sorting(P.created_at)) == ["a"]
        assert await uow.checkout_links.get_readable(me, b.id) is None
        assert await uow.checkout_links.get_by_client_secret(b.client_secret) is None
        deleted = await uow.checkout_links.get_including_deleted(b.id)
        assert deleted is not None and deleted.product_ids == [product.id]
        await uow.commit()
