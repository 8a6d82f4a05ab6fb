"""The product repository contract, on every adapter: prices load with their product (archived
ones flagged), sorting (price amounts included), pagination, filters and tenancy."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.products.ports import ProductFilters
from application.products.sorting import ProductSortProperty as P
from application.uow import UnitOfWork
from domain.benefit import Benefit
from domain.file import File, FileService, UploadState
from domain.meter import (
    Aggregation,
    AggregationFunction,
    Filter,
    FilterClause,
    FilterConjunction,
    FilterOperator,
    Meter,
    MeterUnit,
)
from domain.organization import Organization
from domain.price import (
    CustomPrice,
    FixedPrice,
    MeteredUnitPrice,
    Price,
    SeatBasedPrice,
    SeatTier,
    TierType,
    UnitBasedPrice,
    UnitTier,
)
from domain.product import Interval, Product, Visibility
from tests.contract.conftest import Adapter, owned_organization, sql_units_of_work
from tests.harness import statements_sent


def _page(page: int = 1, limit: int = 100) -> PaginationParams:
    return PaginationParams(page=page, limit=limit)


async def _product(
    uow: UnitOfWork,
    adapter: Adapter,
    organization: Organization,
    *prices: Price,
    **attributes: Any,
) -> Product:
    values: dict[str, Any] = {"name": "product", **attributes}
    product = Product(created_at=adapter.clock.now(), organization_id=organization.id, **values)
    for price in prices or (FixedPrice(product_id=product.id, amount=1000),):
        price.product_id = product.id
        price.created_at = adapter.clock.now()
        product.prices.append(price)
    product.validate()
    await uow.products.create(product)
    adapter.clock.advance(timedelta(seconds=1))
    return product


def _fixed(amount: int) -> FixedPrice:
    return FixedPrice(product_id=uuid.uuid4(), amount=amount)


async def _names(
    uow: UnitOfWork, subject: AuthSubject, *sorting: Sorting[P], **filters: Any
) -> list[str]:
    page = await uow.products.list_readable(
        subject, filters=ProductFilters(**filters), pagination=_page(), sorting=list(sorting)
    )
    assert page.total_count == len(page.items)
    return [p.name for p in page.items]


async def test_a_product_round_trips_with_every_price_kind(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        seats = SeatBasedPrice(
            product_id=uuid.uuid4(),
            currency="eur",
            tax_behavior="inclusive",
            tiers=[SeatTier(1, 5, 1000), SeatTier(6, None, 800)],
        )
        product = await _product(
            uow,
            adapter,
            organization,
            seats,
            name="Team",
            description="For teams",
            visibility=Visibility.private,
            recurring_interval=Interval.year,
            recurring_interval_count=1,
            trial_interval=Interval.day,
            trial_interval_count=14,
            metadata={"a": "b", "n": 2, "f": 0.5, "t": True},
        )
        custom = await _product(
            uow,
            adapter,
            organization,
            CustomPrice(
                product_id=uuid.uuid4(), minimum_amount=100, maximum_amount=900, preset_amount=500
            ),
            name="Tip jar",
        )
        loaded = await uow.products.get_readable(subject, product.id)
        assert loaded == product
        assert await uow.products.get(custom.id) == custom


async def test_archived_prices_stay_loaded_but_flagged(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        product = await _product(uow, adapter, organization, _fixed(1000))
        first = product.prices[0]
        product.replace_prices([_fixed(2000)], adapter.clock.now())
        await uow.products.update(product)
        loaded = await uow.products.get_readable(subject, product.id)
        assert loaded is not None
        assert [(p.id, p.is_archived) for p in loaded.prices] == [
            (first.id, True),
            (product.prices[1].id, False),
        ]
        assert [p.sort_amount() for p in loaded.live_prices] == [2000]
        (listed,) = (
            await uow.products.list_readable(
                subject, filters=ProductFilters(), pagination=_page(), sorting=[]
            )
        ).items
        assert listed == loaded


async def test_sorting(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        await _product(uow, adapter, organization, _fixed(3000), name="b")
        await _product(
            uow,
            adapter,
            organization,
            CustomPrice(product_id=uuid.uuid4(), minimum_amount=500),
            name="c",
        )
        cheap = await _product(uow, adapter, organization, _fixed(9000), name="a")
        # Its live price is the cheapest; the archived one (more expensive) no longer counts.
        cheap.replace_prices([_fixed(100)], adapter.clock.now())
        await uow.products.update(cheap)
        assert await _names(uow, subject, Sorting(P.created_at)) == ["b", "c", "a"]
        assert await _names(uow, subject, Sorting(P.created_at, True)) == ["a", "c", "b"]
        assert await _names(uow, subject, Sorting(P.name)) == ["a", "b", "c"]
        assert await _names(uow, subject, Sorting(P.price_amount)) == ["a", "c", "b"]
        assert await _names(uow, subject, Sorting(P.price_amount, True)) == ["b", "c", "a"]
        by_type = await _names(uow, subject, Sorting(P.price_amount_type), Sorting(P.name))
        assert by_type == ["c", "a", "b"]  # custom before fixed
        by_type = await _names(uow, subject, Sorting(P.price_amount_type, True), Sorting(P.name))
        assert by_type == ["a", "b", "c"]


async def test_pagination(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        for i in range(5):
            await _product(uow, adapter, organization, _fixed(100 * (i + 1)), name=f"p{i}")
        sorting = [Sorting(P.name)]
        pages = [
            await uow.products.list_readable(
                subject, filters=ProductFilters(), pagination=_page(n, 2), sorting=sorting
            )
            for n in (1, 2, 3, 4)
        ]
        assert [[p.name for p in page.items] for page in pages] == [
            ["p0", "p1"],
            ["p2", "p3"],
            ["p4"],
            [],
        ]
        assert {page.total_count for page in pages} == {5}
        assert pages[0].max_page == 3
        # Every product of a page carries its prices.
        assert [p.prices[0].sort_amount() for p in pages[1].items] == [300, 400]


async def test_filters(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        monthly = await _product(
            uow,
            adapter,
            organization,
            name="Pro_Monthly 100%",
            recurring_interval=Interval.month,
            metadata={"tier": "pro", "seats": 3, "beta": True},
        )
        draft = await _product(
            uow, adapter, organization, name="Draft", visibility=Visibility.draft
        )
        archived = await _product(uow, adapter, organization, name="Old", is_archived=True)
        assert await _names(uow, subject, Sorting(P.name), ids=[draft.id, archived.id]) == [
            "Draft",
            "Old",
        ]
        assert await _names(uow, subject, query="pro_m") == ["Pro_Monthly 100%"]
        assert await _names(uow, subject, query="100%") == ["Pro_Monthly 100%"]
        assert await _names(uow, subject, query="%") == ["Pro_Monthly 100%"]
        assert await _names(uow, subject, query="o_d") == []
        assert await _names(uow, subject, is_archived=True) == ["Old"]
        assert await _names(uow, subject, Sorting(P.name), is_archived=False) == [
            "Draft",
            "Pro_Monthly 100%",
        ]
        assert await _names(uow, subject, is_recurring=True) == ["Pro_Monthly 100%"]
        assert await _names(uow, subject, Sorting(P.name), is_recurring=False) == [
            "Draft",
            "Old",
        ]
        assert await _names(uow, subject, visibilities=[Visibility.draft]) == ["Draft"]
        assert await _names(uow, subject, metadata={"tier": ["pro"]}) == ["Pro_Monthly 100%"]
        assert await _names(uow, subject, metadata={"tier": ["basic", "pro"]}) == [
            "Pro_Monthly 100%"
        ]
        assert await _names(uow, subject, metadata={"seats": ["3"], "beta": ["true"]}) == [
            "Pro_Monthly 100%"
        ]
        assert await _names(uow, subject, metadata={"tier": ["basic"]}) == []
        assert await _names(uow, subject, metadata={"missing": ["pro"]}) == []
        assert monthly.is_recurring


async def test_tenants_see_only_their_own(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        mine, me = await owned_organization(uow, adapter.clock)
        theirs, them = await owned_organization(uow, adapter.clock)
        own = await _product(uow, adapter, mine, name="mine")
        other = await _product(uow, adapter, theirs, name="theirs")
        assert await _names(uow, me) == ["mine"]
        assert await _names(uow, them) == ["theirs"]
        assert await _names(uow, me, organization_ids=[theirs.id]) == []
        assert await uow.products.get_readable(me, other.id) is None
        assert await uow.products.get_readable(me, own.id) is not None
        as_org = AuthSubject.organization(mine.id, MERCHANT_SCOPES)
        assert await _names(uow, as_org) == ["mine"]
        assert await uow.products.get_readable(as_org, other.id) is None


async def _cover(uow: UnitOfWork, organization: Organization) -> File:
    """An uploaded product image of `organization`."""
    image = File(
        organization_id=organization.id,
        name="cover.png",
        mime_type="image/png",
        size=10,
        service=FileService.product_media,
        path=f"public/{organization.id}/cover.png",
        upload_state=UploadState.uploaded,
    )
    await uow.files.create(image)
    return image


@pytest.mark.parametrize("count", [1, 10])
async def test_a_page_loads_in_five_statements(connection: AsyncConnection, count: int) -> None:
    """Products, then all their prices, all their benefits, all their media: never one query
    per product."""
    from adapters.memory.fakes import FrozenClock, RecordingJobQueue
    from tests.harness import SharedConnectionSource

    clock = FrozenClock()
    adapter = Adapter(
        "sqlalchemy",
        sql_units_of_work(SharedConnectionSource(connection), clock, RecordingJobQueue()),
        clock,
        RecordingJobQueue(),
    )
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        benefits = [
            Benefit(organization_id=organization.id, type="custom", description=f"Perk {i}")
            for i in range(2)
        ]
        for benefit in benefits:
            await uow.benefits.create(benefit)
        image = await _cover(uow, organization)
        for i in range(count):
            product = await _product(uow, adapter, organization, _fixed(100 + i), name=f"p{i}")
            # Two prices each (one archived), so that the second statement loads many rows.
            product.replace_prices([_fixed(200 + i)], clock.now())
            await uow.products.update(product)
            await uow.products.set_benefits(product, [b.id for b in benefits])
            await uow.products.set_medias(product, [image.id])
        with statements_sent(connection) as statements:
            page = await uow.products.list_readable(
                subject,
                filters=ProductFilters(),
                pagination=_page(),
                sorting=[Sorting(P.price_amount)],
            )
        assert len(page.items) == count
        assert all(len(p.prices) == 2 for p in page.items)
        assert all(p.benefit_ids == [b.id for b in benefits] for p in page.items)
        assert all(p.medias == [image] for p in page.items)
        # The page, then the prices, benefits, media and custom fields of all its products.
        assert len(statements) == 5, statements


async def test_direct_reads_load_what_sqlalchemy_loads(connection: AsyncConnection) -> None:
    """Read-only units of work run cached statements on the driver's connection (DirectRead):
    the same products, prices, benefits, media and organizations as SQLAlchemy's execution,
    with every statement still seen by engine listeners."""
    from adapters.memory.fakes import FrozenClock, RecordingJobQueue
    from adapters.sqlalchemy.repositories.organizations import SqlAlchemyOrganizationRepository
    from adapters.sqlalchemy.repositories.products import SqlAlchemyProductRepository
    from application.organizations.sorting import OrganizationSortProperty
    from tests.harness import SharedConnectionSource

    clock = FrozenClock()
    queue = RecordingJobQueue()
    adapter = Adapter(
        "sqlalchemy",
        sql_units_of_work(SharedConnectionSource(connection), clock, queue),
        clock,
        queue,
    )
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        benefit = Benefit(
            organization_id=organization.id,
            type="license_keys",
            description="Key",
            properties={"prefix": "K", "limit_usage": 3},
            metadata={"tier": "pro"},
        )
        await uow.benefits.create(benefit)
        image = await _cover(uow, organization)
        units = UnitBasedPrice(
            product_id=uuid.uuid4(),
            tier_type=TierType.graduated,
            tiers=[UnitTier(10, Decimal("12.5")), UnitTier(None, Decimal("9.75"))],
        )
        for i, price in enumerate([_fixed(100), units]):
            product = await _product(
                uow, adapter, organization, price, name=f"p{i}", metadata={"n": i}
            )
            await uow.products.set_benefits(product, [benefit.id])
            await uow.products.set_medias(product, [image.id])
        # A metered price comes with its meter, joined in the prices' statement.
        meter = Meter(
            organization_id=organization.id,
            name="Tokens",
            unit=MeterUnit.custom,
            custom_label="token",
            custom_multiplier=1000,
            filter=Filter(
                FilterConjunction.or_,
                (FilterClause("metadata.tokens", FilterOperator.gt, 0),),
            ),
            aggregation=Aggregation(AggregationFunction.sum, "metadata.tokens"),
        )
        await uow.meters.create(meter)
        metered = MeteredUnitPrice(
            product_id=uuid.uuid4(),
            meter_id=meter.id,
            unit_amount=Decimal("0.25"),
            meter=meter.summary,
        )
        await _product(
            uow, adapter, organization, metered, name="p2", recurring_interval=Interval.month
        )
        await uow.commit()

    seen: list[Any] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(cursor)

    event.listen(connection.sync_engine, "before_cursor_execute", record)
    try:
        loaded = []
        for direct in (True, False):
            products = SqlAlchemyProductRepository(connection, clock, direct_reads=direct)
            organizations = SqlAlchemyOrganizationRepository(connection, clock, direct_reads=direct)
            page = await products.list_readable(
                subject,
                filters=ProductFilters(),
                pagination=_page(),
                sorting=[Sorting(P.created_at, descending=True)],
            )
            listed = await organizations.list_readable(
                subject,
                pagination=_page(),
                sorting=[Sorting(OrganizationSortProperty.created_at)],
            )
            one = await products.get_readable(subject, page.items[0].id)
            loaded.append((page, listed, one))
            if direct:
                # Five statements, none through a SQLAlchemy cursor.
                assert seen == [None] * len(seen) and len(seen) >= 5, seen
    finally:
        event.remove(connection.sync_engine, "before_cursor_execute", record)
    assert loaded[0] == loaded[1]
    page = loaded[0][0]
    assert [p.name for p in page.items] == ["p2", "p1", "p0"]
    assert all(p.benefits == [benefit] and p.medias == [image] for p in page.items[1:])
    assert page.items[0].prices == [metered]
    assert page.items[1].prices[0] == units


async def test_a_failed_direct_read_raises_sqlalchemys_error(connection: AsyncConnection) -> None:
    """What the driver refuses is run again through SQLAlchemy, so that callers (and the API's
    error handlers) see SQLAlchemy's wrapped errors, never the driver's own."""
    from sqlalchemy.exc import SQLAlchemyError

    from adapters.memory.fakes import FrozenClock
    from adapters.sqlalchemy.repositories.products import SqlAlchemyProductRepository

    products = SqlAlchemyProductRepository(connection, FrozenClock(), direct_reads=True)
    subject = AuthSubject.organization(uuid.uuid4(), MERCHANT_SCOPES)
    with pytest.raises(SQLAlchemyError):
        await products.get_readable(subject, "not-a-uuid")  # type: ignore[arg-type]


async def test_summaries_name_live_products_of_any_organization(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, _ = await owned_organization(uow, adapter.clock)
        other, _ = await owned_organization(uow, adapter.clock)
        mine = await _product(uow, adapter, organization, name="Mine")
        theirs = await _product(uow, adapter, other, name="Theirs")
        gone = await _product(uow, adapter, organization, name="Gone")
        gone.soft_delete(adapter.clock.now())
        await uow.products.update(gone)
        summaries = await uow.products.get_summaries([mine.id, theirs.id, gone.id, uuid.uuid4()])
        assert sorted(p.name for p in summaries) == ["Mine", "Theirs"]
        assert all(p.prices == [] and p.benefits == [] for p in summaries)
        assert await uow.products.get_summaries([]) == []


async def test_a_unit_based_price_round_trips_with_exact_rates(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        price = UnitBasedPrice(
            product_id=uuid.uuid4(),
            tier_type=TierType.graduated,
            tiers=[UnitTier(10, Decimal("0.000000000001")), UnitTier(None, Decimal("12.5"))],
            minimum_units=3,
            unit_label={"en": {"=1": "seat", "other": "seats"}},
        )
        product = await _product(uow, adapter, organization, price, name="Units")
        loaded = await uow.products.get_readable(subject, product.id)
        assert loaded == product
        assert loaded is not None and loaded.prices[0].sort_amount() == 0


async def test_media_keep_their_order_and_deleted_files_are_hidden(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        images = [
            File(
                organization_id=organization.id,
                name=f"{i}.png",
                mime_type="image/png",
                size=10,
                service=FileService.product_media,
                path=f"public/{organization.id}/{i}.png",
                upload_state=UploadState.uploaded,
            )
            for i in range(3)
        ]
        for image in images:
            await uow.files.create(image)
        product = await _product(uow, adapter, organization)
        await uow.products.set_medias(product, [images[2].id, images[0].id, images[1].id])
        loaded = await uow.products.get_readable(subject, product.id)
        assert loaded is not None
        assert loaded.media_ids == [images[2].id, images[0].id, images[1].id]
        images[0].soft_delete(adapter.clock.now())
        await uow.files.update(images[0])
        loaded = await uow.products.get(product.id)
        assert loaded is not None and loaded.media_ids == [images[2].id, images[1].id]
        await uow.products.set_medias(product, [])
        loaded = await uow.products.get(product.id)
        assert loaded is not None and loaded.medias == []
