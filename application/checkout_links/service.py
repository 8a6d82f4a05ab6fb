"""Checkout link use cases: create, read, change and delete a link (the merchant, with
`checkout_links:*` scopes), and open a checkout from one (anyone holding its client secret).

A link offers live products of one organization (not archived, not drafts); its discount must
be the organization's. Opening it picks the first product (or the one `product_id` names),
copies the link's presets and the query's prefills, and creates the checkout through
`CheckoutService.create_from_link` (which enqueues `checkout.created`). Polar sends no webhook
event for checkout links: none are enqueued here.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from application.auth import AuthSubject
from application.checkout_links.commands import CheckoutLinkCreate, CheckoutLinkUpdate
from application.checkout_links.ports import CheckoutLinkFilters, CheckoutLinkUnitOfWork
from application.checkout_links.sorting import CheckoutLinkSortProperty
from application.checkouts.service import CheckoutService
from application.customers.commands import Email
from application.kit.errors import (
    FieldError,
    ResourceNotFound,
    ValidationFailed,
    invariants_as_validation,
)
from application.kit.inputs import unstorable_text
from application.kit.metadata import MAX_STRING_VALUE_LENGTH, check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.ports import Clock
from domain.checkout import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, Checkout
from domain.checkout_link import CheckoutLink, CheckoutPrefill
from domain.discount import Discount
from domain.product import Product, Visibility

NOT_FOUND = "Checkout link not found."
_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


@dataclass(frozen=True)
class CheckoutLinkView:
    """A link with what its wire format shows: its live products, in order, and its
    discount."""

    link: CheckoutLink
    products: list[Product]
    discount: Discount | None


@dataclass(frozen=True)
class RedirectQuery:
    """A redirect's query string, as received (strings; empty ones count as absent)."""

    product_id: uuid.UUID | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    discount_code: str | None = None
    amount: str | None = None
    locale: str | None = None
    ip_address: str | None = None
    # reference_id and utm_* (QUERY_METADATA_KEYS).
    metadata: dict[str, str | None] | None = None


def _text(value: str | None, max_length: int) -> str | None:
    """A query string's text, if the checkout can keep it: else None (ignored, as Polar
    ignores a prefill that does not apply)."""
    if not value or len(value) > max_length or unstorable_text(value) is not None:
        return None
    return value


def _email(value: str | None) -> str | None:
    if not _text(value, EMAIL_MAX_LENGTH):
        return None
    try:
        return _EMAIL.validate_python(value)
    except ValidationError:
        return None


def _amount(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(float(value))
    except (ValueError, OverflowError):
        return None


def _live(product: Product | None) -> bool:
    return (
        product is not None
        and product.deleted_at is None
        and not product.is_archived
        and product.visibility is not Visibility.draft
    )


class CheckoutLinkService:
    def __init__(self, clock: Clock, checkouts: CheckoutService) -> None:
        self.clock = clock
        self.checkouts = checkouts

    # --- reads ----------------------------------------------------------------------------------

    async def list(
        self,
        uow: CheckoutLinkUnitOfWork,
        subject: AuthSubject,
        *,
        filters: CheckoutLinkFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[CheckoutLinkSortProperty]],
    ) -> Page[CheckoutLink]:
        return await uow.checkout_links.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(
        self,
        uow: CheckoutLinkUnitOfWork,
        subject: AuthSubject,
        id: uuid.UUID,
        *,
        lock: bool = False,
    ) -> CheckoutLink:
        link = await uow.checkout_links.get_readable(subject, id, lock=lock)
        if link is None:
            raise ResourceNotFound(NOT_FOUND)
        return link

    async def views(
        self, uow: CheckoutLinkUnitOfWork, links: Sequence[CheckoutLink]
    ) -> builtins.list[CheckoutLinkView]:
        """`links` with their live products and discounts: one read of each relation however
        many links a page holds."""
        product_ids = {i for link in links for i in link.product_ids}
        discount_ids = {link.discount_id for link in links if link.discount_id is not None}
        products = {p.id: p for p in await uow.products.get_many_whole(list(product_ids))}
        discounts = {d.id: d for d in await uow.discounts.get_many(list(discount_ids))}
        return [
            CheckoutLinkView(
                link=link,
                products=[products[i] for i in link.product_ids if i in products],
                discount=None if link.discount_id is None else discounts.get(link.discount_id),
            )
            for link in links
        ]

    async def view(self, uow: CheckoutLinkUnitOfWork, link: CheckoutLink) -> CheckoutLinkView:
        return (await self.views(uow, [link]))[0]

    # --- writes ---------------------------------------------------------------------------------

    async def create(
        self, uow: CheckoutLinkUnitOfWork, subject: AuthSubject, command: CheckoutLinkCreate
    ) -> CheckoutLink:
        if command.products is not None:
            products = await self._products(uow, subject, command.products, "products")
        elif command.product_id is not None:
            products = await self._products(uow, subject, [command.product_id], "product_id")
        else:
            assert command.product_price_id is not None
            products = await self._product_of_price(uow, subject, command.product_price_id)
        organization_id = products[0].organization_id
        check_metadata(command.metadata)
        discount_id = None
        if command.discount_id is not None:
            discount_id = await self._discount(uow, subject, command.discount_id, organization_id)
        with invariants_as_validation():
            link = CheckoutLink(
                created_at=self.clock.now(),
                organization_id=organization_id,
                product_ids=[p.id for p in products],
                label=command.label,
                discount_id=discount_id,
                allow_discount_codes=command.allow_discount_codes,
                require_billing_address=command.require_billing_address,
                seats=command.seats,
                units=command.units,
                trial_interval=command.trial_interval,
                trial_interval_count=command.trial_interval_count,
                success_url=command.success_url,
                return_url=command.return_url,
                metadata=dict(command.metadata),
            )
            link.validate()
        await uow.checkout_links.create(link)
        return link

    async def update(
        self,
        uow: CheckoutLinkUnitOfWork,
        subject: AuthSubject,
        link: CheckoutLink,
        command: CheckoutLinkUpdate,
    ) -> CheckoutLink:
        """Change `link` (read locked by `get`)."""
        sent = command.model_fields_set
        if command.products is not None:
            products = await self._products(uow, subject, command.products, "products")
            if products[0].organization_id != link.organization_id:
                raise ValidationFailed.single(
                    ("body", "products"),
                    "Products don't belong to the checkout link's organization.",
                )
            link.product_ids = [p.id for p in products]
        if "discount_id" in sent:
            link.discount_id = (
                None
                if command.discount_id is None
                else await self._discount(uow, subject, command.discount_id, link.organization_id)
            )
        for name in (
            "label",
            "seats",
            "units",
            "trial_interval",
            "trial_interval_count",
            "success_url",
            "return_url",
        ):
            if name in sent:
                setattr(link, name, getattr(command, name))
        for name in ("allow_discount_codes", "require_billing_address"):
            value = getattr(command, name)
            if value is not None:
                setattr(link, name, value)
        if command.metadata is not None:
            check_metadata(command.metadata)
            link.metadata = dict(command.metadata)
        with invariants_as_validation():
            link.validate()
        await uow.checkout_links.update(link)
        return link

    async def delete(
        self, uow: CheckoutLinkUnitOfWork, subject: AuthSubject, link: CheckoutLink
    ) -> None:
        """Soft-delete `link` (read locked): its redirect answers 404 from then on."""
        link.soft_delete(self.clock.now())
        await uow.checkout_links.update(link)

    async def open(
        self, uow: CheckoutLinkUnitOfWork, client_secret: str, query: RedirectQuery
    ) -> Checkout:
        """A new checkout from the link `client_secret` opens, prefilled from `query`. A
        deleted link, or one none of whose products is live any more, is not found."""
        link = await uow.checkout_links.get_by_client_secret(client_secret)
        if link is None:
            raise ResourceNotFound(NOT_FOUND)
        products: builtins.list[Product] = []
        for product_id in link.product_ids:
            product = await uow.products.get(product_id)
            if product is not None and _live(product) and product.live_prices:
                products.append(product)
        if not products:
            raise ResourceNotFound(NOT_FOUND)
        prefill = CheckoutPrefill(
            product_id=query.product_id,
            customer_email=_email(query.customer_email),
            customer_name=_text(query.customer_name, NAME_MAX_LENGTH),
            discount_code=_text(query.discount_code, 256),
            amount=_amount(query.amount),
            locale=_text(query.locale, 16),
            customer_ip_address=query.ip_address,
            metadata=link.query_metadata(
                {k: _text(v, MAX_STRING_VALUE_LENGTH) for k, v in (query.metadata or {}).items()}
            ),
        )
        return await self.checkouts.create_from_link(uow, link, products, prefill)

    # --- checks ---------------------------------------------------------------------------------

    async def _products(
        self,
        uow: CheckoutLinkUnitOfWork,
        subject: AuthSubject,
        product_ids: Sequence[uuid.UUID],
        field: str,
    ) -> builtins.list[Product]:
        """The live products `product_ids` names, all of one organization `subject` reads."""
        products: builtins.list[Product] = []
        errors: builtins.list[FieldError] = []
        for index, product_id in enumerate(product_ids):
            loc: tuple[str | int, ...] = (
                ("body", field, index) if field == "products" else ("body", field)
            )
            product = await uow.products.get_readable(subject, product_id)
            if product is None:
                errors.append(FieldError(loc, "Product does not exist.", input=str(product_id)))
            elif product.is_archived:
                errors.append(FieldError(loc, "Product is archived.", input=str(product_id)))
            elif product.visibility is Visibility.draft:
                errors.append(FieldError(loc, "Product is a draft.", input=str(product_id)))
            else:
                products.append(product)
        if len({p.organization_id for p in products}) > 1:
            errors.append(
                FieldError(("body", field), "Products must all belong to the same organization.")
            )
        if len({p.id for p in products}) != len(products):
            errors.append(FieldError(("body", field), "A product can only be listed once."))
        if errors:
            raise ValidationFailed(errors)
        return products

    async def _product_of_price(
        self, uow: CheckoutLinkUnitOfWork, subject: AuthSubject, price_id: uuid.UUID
    ) -> builtins.list[Product]:
        loc = ("body", "product_price_id")
        product_id = await uow.checkout_links.product_of_price(price_id)
        product = (
            None if product_id is None else await uow.products.get_readable(subject, product_id)
        )
        price = (
            None if product is None else next((p for p in product.prices if p.id == price_id), None)
        )
        if product is None or price is None:
            raise ValidationFailed.single(loc, "Price does not exist.", input=str(price_id))
        if price.is_archived:
            raise ValidationFailed.single(loc, "Price is archived.", input=str(price_id))
        if product.is_archived:
            raise ValidationFailed.single(loc, "Product is archived.", input=str(price_id))
        return [product]

    async def _discount(
        self,
        uow: CheckoutLinkUnitOfWork,
        subject: AuthSubject,
        discount_id: uuid.UUID,
        organization_id: uuid.UUID,
    ) -> uuid.UUID:
        discount = await uow.discounts.get_readable(subject, discount_id)
        if discount is None or discount.organization_id != organization_id:
            raise ValidationFailed.single(
                ("body", "discount_id"), "Discount does not exist.", input=str(discount_id)
            )
        return discount.id
