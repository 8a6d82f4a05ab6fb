"""Lists at scale, on PostgreSQL: what a first page reads, and totals kept by the database.

The work is counted, not timed: each list's page statement runs again under
`EXPLAIN (ANALYZE, FORMAT JSON)` and the rows its plan reads from the listed table are summed.
A first page reads about a page of rows whether the organization holds a few or thousands
(here 3,000 rows, cloned with SQL from one row the repository wrote), for every sort order a
list offers (but by price, which is not a column of the product, and subscriptions by their
customer, product or discount) and the filters clients use most, in custom and in generic plans (what a prepared statement settles on after five runs).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.sqlalchemy.kit.counts import fold_row_counts
from adapters.sqlalchemy.tables import (
    benefits,
    custom_fields,
    customers,
    discounts,
    files,
    meters,
    organization_access_tokens,
    payments,
    products,
    subscriptions,
    webhook_deliveries,
    webhook_endpoints,
)
from application.auth import MERCHANT_SCOPES, AuthSubject
from application.benefits.ports import BenefitFilters
from application.benefits.sorting import BenefitSortProperty
from application.custom_fields.ports import CustomFieldFilters
from application.custom_fields.sorting import CustomFieldSortProperty
from application.customers.ports import CustomerFilters
from application.customers.sorting import CustomerSortProperty
from application.discounts.sorting import DiscountSortProperty
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.meters.ports import MeterFilters
from application.meters.sorting import MeterSortProperty
from application.organizations.sorting import OrganizationSortProperty
from application.payments.ports import PaymentFilters
from application.payments.sorting import PaymentSortProperty
from application.products.ports import ProductFilters
from application.products.sorting import ProductSortProperty
from application.subscriptions.ports import SubscriptionFilters
from application.subscriptions.sorting import SubscriptionSortProperty
from application.tokens.sorting import AccessTokenSortProperty
from application.uow import UnitOfWork
from application.webhooks.ports import DeliveryFilters
from domain.access_token import OrganizationAccessToken
from domain.benefit import Benefit
from domain.custom_field import CustomField, CustomFieldType
from domain.customer import Customer
from domain.discount import Discount, DiscountDuration, DiscountType
from domain.file import File, FileService
from domain.meter import Aggregation, AggregationFunction, Filter, FilterConjunction, Meter
from domain.payment import Payment
from domain.product import Interval, Product
from domain.subscription import Subscription
from domain.webhook import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookFormat
from tests.contract.conftest import owned_organization, sql_units_of_work
from tests.harness import SharedConnectionSource, statements_sent

ROWS = 3000
LIMIT = 10
# What a page of ten may read: its rows, and a few a filter or a tie passes over.
BOUND = 3 * LIMIT


async def clone(
    connection: AsyncConnection, table: Table, template: uuid.UUID, count: int, **values: str
) -> None:
    """`count` copies of the row `template` of `table`, written with SQL as an import would:
    new ids, each a second older than the last (`n` counts them), `values` overriding columns
    with SQL expressions."""
    columns = {c.name: f"t.{c.name}" for c in table.columns}
    columns["id"] = "gen_random_uuid()"
    columns["created_at"] = "t.created_at - make_interval(secs => n)"
    columns.update(values)
    names = ", ".join(f'"{name}"' for name in columns)
    await connection.execute(
        text(
            f"INSERT INTO {table.name} ({names}) SELECT {', '.join(columns.values())} "
            f"FROM {table.name} AS t, generate_series(1, :count) AS n WHERE t.id = :template"
        ),
        {"count": count, "template": template},
    )


def rows_read(plan: dict[str, Any], table: str) -> int:
    """The rows the plan's nodes on `table` produced or filtered out, over all their loops."""
    read = 0
    if plan.get("Relation Name") == table:
        produced = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
        read += produced * plan["Actual Loops"]
    for child in plan.get("Plans", []):
        read += rows_read(child, table)
    return read


def node_types(plan: dict[str, Any]) -> set[str]:
    return {plan["Node Type"]}.union(*(node_types(p) for p in plan.get("Plans", [])))


class Scaled:
    """An organization whose every listed table holds ROWS rows, its owner and itself."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.clock = FrozenClock()
        self.uows = sql_units_of_work(
            SharedConnectionSource(connection), self.clock, RecordingJobQueue()
        )

    async def seed(self) -> None:
        async with self.uows.write() as uow:
            organization, self.owner = await owned_organization(uow, self.clock)
            self.organization_id = organization.id
            self.itself = AuthSubject.organization(organization.id, MERCHANT_SCOPES)
            await self._templates(uow)
            await uow.commit()
        await self.connection.execute(text("ANALYZE"))

    async def _templates(self, uow: Any) -> None:
        """One row of each listed table written by its repository, then cloned with SQL (the
        columns a list sorts by varied, a tenth of products and meters archived)."""
        at, org = self.clock.now(), self.organization_id
        endpoint = WebhookEndpoint(
            created_at=at,
            organization_id=org,
            url="https://93.184.216.34/hook",
            format=WebhookFormat.raw,
            secret="whsec_test",
            events=["product.updated"],
        )
        occurred = WebhookEvent(
            created_at=at,
            endpoint_id=endpoint.id,
            organization_id=org,
            type="product.updated",
            payload="{}",
            next_attempt_at=at,
        )
        self.endpoint_id = endpoint.id
        archived_tenth = "CASE WHEN n % 10 = 0 THEN t.created_at END"
        product = Product(created_at=at, organization_id=org, name="Product")
        customer = Customer(
            created_at=at, organization_id=org, email="customer@example.com", name="C"
        )
        templates: list[tuple[str, Any, Table, dict[str, str]]] = [
            (
                "products",
                product,
                products,
                {"name": "t.name || n", "is_archived": "n % 10 = 0"},
            ),
            (
                "benefits",
                Benefit(created_at=at, organization_id=org, type="custom", description="Perk"),
                benefits,
                {"description": "t.description || n"},
            ),
            (
                "discounts",
                Discount(
                    created_at=at,
                    organization_id=org,
                    name="Discount",
                    type=DiscountType.percentage,
                    duration=DiscountDuration.once,
                    basis_points=1000,
                ),
                discounts,
                {
                    "name": "t.name || n",
                    "code": "'CODE' || n",
                    "redemptions_count": "n % 7",
                    "ends_at": "CASE WHEN n % 3 > 0 THEN t.created_at + make_interval(days => n) END",
                },
            ),
            (
                "meters",
                Meter(
                    created_at=at,
                    organization_id=org,
                    name="Meter",
                    filter=Filter(FilterConjunction.and_),
                    aggregation=Aggregation(AggregationFunction.cnt),
                ),
                meters,
                {"name": "t.name || n", "archived_at": archived_tenth},
            ),
            (
                "customers",
                customer,
                customers,
                {"email": "'customer' || n || '@example.com'", "name": "t.name || n"},
            ),
            (
                "custom_fields",
                CustomField(
                    created_at=at,
                    organization_id=org,
                    type=CustomFieldType.text,
                    slug="field",
                    name="Field",
                ),
                custom_fields,
                {
                    "slug": "t.slug || n",
                    "name": "t.name || n",
                    "type": "CASE n % 3 WHEN 0 THEN 'text' WHEN 1 THEN 'number' ELSE 'date' END",
                },
            ),
            (
                "payments",
                Payment(
                    created_at=at,
                    organization_id=org,
                    processor_id="pi_scaled",
                    amount=1000,
                    currency="usd",
                ),
                payments,
                {
                    "processor_id": "t.processor_id || n",
                    "amount": "n % 997",
                    "status": "CASE n % 3 WHEN 0 THEN 'pending' WHEN 1 THEN 'succeeded' "
                    "ELSE 'failed' END",
                },
            ),
            (
                "subscriptions",
                Subscription.start(
                    at=at,
                    recurring_interval=Interval.month,
                    recurring_interval_count=1,
                    organization_id=org,
                    customer_id=customer.id,
                    product_id=product.id,
                    amount=1000,
                    currency="usd",
                ),
                subscriptions,
                {
                    "amount": "n % 997",
                    "started_at": "t.started_at - make_interval(secs => n)",
                    "current_period_end": "t.current_period_end + make_interval(secs => n)",
                    "status": "CASE n % 3 WHEN 0 THEN 'active' WHEN 1 THEN 'trialing' "
                    "ELSE 'canceled' END",
                },
            ),
            (
                "files",
                File(
                    created_at=at,
                    organization_id=org,
                    name="file.zip",
                    mime_type="application/zip",
                    size=1,
                    service=FileService.downloadable,
                    path=f"{org}/file.zip",
                ),
                files,
                {},
            ),
            (
                "organization_access_tokens",
                OrganizationAccessToken(created_at=at, organization_id=org, token_digest="t"),
                organization_access_tokens,
                {"token_digest": "md5(n::text)", "comment": "'token ' || n"},
            ),
            ("webhook_endpoints", endpoint, webhook_endpoints, {}),
            (
                "webhook_deliveries",
                WebhookDelivery(
                    created_at=at,
                    event_id=occurred.id,
                    endpoint_id=endpoint.id,
                    organization_id=org,
                    succeeded=True,
                    http_code=200,
                    response="ok",
                ),
                webhook_deliveries,
                {},
            ),
        ]
        for repository, template, table, values in templates:
            if repository == "webhook_deliveries":
                await uow.webhook_events.add_new([occurred])
            await getattr(uow, repository).create(template)
            await clone(self.connection, table, template.id, ROWS, **values)


@pytest.fixture
async def scaled(connection: AsyncConnection) -> Scaled:
    scaled = Scaled(connection)
    await scaled.seed()
    return scaled


Listing = Callable[[UnitOfWork, Scaled, PaginationParams], Awaitable[Any]]

FIRST = PaginationParams(page=1, limit=LIMIT)


def _sorted(sorting: Any, descending: bool) -> list[Any]:
    return [Sorting(sorting, descending)]


def listing(repository: str, subject: str = "itself", **arguments: Any) -> Listing:
    """`uow.<repository>.list_readable(<subject>, **arguments)` for a page; an argument given
    as a function of the scaled organization is called with it first."""

    async def list_page(uow: UnitOfWork, scaled: Scaled, page: PaginationParams) -> Any:
        values = {k: v(scaled) if callable(v) else v for k, v in arguments.items()}
        listed = getattr(uow, repository)
        return await listed.list_readable(getattr(scaled, subject), pagination=page, **values)

    return list_page


# Each list with sort orders: its repository, table, sort properties and empty filters.
SORTED_LISTS: list[tuple[str, Table, Any, Any]] = [
    ("products", products, ProductSortProperty, ProductFilters()),
    ("benefits", benefits, BenefitSortProperty, BenefitFilters()),
    ("discounts", discounts, DiscountSortProperty, None),
    ("meters", meters, MeterSortProperty, MeterFilters()),
    ("customers", customers, CustomerSortProperty, CustomerFilters()),
    ("payments", payments, PaymentSortProperty, PaymentFilters()),
    ("subscriptions", subscriptions, SubscriptionSortProperty, SubscriptionFilters()),
    ("custom_fields", custom_fields, CustomFieldSortProperty, CustomFieldFilters()),
    ("organization_access_tokens", organization_access_tokens, AccessTokenSortProperty, None),
]
NEWEST = _sorted(ProductSortProperty.created_at, True)
# Subscription sort orders by a related row's column (no index on the subscriptions can serve
# them): each page sorts the organization's subscriptions.
RELATED_SORTS = {"customer", "product", "discount"}


def _cases() -> list[tuple[str, Table, Listing]]:
    """(name, table, listing) for each list's sort orders, and its usual filters."""
    cases = []
    for repository, table, properties, filters in SORTED_LISTS:
        given = {} if filters is None else {"filters": filters}
        for prop in properties:
            if prop.value.startswith("price"):
                continue  # By price: computed from the prices, read for every product.
            if repository == "subscriptions" and prop.value in RELATED_SORTS:
                continue  # By the customer's email, product's or discount's name: sorted.
            for descending in (False, True):
                name = f"{repository}-{'-' if descending else ''}{prop.value}"
                sorting = _sorted(prop, descending)
                cases.append((name, table, listing(repository, sorting=sorting, **given)))
    for archived in (False, True):
        by_name = _sorted(MeterSortProperty.name, False)
        cases += [
            (
                f"products-archived-{archived}",
                products,
                listing("products", filters=ProductFilters(is_archived=archived), sorting=NEWEST),
            ),
            (
                f"meters-archived-{archived}",
                meters,
                listing("meters", filters=MeterFilters(is_archived=archived), sorting=by_name),
            ),
        ]
    by_organization = lambda s: ProductFilters(organization_ids=[s.organization_id])  # noqa: E731
    cases += [
        (
            "products-user-by-organization",
            products,
            listing("products", "owner", filters=by_organization, sorting=NEWEST),
        ),
        (
            "customers-user-by-organization",
            customers,
            listing(
                "customers",
                "owner",
                filters=lambda s: CustomerFilters(organization_ids=[s.organization_id]),
                sorting=NEWEST,
            ),
        ),
        ("files", files, listing("files")),
        ("webhook-endpoints", webhook_endpoints, listing("webhook_endpoints")),
        (
            "webhook-deliveries",
            webhook_deliveries,
            listing("webhook_deliveries", filters=DeliveryFilters()),
        ),
    ]
    return cases


async def _explained(
    scaled: Scaled, listing: Listing, pagination: PaginationParams, generic: bool
) -> dict[str, Any]:
    """The plan of `listing`'s page statement, run again under EXPLAIN ANALYZE."""
    connection = scaled.connection
    async with scaled.uows.read() as uow:
        with statements_sent(connection) as sent:
            await listing(uow, scaled, pagination)
    paged = [s for s in sent if "LIMIT" in s.sql]
    assert len(paged) == 1, sent
    sql, parameters = paged[0].sql, paged[0].parameters
    mode = "force_generic_plan" if generic else "force_custom_plan"
    await connection.execute(text(f"SET LOCAL plan_cache_mode = {mode}"))
    result = await connection.exec_driver_sql(
        f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", tuple(parameters)
    )
    document = result.scalar_one()
    plan: dict[str, Any] = document[0]["Plan"]
    return plan


async def test_first_pages_read_about_a_page_of_rows(scaled: Scaled) -> None:
    """Every case in one test: the organization is seeded once (a few seconds)."""
    failures = []
    for name, table, listing in _cases():
        async with scaled.uows.read() as uow:
            page = await listing(uow, scaled, FIRST)
        assert len(page.items) == LIMIT, name
        for generic in (False, True):
            plan = await _explained(scaled, listing, FIRST, generic)
            read = rows_read(plan, table.name)
            # Neither the whole organization sorted, nor counted by a window.
            whole = {"Sort", "WindowAgg"} & node_types(plan)
            if read > BOUND or whole:
                failures.append(f"{name} ({'generic' if generic else 'custom'}): {plan}")
    assert not failures, "\n".join(failures)


async def _products_page(
    scaled: Scaled,
    subject: str = "itself",
    *,
    page: int = 1,
    limit: int = LIMIT,
    descending: bool = True,
    **filters: Any,
) -> Any:
    """A page of the scaled organization's products, by creation."""
    async with scaled.uows.read() as uow:
        return await listing(
            "products",
            subject,
            filters=ProductFilters(**filters),
            sorting=_sorted(ProductSortProperty.created_at, descending),
        )(uow, scaled, PaginationParams(page=page, limit=limit))


async def _one_product(scaled: Scaled) -> Product:
    """A new organization (its owner and itself on `scaled`) with one product written by the
    repository: the template of the rows a test then writes with SQL."""
    async with scaled.uows.write() as uow:
        organization, scaled.owner = await owned_organization(uow, scaled.clock)
        scaled.organization_id = organization.id
        scaled.itself = AuthSubject.organization(organization.id, MERCHANT_SCOPES)
        product = Product(
            created_at=scaled.clock.now(), organization_id=organization.id, name="Product"
        )
        await uow.products.create(product)
        await uow.commit()
    return product


async def test_pages_past_a_hundred_thousand_rows_are_right(connection: AsyncConnection) -> None:
    """A deep page walks the index up to its offset (its cost grows with it) and answers the
    rows a sort of every row would."""
    scaled = Scaled(connection)
    product = await _one_product(scaled)
    await clone(connection, products, product.id, 100_020, name="t.name || n")
    await connection.execute(text("ANALYZE products"))
    for descending, page, expected in [
        # The template is the newest; its n-th clone is n seconds older.
        (True, 10_001, [f"Product{n}" for n in range(100_000, 100_010)]),
        (True, 10_003, ["Product100020"]),
        # Oldest first, the k-th row is the clone 100,020 - k.
        (False, 10_001, [f"Product{n}" for n in range(20, 10, -1)]),
    ]:
        found = await _products_page(scaled, page=page, descending=descending)
        assert [p.name for p in found.items] == expected
        assert (found.total_count, found.max_page) == (100_021, 10_003)


async def test_organizations_a_user_reads_are_counted_by_a_window(
    connection: AsyncConnection,
) -> None:
    """A user's organizations are their memberships (a handful): counted as they are read."""
    scaled = Scaled(connection)
    async with scaled.uows.write() as uow:
        _, owner = await owned_organization(uow, scaled.clock)
        page = await uow.organizations.list_readable(
            owner,
            pagination=FIRST,
            sorting=_sorted(OrganizationSortProperty.created_at, False),
        )
    assert page.total_count == 1


async def _totals(scaled: Scaled) -> tuple[int, ...]:
    """Live products, archived ones, live ones seen by the owner, and past the last page."""
    pages = [
        await _products_page(scaled),
        await _products_page(scaled, is_archived=True),
        await _products_page(scaled, "owner", organization_ids=[scaled.organization_id]),
        await _products_page(scaled, page=100_000),
    ]
    return tuple(page.total_count for page in pages)


async def test_totals_past_ten_thousand_are_exact_and_count_rows_written_with_sql(
    connection: AsyncConnection,
) -> None:
    scaled = Scaled(connection)
    product = await _one_product(scaled)
    organization_id = scaled.organization_id
    # An import: 12,000 more rows in one statement, a tenth of them archived.
    await clone(connection, products, product.id, 12_000, is_archived="n % 10 = 0")
    assert await _totals(scaled) == (12_001, 1_200, 12_001, 12_001)
    page = await _products_page(scaled, limit=100)
    assert page.max_page == 121  # The client's iter_list reads every row.

    # Soft-deleted, restored, archived, unarchived and deleted with SQL: each counted.
    org = {"org": organization_id}
    await connection.execute(
        text(
            "UPDATE products SET deleted_at = now() WHERE id IN (SELECT id FROM products "
            "WHERE organization_id = :org AND NOT is_archived LIMIT 100)"
        ),
        org,
    )
    assert await _totals(scaled) == (11_901, 1_200, 11_901, 11_901)
    restore = "UPDATE products SET deleted_at = NULL WHERE organization_id = :org"
    await connection.execute(text(restore), org)
    assert await _totals(scaled) == (12_001, 1_200, 12_001, 12_001)
    toggle = "UPDATE products SET is_archived = NOT is_archived WHERE organization_id = :org"
    await connection.execute(text(toggle), org)
    assert await _totals(scaled) == (12_001, 10_801, 12_001, 12_001)
    remove = "DELETE FROM products WHERE organization_id = :org AND is_archived"
    await connection.execute(text(remove), org)
    assert await _totals(scaled) == (1_200, 0, 1_200, 1_200)

    # The fold leaves one row per key and the same totals.
    await fold_row_counts(SharedConnectionSource(connection))
    keys = await connection.execute(
        text("SELECT archived, rows, folded FROM row_counts WHERE organization_id = :org"),
        org,
    )
    assert sorted(keys.all()) == [(False, 1_200, True)]
    assert await _totals(scaled) == (1_200, 0, 1_200, 1_200)

    # TRUNCATE forgets the table's counts with its rows.
    await connection.execute(text("TRUNCATE products CASCADE"))
    assert await _totals(scaled) == (0, 0, 0, 0)


async def test_a_fold_keeps_totals_while_rows_keep_coming(scaled: Scaled) -> None:
    before = await _totals(scaled)
    await fold_row_counts(SharedConnectionSource(scaled.connection), batch=1)
    scaled.clock.advance(timedelta(seconds=1))
    async with scaled.uows.write() as uow:
        await uow.products.create(
            Product(
                created_at=scaled.clock.now(),
                organization_id=scaled.organization_id,
                name="Newer",
            )
        )
        await uow.commit()
    await fold_row_counts(SharedConnectionSource(scaled.connection))
    assert await _totals(scaled) == (before[0] + 1, before[1], before[2] + 1, before[3] + 1)
