"""The meter repository contract, on every adapter: round trip (filter trees, aggregations and
units intact), filters, sorting, tenancy, batch reads, and metered prices loaded with their
meter as it is now."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.sqlalchemy.engine import EngineConnectionSource
from adapters.sqlalchemy.tables import organizations, outbox, users
from application.auth import MERCHANT_SCOPES, AuthSubject
from application.kit.errors import ValidationFailed
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.meters.commands import MeterUpdate
from application.meters.ports import MeterFilters
from application.meters.service import MeterService
from application.meters.sorting import MeterSortProperty as M
from application.products.commands import MeteredUnitPriceCreate, ProductCreate
from application.products.ports import ProductFilters
from application.products.service import ProductService
from application.uow import UnitOfWork
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
from domain.price import FixedPrice, MeteredTiersPrice, MeteredUnitPrice, TierType, UnitTier
from domain.product import Interval, Product
from tests.contract.conftest import Adapter, owned_organization, sql_units_of_work

PAGE = PaginationParams(page=1, limit=100)
NESTED = Filter(
    FilterConjunction.and_,
    (
        FilterClause("name", FilterOperator.eq, "api_call"),
        Filter(
            FilterConjunction.or_,
            (
                FilterClause("metadata.tokens", FilterOperator.gte, 10),
                FilterClause("metadata.billable", FilterOperator.ne, False),
                FilterClause("metadata.model", FilterOperator.not_like, "%mini%"),
            ),
        ),
    ),
)


async def _meter(
    uow: UnitOfWork, adapter: Adapter, organization: Organization, **values: Any
) -> Meter:
    meter = Meter(
        created_at=adapter.clock.now(),
        organization_id=organization.id,
        **{
            "name": "Calls",
            "filter": Filter(FilterConjunction.and_),
            "aggregation": Aggregation(AggregationFunction.cnt),
            **values,
        },
    )
    await uow.meters.create(meter)
    adapter.clock.advance(timedelta(seconds=1))
    return meter


async def _names(
    uow: UnitOfWork, subject: AuthSubject, *sorting: Sorting[M], **filters: Any
) -> list[str]:
    page = await uow.meters.list_readable(
        subject,
        filters=MeterFilters(**filters),
        pagination=PAGE,
        sorting=list(sorting) or [Sorting(M.name)],
    )
    assert page.total_count == len(page.items)
    return [m.name for m in page.items]


async def test_round_trip(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        meter = await _meter(
            uow,
            adapter,
            organization,
            name="Images",
            unit=MeterUnit.custom,
            custom_label="image",
            custom_multiplier=100,
            filter=NESTED,
            aggregation=Aggregation(AggregationFunction.unique, "metadata.image_id"),
            metadata={"a": "b", "n": 1, "t": True},
        )
        assert await uow.meters.get_readable(subject, meter.id) == meter
        assert await uow.meters.get_many([meter.id, uuid.uuid4()]) == [meter]
        assert await uow.meters.get_many([]) == []
        # Integers and booleans stay what they were (True is not 1).
        loaded = await uow.meters.get_readable(subject, meter.id)
        assert loaded is not None
        inner = loaded.filter.clauses[1]
        assert isinstance(inner, Filter)
        assert [type(c.value) for c in inner.clauses if isinstance(c, FilterClause)] == [
            int,
            bool,
            str,
        ]

        meter.name, meter.filter = "Renamed", Filter(FilterConjunction.or_)
        meter.archive(adapter.clock.now())
        await uow.meters.update(meter)
        assert await uow.meters.get_readable(subject, meter.id) == meter


async def test_tenancy(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        mine, me = await owned_organization(uow, adapter.clock)
        theirs, them = await owned_organization(uow, adapter.clock)
        meter = await _meter(uow, adapter, theirs)
        assert await uow.meters.get_readable(me, meter.id) is None
        assert await uow.meters.get_readable(them, meter.id) == meter
        assert await _names(uow, me) == []
        # A user who is not a member sees nothing either.
        stranger = AuthSubject.user(uuid.uuid4(), MERCHANT_SCOPES)
        assert await _names(uow, stranger) == []
        assert await uow.meters.get_readable(stranger, meter.id) is None
        assert mine.id != theirs.id


async def test_filters_and_sorting(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        other, _ = await owned_organization(uow, adapter.clock)
        await _meter(uow, adapter, organization, name="Beta", metadata={"tier": "gold"})
        await _meter(uow, adapter, organization, name="Alpha_1", metadata={"tier": 1})
        gamma = await _meter(uow, adapter, organization, name="Gamma")
        gamma.archive(adapter.clock.now())
        await uow.meters.update(gamma)

        assert await _names(uow, subject) == ["Alpha_1", "Beta", "Gamma"]
        assert await _names(uow, subject, Sorting(M.name, descending=True)) == [
            "Gamma",
            "Beta",
            "Alpha_1",
        ]
        assert await _names(uow, subject, Sorting(M.created_at)) == ["Beta", "Alpha_1", "Gamma"]
        assert await _names(uow, subject, query="alpha") == ["Alpha_1"]
        assert await _names(uow, subject, query="%") == []
        assert await _names(uow, subject, query="a_") == ["Alpha_1"]
        assert await _names(uow, subject, is_archived=True) == ["Gamma"]
        assert await _names(uow, subject, is_archived=False) == ["Alpha_1", "Beta"]
        assert await _names(uow, subject, metadata={"tier": ["gold"]}) == ["Beta"]
        assert await _names(uow, subject, metadata={"tier": ["1", "gold"]}) == ["Alpha_1", "Beta"]
        assert await _names(uow, subject, organization_ids=[other.id]) == []
        assert await _names(uow, subject, organization_ids=[organization.id]) == [
            "Alpha_1",
            "Beta",
            "Gamma",
        ]


async def test_metered_prices_carry_their_meter_as_it_is_now(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        meter = await _meter(uow, adapter, organization, name="Tokens", unit=MeterUnit.token)
        unused = await _meter(uow, adapter, organization, name="Unused")
        tiered_meter = await _meter(uow, adapter, organization, name="Seats used")
        product = Product(
            created_at=adapter.clock.now(),
            organization_id=organization.id,
            name="Usage",
            recurring_interval=Interval.month,
        )
        product.prices = [
            FixedPrice(product_id=product.id, amount=0, created_at=product.created_at),
            MeteredUnitPrice(
                product_id=product.id,
                created_at=product.created_at + timedelta(microseconds=1),
                meter_id=meter.id,
                unit_amount=Decimal("0.000001"),
                cap_amount=500,
                meter=meter.summary,
            ),
            MeteredTiersPrice(
                product_id=product.id,
                created_at=product.created_at + timedelta(microseconds=2),
                meter_id=tiered_meter.id,
                tier_type=TierType.volume,
                tiers=[UnitTier(10, Decimal("0")), UnitTier(None, Decimal("12.5"))],
                meter=tiered_meter.summary,
            ),
        ]
        await uow.products.create(product)
        assert await uow.products.get_readable(subject, product.id) == product
        assert await uow.products.prices_meter(meter.id) is True
        assert await uow.products.prices_meter(tiered_meter.id) is True
        assert await uow.products.prices_meter(unused.id) is False

        meter.name = "LLM tokens"
        await uow.meters.update(meter)
        loaded = await uow.products.get(product.id)
        assert loaded is not None
        metered = loaded.prices[1]
        assert isinstance(metered, MeteredUnitPrice)
        assert metered.meter == meter.summary
        assert metered.unit_amount == Decimal("0.000001")

        # An archived price no longer holds the meter.
        metered.archive(adapter.clock.now())
        await uow.products.update(loaded)
        assert await uow.products.prices_meter(meter.id) is False


async def test_archiving_waits_for_a_price_being_added_and_then_sees_it(
    engine: AsyncEngine,
) -> None:
    """Real concurrent transactions on PostgreSQL (committed, then cleaned up): a product
    created with a price on the meter while the meter is archived, in both orders. Without the
    locks both checks pass and an archived meter ends up billed by a live price."""
    clock = FrozenClock()
    uows = sql_units_of_work(EngineConnectionSource(engine), clock, RecordingJobQueue())
    products, meters = ProductService(clock), MeterService(clock)
    async with uows.write() as uow:
        organization, subject = await owned_organization(uow, clock)
        meter = Meter(
            organization_id=organization.id,
            name="Calls",
            filter=Filter(FilterConjunction.and_),
            aggregation=Aggregation(AggregationFunction.cnt),
        )
        await uow.meters.create(meter)
        await uow.commit()
    priced: Product | None = None
    try:
        command = ProductCreate(
            name="Usage",
            organization_id=organization.id,
            recurring_interval=Interval.month,
            prices=[
                MeteredUnitPriceCreate(
                    amount_type="metered_unit", meter_id=meter.id, unit_amount=Decimal(1)
                )
            ],
        )

        async def archive() -> None:
            async with uows.write() as uow:
                await meters.update(uow, subject, meter.id, MeterUpdate(is_archived=True))
                await uow.commit()

        async def create() -> None:
            async with uows.write() as uow:
                await products.create(uow, subject, command)
                await uow.commit()

        # The price first: the archiving waits for it, then sees it and refuses.
        async with uows.write() as uow:
            priced = await products.create(uow, subject, command)
            archiving = asyncio.create_task(archive())
            await asyncio.sleep(0.3)
            assert not archiving.done()  # waits for the product's transaction
            await uow.commit()
        with pytest.raises(ValidationFailed) as refused:
            await archiving
        assert refused.value.errors[0].loc == ("body", "is_archived")
        async with uows.write() as uow:
            reloaded = await uow.meters.get_readable(subject, meter.id)
            assert reloaded is not None and not reloaded.is_archived
            # Free the meter again: the product goes.
            (product,) = (
                await uow.products.list_readable(
                    subject, filters=ProductFilters(), pagination=PAGE, sorting=[]
                )
            ).items
            product.soft_delete(clock.now())
            await uow.products.update(product)
            await uow.commit()

        # The archiving first: the new price waits for it, then sees the meter archived.
        async with uows.write() as uow:
            await meters.update(uow, subject, meter.id, MeterUpdate(is_archived=True))
            creating = asyncio.create_task(create())
            await asyncio.sleep(0.3)
            assert not creating.done()  # waits for the archiving transaction
            await uow.commit()
        with pytest.raises(ValidationFailed) as refused:
            await creating
        assert refused.value.errors[0].loc == ("body", "prices", 0, "meter_id")
    finally:
        assert subject.id is not None
        async with engine.begin() as connection:
            if priced is not None:
                # The product's job, committed to the outbox (no relay runs here).
                await connection.execute(
                    delete(outbox).where(outbox.c.arguments["product_id"].astext == str(priced.id))
                )
            await connection.execute(
                delete(organizations).where(organizations.c.id == organization.id)
            )
            await connection.execute(delete(users).where(users.c.id == subject.id))
