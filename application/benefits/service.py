"""Benefit use cases.

Benefits are catalogue work like products: any member of the organization (or the
organization's own token) holding `benefits:write` may create and change them. What a type's
`properties` may hold is the business of that type's strategy; the use cases only pick it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from application.auth import AuthSubject
from application.benefits.commands import BenefitCreate, BenefitUpdate
from application.benefits.ports import (
    BenefitFilters,
    BenefitStrategies,
    BenefitStrategy,
    BenefitUnitOfWork,
)
from application.benefits.sorting import BenefitSortProperty
from application.kit.errors import (
    NotPermitted,
    ResourceNotFound,
    ValidationFailed,
    invariants_as_validation,
)
from application.kit.metadata import check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.kit.tenancy import target_organization
from application.ports import Clock
from application.products.service import PRODUCT_UPDATED
from domain.benefit import Benefit, BenefitVisibility

BENEFIT_CREATED = "benefit.created"
BENEFIT_UPDATED = "benefit.updated"


def _validate(benefit: Benefit) -> None:
    with invariants_as_validation():
        benefit.validate()


class BenefitService:
    def __init__(self, clock: Clock, strategies: BenefitStrategies) -> None:
        self.clock = clock
        self.strategies = strategies

    def strategy(self, type: str) -> BenefitStrategy:
        strategy = self.strategies.get(type)
        if strategy is None:
            supported = ", ".join(sorted(self.strategies))
            raise ValidationFailed.single(
                ("body", "type"), f"Unsupported benefit type; supported: {supported}.", type
            )
        return strategy

    async def list(
        self,
        uow: BenefitUnitOfWork,
        subject: AuthSubject,
        *,
        filters: BenefitFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[BenefitSortProperty]],
    ) -> Page[Benefit]:
        return await uow.benefits.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(
        self, uow: BenefitUnitOfWork, subject: AuthSubject, id: uuid.UUID, *, lock: bool = False
    ) -> Benefit:
        """The benefit, if `subject` may read it. Writes `lock` it: concurrent writes of one
        benefit then happen one after the other, each on what the previous committed."""
        benefit = await uow.benefits.get_readable(subject, id, lock=lock)
        if benefit is None:
            raise ResourceNotFound("Benefit not found.")
        return benefit

    async def create(
        self, uow: BenefitUnitOfWork, subject: AuthSubject, command: BenefitCreate
    ) -> Benefit:
        strategy = self.strategy(command.type)
        organization = await target_organization(uow, subject, command.organization_id)
        check_metadata(command.metadata)
        benefit = Benefit(
            created_at=self.clock.now(),
            organization_id=organization.id,
            type=strategy.type,
            description=command.description,
            visibility=command.visibility or BenefitVisibility.public,
            metadata=dict(command.metadata),
        )
        _validate(benefit)
        benefit.properties = await strategy.validate_properties(
            uow, organization.id, command.properties
        )
        await uow.benefits.create(benefit)
        uow.enqueue(
            BENEFIT_CREATED,
            benefit_id=str(benefit.id),
            organization_id=str(benefit.organization_id),
        )
        return benefit

    async def update(
        self, uow: BenefitUnitOfWork, subject: AuthSubject, id: uuid.UUID, command: BenefitUpdate
    ) -> Benefit:
        benefit = await self.get(uow, subject, id, lock=True)
        if command.type != benefit.type:
            raise ValidationFailed.single(
                ("body", "type"),
                f"The type of a benefit cannot change; this one is {benefit.type}.",
                command.type,
            )
        if command.description is not None:
            benefit.description = command.description
        if command.visibility is not None:
            benefit.visibility = command.visibility
        if command.metadata is not None:
            check_metadata(command.metadata)
            benefit.metadata = dict(command.metadata)
        _validate(benefit)
        if command.properties is not None:
            strategy = self.strategy(benefit.type)
            benefit.properties = await strategy.validate_properties(
                uow, benefit.organization_id, command.properties
            )
        await uow.benefits.update(benefit)
        uow.enqueue(
            BENEFIT_UPDATED,
            benefit_id=str(benefit.id),
            organization_id=str(benefit.organization_id),
        )
        return benefit

    async def delete(self, uow: BenefitUnitOfWork, subject: AuthSubject, id: uuid.UUID) -> None:
        """Soft-delete the benefit and detach it from every product granting it.

        Receivers learn of it through `benefit.updated` (the benefit now reads `is_deleted`) and
        `product.updated` for each product that lost it. Of concurrent deletions one deletes,
        the others find nothing (404).
        """
        benefit = await self.get(uow, subject, id, lock=True)
        if not benefit.deletable:
            raise NotPermitted("This benefit is not deletable.")
        now = self.clock.now()
        benefit.soft_delete(now)
        await uow.benefits.update(benefit)
        for product_id in await uow.benefits.detach(benefit.id, now):
            uow.enqueue(
                PRODUCT_UPDATED,
                product_id=str(product_id),
                organization_id=str(benefit.organization_id),
            )
        uow.enqueue(
            BENEFIT_UPDATED,
            benefit_id=str(benefit.id),
            organization_id=str(benefit.organization_id),
        )
