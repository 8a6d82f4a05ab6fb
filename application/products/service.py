"""Product use cases.

Like discounts, products are day-to-day catalogue work: any member of the organization (or the
organization's own token) holding `products:write` may create and change them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from application.auth import AuthSubject
from application.files.usage import usable_files
from application.kit.errors import (
    Conflict,
    FieldError,
    ResourceNotFound,
    ValidationFailed,
    invariants_as_validation,
)
from application.kit.metadata import check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.registry import Registry
from application.kit.sorting import Sorting
from application.kit.tenancy import target_organization
from application.meters.usage import usable_meters
from application.ports import Clock
from application.products.commands import (
    AttachedCustomFieldCreate,
    CustomPriceCreate,
    ExistingPrice,
    FixedPriceCreate,
    MeteredTiersPriceCreate,
    MeteredUnitPriceCreate,
    PriceInput,
    ProductBenefitsUpdate,
    ProductCreate,
    ProductUpdate,
    SeatBasedPriceCreate,
    TiersInput,
    UnitBasedPriceCreate,
)
from application.products.ports import ProductFilters, ProductUnitOfWork
from application.products.sorting import ProductSortProperty
from domain.benefit import validate_benefit_list
from domain.custom_field import AttachedCustomField
from domain.file import FileService
from domain.price import (
    CustomPrice,
    FixedPrice,
    KeepPrice,
    MeteredPrice,
    MeteredTiersPrice,
    MeteredUnitPrice,
    Price,
    SeatBasedPrice,
    SeatTier,
    TierType,
    UnitBasedPrice,
    UnitTier,
    creation_time,
)
from domain.product import Product

PRODUCT_CREATED = "product.created"
PRODUCT_UPDATED = "product.updated"


class ProductNotDeletable(Conflict):
    """The product is in use (sold, subscribed to, being paid for, or a discount is restricted
    to it); it can be archived instead."""


CUSTOM_FIELD_NOT_FOUND = "Custom field does not exist."
CUSTOM_FIELD_TWICE = "A custom field can be attached once."


async def _attached_custom_fields(
    uow: ProductUnitOfWork, organization_id: uuid.UUID, items: Sequence[AttachedCustomFieldCreate]
) -> list[AttachedCustomField]:
    """The custom fields `items` name, in order: each a live field of the organization, named
    once. The fields are held (FOR SHARE) until the unit of work ends."""
    ids = [item.custom_field_id for item in items]
    found = {
        f.id: f
        for f in await uow.custom_fields.get_many(ids, lock=True)
        if f.organization_id == organization_id
    }
    errors: list[FieldError] = []
    seen: set[uuid.UUID] = set()
    for index, item in enumerate(items):
        loc = ("body", "attached_custom_fields", index, "custom_field_id")
        if item.custom_field_id not in found:
            errors.append(FieldError(loc, CUSTOM_FIELD_NOT_FOUND, input=str(item.custom_field_id)))
        elif item.custom_field_id in seen:
            errors.append(FieldError(loc, CUSTOM_FIELD_TWICE, input=str(item.custom_field_id)))
        seen.add(item.custom_field_id)
    if errors:
        raise ValidationFailed(errors)
    return [
        AttachedCustomField(found[item.custom_field_id], item.required, order)
        for order, item in enumerate(items)
    ]


async def _set_custom_fields(
    uow: ProductUnitOfWork, product: Product, attached: list[AttachedCustomField]
) -> None:
    await uow.products.set_custom_fields(
        product, [(a.custom_field.id, a.required) for a in attached]
    )
    product.attached_custom_fields = attached


# How each price input becomes its price, given the fields every price has.
NEW_PRICES: Registry[type[PriceInput], Callable[[Any, dict[str, Any]], Price]] = Registry(
    "price input"
)


def _new_price(index: int, item: PriceInput, product_id: uuid.UUID) -> Price:
    """A new price from its input, checked on its own (errors located at its index)."""
    common: dict[str, Any] = {
        "product_id": product_id,
        "currency": item.price_currency,
        "tax_behavior": item.tax_behavior,
    }
    price = NEW_PRICES[type(item)](item, common)
    with invariants_as_validation(("body", "prices", index)):
        price.validate()
    return price


@NEW_PRICES.register(FixedPriceCreate)
def _fixed(item: FixedPriceCreate, common: dict[str, Any]) -> Price:
    return FixedPrice(**common, amount=item.price_amount)


@NEW_PRICES.register(CustomPriceCreate)
def _custom(item: CustomPriceCreate, common: dict[str, Any]) -> Price:
    return CustomPrice(
        **common,
        minimum_amount=item.minimum_amount,
        maximum_amount=item.maximum_amount,
        preset_amount=item.preset_amount,
    )


@NEW_PRICES.register(SeatBasedPriceCreate)
def _seat_based(item: SeatBasedPriceCreate, common: dict[str, Any]) -> Price:
    tiers = [SeatTier(t.min_seats, t.max_seats, t.price_per_seat) for t in item.seat_tiers.tiers]
    tier_type = item.seat_tiers.seat_tier_type
    return SeatBasedPrice(
        **common, tiers=tiers, seat_tier_type=None if tier_type is None else TierType(tier_type)
    )


def _unit_tiers(tiers: TiersInput) -> dict[str, Any]:
    return {
        "tier_type": TierType(tiers.type),
        "tiers": [UnitTier(t.bound, t.unit_amount) for t in tiers.tiers],
    }


@NEW_PRICES.register(UnitBasedPriceCreate)
def _unit_based(item: UnitBasedPriceCreate, common: dict[str, Any]) -> Price:
    return UnitBasedPrice(
        **common,
        **_unit_tiers(item.tiers),
        minimum_units=1 if item.minimum_units is None else item.minimum_units,
        unit_label=item.unit_label,
    )


@NEW_PRICES.register(MeteredUnitPriceCreate)
def _metered_unit(item: MeteredUnitPriceCreate, common: dict[str, Any]) -> Price:
    return MeteredUnitPrice(
        **common, meter_id=item.meter_id, unit_amount=item.unit_amount, cap_amount=item.cap_amount
    )


@NEW_PRICES.register(MeteredTiersPriceCreate)
def _metered_tiers(item: MeteredTiersPriceCreate, common: dict[str, Any]) -> Price:
    return MeteredTiersPrice(
        **common, meter_id=item.meter_id, **_unit_tiers(item.tiers), cap_amount=item.cap_amount
    )


async def _attach_meters(
    uow: ProductUnitOfWork, organization_id: uuid.UUID, requested: Sequence[KeepPrice | Price]
) -> None:
    """Check the meters the new metered prices bill (the organization's, not archived) and
    attach each to its price, so that the answer names it."""
    wanted = [
        (item.meter_id, ("body", "prices", index, "meter_id"))
        for index, item in enumerate(requested)
        if isinstance(item, MeteredPrice)
    ]
    meters = await usable_meters(uow, organization_id, wanted)
    for item in requested:
        if isinstance(item, MeteredPrice):
            item.meter = meters[item.meter_id].summary


class ProductService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def list(
        self,
        uow: ProductUnitOfWork,
        subject: AuthSubject,
        *,
        filters: ProductFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[ProductSortProperty]],
    ) -> Page[Product]:
        return await uow.products.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(
        self, uow: ProductUnitOfWork, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Product:
        """The product, if `subject` may read it. Writes `lock` it: concurrent writes of one
        product then happen one after the other, each on what the previous committed."""
        product = await uow.products.get_readable(subject, id, lock=lock)
        if product is None:
            raise ResourceNotFound("Product not found.")
        return product

    async def create(
        self, uow: ProductUnitOfWork, subject: AuthSubject, command: ProductCreate
    ) -> Product:
        organization = await target_organization(uow, subject, command.organization_id)
        check_metadata(command.metadata)
        now = self.clock.now()
        recurring_count = command.recurring_interval_count
        if command.recurring_interval is not None and recurring_count is None:
            recurring_count = 1
        product = Product(
            created_at=now,
            organization_id=organization.id,
            name=command.name,
            description=command.description,
            visibility=command.visibility,
            recurring_interval=command.recurring_interval,
            recurring_interval_count=recurring_count,
            trial_interval=command.trial_interval,
            trial_interval_count=command.trial_interval_count,
            metadata=dict(command.metadata),
        )
        prices = [_new_price(i, item, product.id) for i, item in enumerate(command.prices)]
        for index, price in enumerate(prices):
            price.created_at = creation_time(now, index)
        product.prices = prices
        with invariants_as_validation():
            product.validate()
        await _attach_meters(uow, organization.id, prices)
        medias = await usable_files(
            uow,
            organization.id,
            command.medias or [],
            service=FileService.product_media,
            loc=("body", "medias"),
        )
        attached = await _attached_custom_fields(
            uow, organization.id, command.attached_custom_fields or []
        )
        await uow.products.create(product)
        if medias:
            await uow.products.set_medias(product, [m.id for m in medias])
            product.medias = medias
        if attached:
            await _set_custom_fields(uow, product, attached)
        uow.enqueue(
            PRODUCT_CREATED,
            product_id=str(product.id),
            organization_id=str(product.organization_id),
        )
        return product

    async def delete(self, uow: ProductUnitOfWork, subject: AuthSubject, id: uuid.UUID) -> None:
        """Soft-delete a product nothing points at: it leaves every read and list, its prices
        with it. A product in use (see `ProductRepository.in_use`) is refused; archiving it is
        what keeps it from new sales. Of concurrent deletions one deletes, the others find
        nothing (404); a discount that comes to name the product waits for the deletion, then
        finds no product."""
        product = await self.get(uow, subject, id, lock=True)
        # Asked again now that the row is held: the read above may predate a discount that
        # committed while it waited.
        if await uow.products.in_use(product.id):
            raise ProductNotDeletable(
                "This product is in use (it has orders, subscriptions or a payment under way, "
                "or a discount is restricted to it) and cannot be deleted; archive it instead."
            )
        product.soft_delete(self.clock.now())
        await uow.products.update(product)

    async def update(
        self, uow: ProductUnitOfWork, subject: AuthSubject, id: uuid.UUID, command: ProductUpdate
    ) -> Product:
        product = await self.get(uow, subject, id, lock=True)
        sent = command.model_fields_set
        now = self.clock.now()
        for name in ("recurring_interval", "recurring_interval_count"):
            value = getattr(command, name)
            if value is not None and value != getattr(product, name):
                raise ValidationFailed.single(
                    ("body", name), "The billing interval of a product cannot change.", value
                )
        if command.name is not None:
            product.name = command.name
        if command.visibility is not None:
            product.visibility = command.visibility
        for name in ("description", "trial_interval", "trial_interval_count"):
            if name in sent:
                setattr(product, name, getattr(command, name))
        if command.metadata is not None:
            check_metadata(command.metadata)
            product.metadata = dict(command.metadata)
        if command.prices is not None:
            requested: list[KeepPrice | Price] = [
                KeepPrice(item.id)
                if isinstance(item, ExistingPrice)
                else _new_price(index, item, product.id)
                for index, item in enumerate(command.prices)
            ]
            with invariants_as_validation():
                product.replace_prices(requested, now)
            await _attach_meters(uow, product.organization_id, requested)
        with invariants_as_validation():
            product.validate()
        if command.is_archived is True and not product.is_archived:
            product.archive(now)
        elif command.is_archived is False and product.is_archived:
            product.unarchive(now)
        if command.medias is not None:
            medias = await usable_files(
                uow,
                product.organization_id,
                command.medias,
                service=FileService.product_media,
                loc=("body", "medias"),
            )
            if [m.id for m in medias] != product.media_ids:
                await uow.products.set_medias(product, [m.id for m in medias])
                product.medias = medias
        if command.attached_custom_fields is not None:
            attached = await _attached_custom_fields(
                uow, product.organization_id, command.attached_custom_fields
            )
            if [(a.custom_field.id, a.required) for a in attached] != [
                (a.custom_field.id, a.required) for a in product.attached_custom_fields
            ]:
                await _set_custom_fields(uow, product, attached)
        await uow.products.update(product)
        uow.enqueue(
            PRODUCT_UPDATED,
            product_id=str(product.id),
            organization_id=str(product.organization_id),
        )
        return product

    async def set_benefits(
        self,
        uow: ProductUnitOfWork,
        subject: AuthSubject,
        id: uuid.UUID,
        command: ProductBenefitsUpdate,
    ) -> Product:
        """Replace the benefits the product grants. Each must be a live benefit of the
        product's organization: any other id (unknown, deleted, another tenant's) is not
        found.

        Concurrent calls for one product happen one after the other, and a benefit deleted
        meanwhile is either detached by its deletion or not found here. The benefits are held
        before the product, in the order their deletion takes them (benefit, then the products
        it is detached from), so that the two never wait for each other.
        """
        product = await self.get(uow, subject, id)
        with invariants_as_validation():
            validate_benefit_list(command.benefits)
        found = {
            b.id: b
            for b in await uow.benefits.get_many(command.benefits, lock=True)
            if b.organization_id == product.organization_id
        }
        product = await self.get(uow, subject, id, lock=True)
        for benefit_id in command.benefits:
            if benefit_id not in found:
                raise ResourceNotFound(f"Benefit {benefit_id} not found.")
        for index, benefit_id in enumerate(command.benefits):
            if not found[benefit_id].selectable:
                raise ValidationFailed.single(
                    ("body", "benefits", index),
                    "This benefit is granted automatically and cannot be attached.",
                    str(benefit_id),
                )
        if command.benefits != product.benefit_ids:
            await uow.products.set_benefits(product, command.benefits)
            product.benefits = [found[benefit_id] for benefit_id in command.benefits]
            await uow.products.update(product)
            uow.enqueue(
                PRODUCT_UPDATED,
                product_id=str(product.id),
                organization_id=str(product.organization_id),
            )
        return product
