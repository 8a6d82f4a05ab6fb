"""Discount use cases.

Any member of an organization (or the organization's own token) holding `discounts:write` may
create, change and delete its discounts: discounts are day-to-day catalogue work, so no
owner/admin role is required (unlike organization settings and access tokens).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from application.auth import AuthSubject
from application.discounts.commands import DiscountCreate, DiscountUpdate
from application.discounts.ports import DiscountUnitOfWork
from application.discounts.sorting import DiscountSortProperty
from application.kit.errors import ResourceNotFound, ValidationFailed, invariants_as_validation
from application.kit.metadata import check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.kit.tenancy import target_organization
from application.ports import Clock
from domain.discount import Discount, DiscountType
from domain.product import Product

DISCOUNT_CREATED = "discount.created"
DISCOUNT_UPDATED = "discount.updated"
DISCOUNT_DELETED = "discount.deleted"

CODE_TAKEN = "Discount with this code already exists."


def _input_fields(command: DiscountCreate | DiscountUpdate) -> dict[str, str]:
    """The input fields the domain's fields were sent as."""
    fields = {"product_ids": "products"}
    # The domain speaks of `amounts`; a client that sent the single `amount` hears about that.
    if "amounts" not in command.model_fields_set:
        fields["amounts"] = "amount"
    return fields


def _unique(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))


def _both_amount_forms(command: DiscountCreate | DiscountUpdate) -> None:
    if command.amount is not None and command.amounts is not None:
        raise ValidationFailed.single(
            ("body", "amount"), "Send either amounts, or amount and currency; not both."
        )


def _type_of(command: DiscountCreate) -> DiscountType:
    if command.type is not None:
        return command.type
    percentage = command.basis_points is not None
    fixed = command.amount is not None or command.amounts is not None
    if percentage and not fixed:
        return DiscountType.percentage
    if fixed and not percentage:
        return DiscountType.fixed
    raise ValidationFailed.single(
        ("body", "type"),
        "Send type: percentage (with basis_points) or fixed (with amount and currency, "
        "or amounts).",
    )


def _value_on_create(command: DiscountCreate, default_currency: str) -> dict[str, Any]:
    """The value attributes of a new discount: basis points, or amounts and their currency."""
    _both_amount_forms(command)
    if command.amounts is not None:
        amounts = dict(command.amounts)
        currency = command.currency if command.currency is not None else next(iter(amounts))
    elif command.amount is not None:
        # Without a currency, the organization's default presentment currency.
        currency = command.currency or default_currency
        amounts = {currency: command.amount}
    elif command.currency is not None:
        raise ValidationFailed.single(("body", "amount"), "A currency needs an amount.")
    else:
        amounts, currency = {}, None
    return {"basis_points": command.basis_points, "amounts": amounts, "currency": currency}


def _value_changes(command: DiscountUpdate, discount: Discount) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if command.basis_points is not None:
        changes["basis_points"] = command.basis_points
    if discount.type is DiscountType.percentage:
        for name in ("amount", "amounts", "currency"):
            if getattr(command, name) is not None:
                raise ValidationFailed.single(
                    ("body", name), "Only fixed discounts have an amount and a currency."
                )
        return changes
    _both_amount_forms(command)
    if command.amounts is not None:
        amounts = dict(command.amounts)
        # The currency reported first: the one sent, else the current one if still listed.
        currency = command.currency or discount.currency
        if currency is None or (command.currency is None and currency not in amounts):
            currency = next(iter(amounts))
        changes.update(amounts=amounts, currency=currency)
    elif command.amount is not None:
        # As in Polar, the single-currency form replaces every amount.
        single = command.currency or discount.currency
        assert single is not None  # a fixed discount always has a currency
        changes.update(amounts={single: command.amount}, currency=single)
    elif command.currency is not None:
        if command.currency not in discount.amounts:
            raise ValidationFailed.single(
                ("body", "currency"),
                "The discount has no amount in this currency: send amount with it.",
                command.currency,
            )
        changes["currency"] = command.currency
    return changes


def _update_changes(command: DiscountUpdate, discount: Discount) -> dict[str, Any]:
    sent = command.model_fields_set
    changes: dict[str, Any] = {}
    if command.name is not None:
        changes["name"] = command.name
    if command.type is not None:
        changes["type"] = command.type
    if command.duration is not None:
        changes["duration"] = command.duration
    # Nullable attributes: an explicit null clears them.
    for name in (
        "code",
        "starts_at",
        "ends_at",
        "max_redemptions",
        "max_redemptions_per_customer",
        "duration_in_months",
    ):
        if name in sent:
            changes[name] = getattr(command, name)
    changes.update(_value_changes(command, discount))
    if command.metadata is not None:
        check_metadata(command.metadata)
        changes["metadata"] = dict(command.metadata)
    if command.products is not None:
        changes["product_ids"] = _unique(command.products)
    return changes


class DiscountService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def list(
        self,
        uow: DiscountUnitOfWork,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        query: str | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[DiscountSortProperty]],
    ) -> Page[Discount]:
        return await uow.discounts.list_readable(
            subject,
            organization_ids=organization_ids,
            query=query or None,
            pagination=pagination,
            sorting=sorting,
        )

    async def restricted_products(
        self, uow: DiscountUnitOfWork, discounts: Sequence[Discount]
    ) -> dict[uuid.UUID, Product]:
        """The live products the discounts are restricted to, by id, read in one statement
        (products deleted since are left out)."""
        ids = {product_id for d in discounts for product_id in d.product_ids}
        return {p.id: p for p in await uow.products.get_summaries(sorted(ids))}

    async def get(
        self, uow: DiscountUnitOfWork, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Discount:
        """The discount, if `subject` may read it. Writes `lock` it: concurrent writes of one
        discount then happen one after the other, each on what the previous committed."""
        discount = await uow.discounts.get_readable(subject, id, lock=lock)
        if discount is None:
            raise ResourceNotFound("Discount not found.")
        return discount

    async def create(
        self, uow: DiscountUnitOfWork, subject: AuthSubject, command: DiscountCreate
    ) -> Discount:
        organization = await target_organization(uow, subject, command.organization_id)
        discount_type = _type_of(command)
        value = _value_on_create(command, organization.default_presentment_currency)
        check_metadata(command.metadata)
        with invariants_as_validation(fields=_input_fields(command)):
            discount = Discount.create(
                at=self.clock.now(),
                organization_id=organization.id,
                name=command.name,
                type=discount_type,
                duration=command.duration,
                duration_in_months=command.duration_in_months,
                code=command.code,
                starts_at=command.starts_at,
                ends_at=command.ends_at,
                max_redemptions=command.max_redemptions,
                max_redemptions_per_customer=command.max_redemptions_per_customer,
                metadata=dict(command.metadata),
                product_ids=_unique(command.products or []),
                **value,
            )
        await self._ensure_code_free(uow, discount)
        await self._ensure_own_products(uow, discount)
        await uow.discounts.create(discount)
        uow.enqueue(
            DISCOUNT_CREATED,
            discount_id=str(discount.id),
            organization_id=str(discount.organization_id),
        )
        return discount

    async def update(
        self, uow: DiscountUnitOfWork, subject: AuthSubject, id: uuid.UUID, command: DiscountUpdate
    ) -> Discount:
        discount = await self.get(uow, subject, id, lock=True)
        changes = _update_changes(command, discount)
        with invariants_as_validation(fields=_input_fields(command)):
            discount.revise(changes)
        if "code" in changes:
            await self._ensure_code_free(uow, discount)
        if "product_ids" in changes:
            await self._ensure_own_products(uow, discount)
        await uow.discounts.update(discount)
        uow.enqueue(
            DISCOUNT_UPDATED,
            discount_id=str(discount.id),
            organization_id=str(discount.organization_id),
        )
        return discount

    async def delete(self, uow: DiscountUnitOfWork, subject: AuthSubject, id: uuid.UUID) -> None:
        """Soft-delete: orders that used the discount keep pointing at it; its code is free.
        Of concurrent deletions one deletes, the others find nothing (404)."""
        discount = await self.get(uow, subject, id, lock=True)
        discount.soft_delete(self.clock.now())
        await uow.discounts.update(discount)
        uow.enqueue(
            DISCOUNT_DELETED,
            discount_id=str(discount.id),
            organization_id=str(discount.organization_id),
        )

    async def _ensure_own_products(self, uow: DiscountUnitOfWork, discount: Discount) -> None:
        """Every product a discount is restricted to is a live product of its organization; any
        other id (unknown, or another tenant's) is not found."""
        if not discount.product_ids:
            return
        own = {
            product.id
            # Held (FOR SHARE) so that a deletion of one of them waits for this discount.
            for product in await uow.products.get_summaries(discount.product_ids, lock=True)
            if product.organization_id == discount.organization_id
        }
        for product_id in discount.product_ids:
            if product_id not in own:
                raise ResourceNotFound(f"Product {product_id} not found.")

    async def _ensure_code_free(self, uow: DiscountUnitOfWork, discount: Discount) -> None:
        if discount.code is None:
            return
        holder = await uow.discounts.get_by_code(discount.organization_id, discount.code)
        if holder is not None and holder.id != discount.id:
            raise ValidationFailed.single(("body", "code"), CODE_TAKEN, discount.code)
