"""Products, their prices, benefits, media and custom fields: a page of products is read in five
statements (the products, then all their prices at once, then all their benefits, then all
their media, then all their custom fields)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Table,
    Uuid,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, array

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import (
    containing,
    like_pattern,
    locked,
    metadata_params,
    subject_params,
    where_metadata,
    where_readable,
)
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.kit.statements import Cached
from adapters.sqlalchemy.mappers import benefit_entity, custom_field_entity, file_entity
from adapters.sqlalchemy.prices import price_entity, price_row
from adapters.sqlalchemy.tables import (
    benefits,
    checkouts,
    custom_fields,
    discounts,
    files,
    meters,
    orders,
    product_benefits,
    product_custom_fields,
    product_medias,
    product_prices,
    products,
    subscriptions,
)
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.products.ports import ProductFilters
from application.products.sorting import ProductSortProperty
from domain.checkout import CheckoutStatus
from domain.custom_field import AttachedCustomField
from domain.price import AmountType, Price
from domain.product import Interval, Product, Visibility

_STATIC = [
    AmountType.fixed.value,
    AmountType.custom.value,
    AmountType.seat_based.value,
    AmountType.unit_based.value,
]


def _live_static_prices() -> Any:
    return select(product_prices).where(
        product_prices.c.product_id == products.c.id,
        product_prices.c.is_archived.is_(False),
        product_prices.c.deleted_at.is_(None),
        product_prices.c.amount_type.in_(_STATIC),
    )


# The smallest live static price amount, and that price's amount type (there is at most one).
_PRICE_AMOUNT = (
    _live_static_prices().with_only_columns(func.min(product_prices.c.sort_amount))
).scalar_subquery()
_PRICE_AMOUNT_TYPE = (
    _live_static_prices().with_only_columns(func.min(product_prices.c.amount_type))
).scalar_subquery()

# The products of a page, as one array parameter: `= ANY($1)` is rendered once, where an
# expanding IN would be rendered again for every page size.
_PRODUCT_IDS = bindparam("product_ids", type_=ARRAY(Uuid))
T = TypeVar("T")

# What a product links to, by link table: the linked table and the link's column pointing at it.
_LINKS: dict[Table, tuple[Table, ColumnElement[Any]]] = {
    product_benefits: (benefits, product_benefits.c.benefit_id),
    product_medias: (files, product_medias.c.file_id),
}


def _linked_statement(link: Table) -> Select[Any]:
    """The live rows linked to the products of `product_ids` through `link`, each with the
    product it is linked to, in the link's order."""
    table, target = _LINKS[link]
    return (
        select(table, link.c.product_id.label("_linked_to"))
        .join(link, target == table.c.id)
        .where(link.c.product_id == any_(_PRODUCT_IDS), table.c.deleted_at.is_(None))
        .order_by(link.c.product_id, link.c.position)
    )


def _attached_statement() -> Select[Any]:
    """The live custom fields attached to the products of `product_ids`, each with its
    product, whether it is required and its position, in order."""
    link = product_custom_fields
    return (
        select(
            custom_fields,
            link.c.product_id.label("_linked_to"),
            link.c.required.label("_required"),
            link.c.position.label("_position"),
        )
        .join(link, link.c.custom_field_id == custom_fields.c.id)
        .where(link.c.product_id == any_(_PRODUCT_IDS), custom_fields.c.deleted_at.is_(None))
        .order_by(link.c.product_id, link.c.position)
    )


# Archive prices (executemany); rows archived before keep their time. One static statement.
_ARCHIVE_PRICE = (
    update(product_prices)
    .where(
        product_prices.c.id == bindparam("price_id", type_=Uuid),
        product_prices.c.is_archived.is_(False),
    )
    .values(is_archived=True, modified_at=bindparam("archived_at"))
)


# Prices with what they show of their meter (metered prices only; null for the others).
_PRICES_WITH_METER = select(
    product_prices,
    meters.c.name.label("meter_name"),
    meters.c.unit.label("meter_unit"),
    meters.c.custom_label.label("meter_custom_label"),
    meters.c.custom_multiplier.label("meter_custom_multiplier"),
).outerjoin(meters, meters.c.id == product_prices.c.meter_id)


def _in_use(product_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """Whether something that must keep pointing at the product does: a live discount
    restricted to it, a subscription to it, an order of it, or a checkout of it whose payment
    is under way (confirmed: its success makes an order of the product)."""
    restricting = exists().where(
        discounts.c.product_ids.contains(array([product_id], type_=Uuid)),
        discounts.c.deleted_at.is_(None),
    )
    subscribed = exists().where(
        subscriptions.c.product_id == product_id, subscriptions.c.deleted_at.is_(None)
    )
    ordered = exists().where(orders.c.product_id == product_id)
    paying = exists().where(
        checkouts.c.product_id == product_id,
        checkouts.c.status == CheckoutStatus.confirmed.value,
    )
    return or_(restricting, subscribed, ordered, paying)


# A full product's row says whether it is in use (its `is_deletable`), in the same statement.
_IN_USE = _in_use(products.c.id).label("in_use")


def _interval(value: str | None) -> Interval | None:
    return None if value is None else Interval(value)


class SqlAlchemyProductRepository(
    SortingMixin[Product, ProductSortProperty],
    SoftDeletionMixin[Product],
    RepositoryBase[Product],
):
    table = products
    entity = Product
    sorting_columns = {
        ProductSortProperty.created_at: products.c.created_at,
        ProductSortProperty.name: products.c.name,
        ProductSortProperty.price_amount: _PRICE_AMOUNT,
        ProductSortProperty.price_amount_type: _PRICE_AMOUNT_TYPE,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Product:
        # Prices and benefits are attached by `_with_related`.
        return Product(
            id=row["id"],
            created_at=row["created_at"],
            modified_at=row["modified_at"],
            deleted_at=row["deleted_at"],
            organization_id=row["organization_id"],
            name=row["name"],
            description=row["description"],
            visibility=Visibility(row["visibility"]),
            is_archived=row["is_archived"],
            recurring_interval=_interval(row["recurring_interval"]),
            recurring_interval_count=row["recurring_interval_count"],
            trial_interval=_interval(row["trial_interval"]),
            trial_interval_count=row["trial_interval_count"],
            metadata=dict(row["metadata"]),
            in_use=row.get("in_use", False),
        )

    def to_row(self, entity: Product) -> dict[str, Any]:
        return {
            "id": entity.id,
            "created_at": entity.created_at,
            "modified_at": entity.modified_at,
            "deleted_at": entity.deleted_at,
            "organization_id": entity.organization_id,
            "name": entity.name,
            "description": entity.description,
            "visibility": entity.visibility.value,
            "is_archived": entity.is_archived,
            "recurring_interval": None
            if entity.recurring_interval is None
            else entity.recurring_interval.value,
            "recurring_interval_count": entity.recurring_interval_count,
            "trial_interval": None
            if entity.trial_interval is None
            else entity.trial_interval.value,
            "trial_interval_count": entity.trial_interval_count,
            "metadata": dict(entity.metadata),
        }

    async def _linked(
        self, link: Table, to_entity: Callable[[Mapping[str, Any]], T], ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[T]]:
        """The live rows linked to each product of `ids` through `link` (see `_LINKS`), in the
        link's order, in one statement."""
        by_product: dict[uuid.UUID, list[T]] = {id: [] for id in ids}
        statement = self.cached(_linked_statement, link)
        for row in await self.rows(statement, {"product_ids": ids}):
            by_product[row["_linked_to"]].append(to_entity(row))
        return by_product

    async def _with_related(self, items: Sequence[Product]) -> list[Product]:
        """Attach the prices, benefits and media of `items`: one statement for each."""
        if not items:
            return []
        ids = [p.id for p in items]
        granted = await self._linked(product_benefits, benefit_entity, ids)
        shown = await self._linked(product_medias, file_entity, ids)
        asked: dict[uuid.UUID, list[AttachedCustomField]] = {id: [] for id in ids}
        for row in await self.rows(self.cached(_attached_statement), {"product_ids": ids}):
            asked[row["_linked_to"]].append(
                AttachedCustomField(custom_field_entity(row), row["_required"], row["_position"])
            )
        statement = self.cached(
            lambda: _PRICES_WITH_METER.where(
                product_prices.c.product_id == any_(_PRODUCT_IDS),
                product_prices.c.deleted_at.is_(None),
            ).order_by(product_prices.c.created_at, product_prices.c.id)
        )
        priced: dict[uuid.UUID, list[Price]] = {id: [] for id in ids}
        for row in await self.rows(statement, {"product_ids": ids}):
            priced[row["product_id"]].append(price_entity(row))
        for product in items:
            product.prices = priced[product.id]
            product.benefits = granted[product.id]
            product.medias = shown[product.id]
            product.attached_custom_fields = asked[product.id]
        return list(items)

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(
            self.get_base_statement().add_columns(_IN_USE), products.c.organization_id, kind
        )

    async def _one(
        self, statement: Cached[Select[Any]], params: Mapping[str, Any]
    ) -> Product | None:
        product = await self.get_one_or_none(statement, params)
        if product is None:
            return None
        await self._with_related([product])
        return product

    async def get(self, id: uuid.UUID) -> Product | None:
        statement = self.cached(
            lambda: (
                self.get_base_statement()
                .add_columns(_IN_USE)
                .where(products.c.id == bindparam("id", type_=Uuid))
            )
        )
        return await self._one(statement, {"id": id})

    async def get_many_whole(self, ids: Sequence[uuid.UUID]) -> list[Product]:
        if not ids:
            return []
        statement = self.cached(
            lambda: (
                self.get_base_statement()
                .add_columns(_IN_USE)
                .where(products.c.id == any_(_PRODUCT_IDS))
            )
        )
        items = await self.get_all(statement, {"product_ids": list(ids)})
        return await self._with_related(items)

    async def in_use(self, id: uuid.UUID) -> bool:
        statement = self.cached(lambda: select(_in_use(bindparam("id", type_=Uuid))))
        result = await self.execute(statement, {"id": id})
        return bool(result.scalar())

    async def get_summaries(self, ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[Product]:
        if not ids:
            return []

        def build(lock: bool) -> Select[Any]:
            statement = self.get_base_statement().where(products.c.id == any_(_PRODUCT_IDS))
            return statement.with_for_update(of=products, read=True) if lock else statement

        statement = self.cached(build, lock)
        return await self.get_all(statement, {"product_ids": list(ids)})

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Product | None:
        statement = self.cached(
            lambda kind, lock: locked(
                self._readable(kind).where(products.c.id == bindparam("id", type_=Uuid)),
                products,
                lock,
            ),
            subject.kind,
            lock,
        )
        return await self._one(statement, {**subject_params(subject), "id": id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: ProductFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[ProductSortProperty]],
    ) -> Page[Product]:
        def build(
            kind: SubjectKind,
            by_ids: bool,
            by_organization: bool,
            by_query: bool,
            by_archived: bool,
            is_recurring: bool | None,
            by_visibility: bool,
            by_benefit: bool,
            metadata_filters: int,
            sorting: tuple[Sorting[ProductSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_ids:
                statement = statement.where(products.c.id.in_(bindparam("ids", expanding=True)))
            if by_organization:
                statement = statement.where(
                    products.c.organization_id.in_(bindparam("organization_ids", expanding=True))
                )
            if by_query:
                statement = statement.where(containing(products.c.name))
            archived = bindparam("is_archived", type_=Boolean) if by_archived else None
            if archived is not None:
                statement = statement.where(products.c.is_archived == archived)
            if is_recurring is not None:
                interval = products.c.recurring_interval
                statement = statement.where(
                    interval.is_not(None) if is_recurring else interval.is_(None)
                )
            if by_benefit:
                granting = (
                    select(product_benefits.c.product_id)
                    .where(
                        product_benefits.c.benefit_id.in_(bindparam("benefit_ids", expanding=True))
                    )
                    .scalar_subquery()
                )
                statement = statement.where(products.c.id.in_(granting))
            if by_visibility:
                statement = statement.where(
                    products.c.visibility.in_(bindparam("visibilities", expanding=True))
                )
            statement = where_metadata(statement, products.c.metadata, metadata_filters)
            statement = self.apply_sorting(statement, sorting)
            other = (by_query, is_recurring is not None, by_visibility, by_benefit)
            if by_ids or metadata_filters or any(other):
                return statement  # Counted by a window over what the filters match.
            total = counted_total(
                products, kind, by_organization=by_organization, archived=archived
            )
            return with_total(statement, total)

        statement = self.cached(
            build,
            subject.kind,
            bool(filters.ids),
            bool(filters.organization_ids),
            filters.query is not None,
            filters.is_archived is not None,
            filters.is_recurring,
            bool(filters.visibilities),
            bool(filters.benefit_ids),
            len(filters.metadata),
            tuple(sorting),
        )

        params: dict[str, Any] = {
            **subject_params(subject),
            "ids": list(filters.ids),
            "organization_ids": list(filters.organization_ids),
            "query": None if filters.query is None else like_pattern(filters.query),
            "is_archived": filters.is_archived,
            "visibilities": [v.value for v in filters.visibilities],
            "benefit_ids": list(filters.benefit_ids),
        }
        params.update(metadata_params(filters.metadata))
        page = await self.paginate(statement, pagination, params)
        await self._with_related(page.items)
        return page

    async def create(self, entity: Product) -> Product:
        await super().create(entity)
        if entity.prices:
            # Cached and run on the driver (a write unit of work's path): built, compiled and
            # wrapped by SQLAlchemy on every call, it cost more than the database's work.
            await self.write(
                self.cached(lambda: insert(product_prices)),
                [price_row(p) for p in entity.prices],
            )
        return entity

    async def set_medias(self, product: Product, file_ids: Sequence[uuid.UUID]) -> None:
        await self.connection.execute(
            delete(product_medias).where(product_medias.c.product_id == product.id)
        )
        if file_ids:
            await self.connection.execute(
                insert(product_medias),
                [
                    {"product_id": product.id, "file_id": file_id, "position": position}
                    for position, file_id in enumerate(file_ids)
                ],
            )

    async def set_custom_fields(
        self, product: Product, attached: Sequence[tuple[uuid.UUID, bool]]
    ) -> None:
        await self.connection.execute(
            delete(product_custom_fields).where(product_custom_fields.c.product_id == product.id)
        )
        if attached:
            await self.connection.execute(
                insert(product_custom_fields),
                [
                    {
                        "product_id": product.id,
                        "custom_field_id": custom_field_id,
                        "position": position,
                        "required": required,
                    }
                    for position, (custom_field_id, required) in enumerate(attached)
                ],
            )

    async def set_benefits(self, product: Product, benefit_ids: Sequence[uuid.UUID]) -> None:
        await self.connection.execute(
            delete(product_benefits).where(product_benefits.c.product_id == product.id)
        )
        if benefit_ids:
            await self.connection.execute(
                insert(product_benefits),
                [
                    {"product_id": product.id, "benefit_id": benefit_id, "position": position}
                    for position, benefit_id in enumerate(benefit_ids)
                ],
            )

    async def prices_meter(self, meter_id: uuid.UUID) -> bool:
        statement = self.cached(
            lambda: (
                select(product_prices.c.id)
                .join(products, products.c.id == product_prices.c.product_id)
                .where(
                    product_prices.c.meter_id == bindparam("meter_id", type_=Uuid),
                    product_prices.c.is_archived.is_(False),
                    product_prices.c.deleted_at.is_(None),
                    products.c.deleted_at.is_(None),
                )
                .limit(1)
            )
        )
        return bool(await self.rows(statement, {"meter_id": meter_id}))

    async def update(self, entity: Product, changes: dict[str, Any] | None = None) -> Product:
        await super().update(entity, changes)
        statement = self.cached(
            lambda: select(product_prices.c.id).where(
                product_prices.c.product_id == bindparam("product_id", type_=Uuid)
            )
        )
        result = await self.execute(statement, {"product_id": entity.id})
        existing = set(result.scalars())
        new = [price_row(p) for p in entity.prices if p.id not in existing]
        if new:
            await self.connection.execute(insert(product_prices), new)
        archived = [
            {"price_id": p.id, "archived_at": p.modified_at}
            for p in entity.prices
            if p.id in existing and p.is_archived
        ]
        if archived:
            # Prices are immutable but for archiving.
            await self.connection.execute(_ARCHIVE_PRICE, archived)
        return entity
