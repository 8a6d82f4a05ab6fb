"""Checkout links, each with its products (in order) loaded in one statement per page."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, String, Uuid, any_, bindparam, delete, exists, insert, select
from sqlalchemy.dialects.postgresql import ARRAY

from adapters.sqlalchemy.kit.counts import counted_total, with_total
from adapters.sqlalchemy.kit.filters import locked, subject_params, where_readable
from adapters.sqlalchemy.kit.repository import RepositoryBase, SoftDeletionMixin, SortingMixin
from adapters.sqlalchemy.tables import checkout_link_products, checkout_links, product_prices
from application.auth import AuthSubject, SubjectKind
from application.checkout_links.ports import CheckoutLinkFilters
from application.checkout_links.sorting import CheckoutLinkSortProperty
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from domain.checkout_link import CheckoutLink
from domain.product import Interval

_FIELDS = {c.name for c in checkout_links.columns}
_LINK_IDS = bindparam("link_ids", type_=ARRAY(Uuid))


def _products_statement() -> Select[Any]:
    link = checkout_link_products
    return (
        select(link.c.checkout_link_id, link.c.product_id)
        .where(link.c.checkout_link_id == any_(_LINK_IDS))
        .order_by(link.c.checkout_link_id, link.c.position)
    )


def _delete_products_statement() -> Any:
    link = checkout_link_products
    return delete(link).where(link.c.checkout_link_id == bindparam("link_id", type_=Uuid))


class SqlAlchemyCheckoutLinkRepository(
    SortingMixin[CheckoutLink, CheckoutLinkSortProperty],
    SoftDeletionMixin[CheckoutLink],
    RepositoryBase[CheckoutLink],
):
    table = checkout_links
    entity = CheckoutLink
    sorting_columns = {
        CheckoutLinkSortProperty.created_at: checkout_links.c.created_at,
        CheckoutLinkSortProperty.label: checkout_links.c.label,
        CheckoutLinkSortProperty.success_url: checkout_links.c.success_url,
        CheckoutLinkSortProperty.allow_discount_codes: checkout_links.c.allow_discount_codes,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> CheckoutLink:
        values = {k: row[k] for k in row.keys() if k in _FIELDS}  # noqa: SIM118 - a row mapping
        values["metadata"] = dict(row["metadata"])
        interval = row["trial_interval"]
        values["trial_interval"] = None if interval is None else Interval(interval)
        return CheckoutLink(**values)

    def to_row(self, entity: CheckoutLink) -> dict[str, Any]:
        row = super().to_row(entity)
        row["trial_interval"] = (
            None if entity.trial_interval is None else entity.trial_interval.value
        )
        row["metadata"] = dict(entity.metadata)
        return row

    # --- products -------------------------------------------------------------------------------

    async def _with_products(self, links: Sequence[CheckoutLink]) -> Sequence[CheckoutLink]:
        if not links:
            return links
        by_link: dict[uuid.UUID, list[uuid.UUID]] = {link.id: [] for link in links}
        rows = await self.rows(self.cached(_products_statement), {"link_ids": list(by_link)})
        for row in rows:
            by_link[row["checkout_link_id"]].append(row["product_id"])
        for link in links:
            link.product_ids = by_link[link.id]
        return links

    async def _one(self, link: CheckoutLink | None) -> CheckoutLink | None:
        return None if link is None else (await self._with_products([link]))[0]

    async def _set_products(self, link: CheckoutLink) -> None:
        await self.write(self.cached(_delete_products_statement), {"link_id": link.id})
        await self.write(
            self.cached(lambda: insert(checkout_link_products)),
            [
                {"checkout_link_id": link.id, "product_id": product_id, "position": position}
                for position, product_id in enumerate(link.product_ids)
            ],
        )

    # --- reads ----------------------------------------------------------------------------------

    def _readable(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), checkout_links.c.organization_id, kind)

    async def get_readable(
        self, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> CheckoutLink | None:
        statement = self.cached(
            lambda kind, lock: locked(
                self._readable(kind).where(checkout_links.c.id == bindparam("id", type_=Uuid)),
                checkout_links,
                lock,
            ),
            subject.kind,
            lock,
        )
        return await self._one(
            await self.get_one_or_none(statement, {**subject_params(subject), "id": id})
        )

    async def get_by_client_secret(self, client_secret: str) -> CheckoutLink | None:
        statement = self.cached(
            lambda: self.get_base_statement().where(
                checkout_links.c.client_secret == bindparam("client_secret", type_=String)
            )
        )
        return await self._one(
            await self.get_one_or_none(statement, {"client_secret": client_secret})
        )

    async def get_including_deleted(self, id: uuid.UUID) -> CheckoutLink | None:
        return await self._one(await super().get_including_deleted(id))

    async def product_of_price(self, price_id: uuid.UUID) -> uuid.UUID | None:
        statement = self.cached(
            lambda: select(product_prices.c.product_id).where(
                product_prices.c.id == bindparam("price_id", type_=Uuid)
            )
        )
        rows = await self.rows(statement, {"price_id": price_id})
        return rows[0]["product_id"] if rows else None

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: CheckoutLinkFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CheckoutLinkSortProperty]],
    ) -> Page[CheckoutLink]:
        def build(
            kind: SubjectKind,
            by_organization: bool,
            by_product: bool,
            sorting: tuple[Sorting[CheckoutLinkSortProperty], ...],
        ) -> Select[Any]:
            statement = self._readable(kind)
            if by_organization:
                statement = statement.where(
                    checkout_links.c.organization_id.in_(
                        bindparam("organization_ids", expanding=True)
                    )
                )
            if by_product:
                link = checkout_link_products
                statement = statement.where(
                    exists().where(
                        link.c.checkout_link_id == checkout_links.c.id,
                        link.c.product_id.in_(bindparam("product_ids", expanding=True)),
                    )
                )
            statement = self.apply_sorting(statement, sorting)
            if by_product:
                return statement  # Counted by a window over what the filters match.
            total = counted_total(checkout_links, kind, by_organization=by_organization)
            return with_total(statement, total)

        statement = self.cached(
            build,
            subject.kind,
            bool(filters.organization_ids),
            bool(filters.product_ids),
            tuple(sorting),
        )
        params: dict[str, Any] = {
            **subject_params(subject),
            "organization_ids": list(filters.organization_ids),
        }
        if filters.product_ids:
            params["product_ids"] = list(filters.product_ids)
        page = await self.paginate(statement, pagination, params)
        await self._with_products(page.items)
        return page

    # --- writes ---------------------------------------------------------------------------------

    async def create(self, entity: CheckoutLink) -> CheckoutLink:
        await super().create(entity)
        await self._set_products(entity)
        return entity

    async def update(
        self, entity: CheckoutLink, changes: dict[str, Any] | None = None
    ) -> CheckoutLink:
        await super().update(entity, changes)
        await self._set_products(entity)
        return entity
