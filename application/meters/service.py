"""Meter use cases.

Meters are catalogue work like products: any member of the organization (or the organization's
own token) holding `meters:write` may create and change them. Meters have no webhook events in
the client's list, so nothing is enqueued.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from application.auth import AuthSubject
from application.kit.errors import ResourceNotFound, ValidationFailed, invariants_as_validation
from application.kit.metadata import check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.kit.tenancy import target_organization
from application.meters.commands import (
    AggregationInput,
    CountAggregationInput,
    FilterInput,
    MeterCreate,
    MeterUpdate,
)
from application.meters.ports import MeterFilters, MeterUnitOfWork
from application.meters.sorting import MeterSortProperty
from application.ports import Clock
from domain.meter import (
    Aggregation,
    AggregationFunction,
    Filter,
    FilterClause,
    Meter,
    MeterUnit,
)

METER_PRICED = (
    "A product's price bills this meter: archive that price first (update the product's prices "
    "without it)."
)


def filter_of(node: FilterInput) -> Filter:
    return Filter(
        conjunction=node.conjunction,
        clauses=tuple(
            filter_of(c)
            if isinstance(c, FilterInput)
            else FilterClause(property=c.property, operator=c.operator, value=c.value)
            for c in node.clauses
        ),
    )


def aggregation_of(node: AggregationInput) -> Aggregation:
    if isinstance(node, CountAggregationInput):
        return Aggregation(AggregationFunction.cnt)
    return Aggregation(AggregationFunction(node.func), node.property)


class MeterService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def list(
        self,
        uow: MeterUnitOfWork,
        subject: AuthSubject,
        *,
        filters: MeterFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[MeterSortProperty]],
    ) -> Page[Meter]:
        return await uow.meters.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(self, uow: MeterUnitOfWork, subject: AuthSubject, id: uuid.UUID) -> Meter:
        meter = await uow.meters.get_readable(subject, id)
        if meter is None:
            raise ResourceNotFound("Meter not found.")
        return meter

    async def create(
        self, uow: MeterUnitOfWork, subject: AuthSubject, command: MeterCreate
    ) -> Meter:
        organization = await target_organization(uow, subject, command.organization_id)
        check_metadata(command.metadata)
        meter = Meter(
            created_at=self.clock.now(),
            organization_id=organization.id,
            name=command.name,
            unit=command.unit,
            custom_label=command.custom_label,
            custom_multiplier=command.custom_multiplier,
            filter=filter_of(command.filter),
            aggregation=aggregation_of(command.aggregation),
            metadata=dict(command.metadata),
        )
        with invariants_as_validation():
            meter.validate()
        await uow.meters.create(meter)
        return meter

    async def update(
        self, uow: MeterUnitOfWork, subject: AuthSubject, id: uuid.UUID, command: MeterUpdate
    ) -> Meter:
        meter = await self.get(uow, subject, id)
        sent = command.model_fields_set
        if command.name is not None:
            meter.name = command.name
        if command.unit is not None:
            meter.unit = command.unit
        for name in ("custom_label", "custom_multiplier"):
            if name in sent:
                setattr(meter, name, getattr(command, name))
            elif meter.unit is not MeterUnit.custom:
                # Moving away from a custom unit drops its label and multiplier.
                setattr(meter, name, None)
        if command.filter is not None:
            meter.filter = filter_of(command.filter)
        if command.aggregation is not None:
            meter.aggregation = aggregation_of(command.aggregation)
        if command.metadata is not None:
            check_metadata(command.metadata)
            meter.metadata = dict(command.metadata)
        with invariants_as_validation():
            meter.validate()
        now = self.clock.now()
        if command.is_archived is True and not meter.is_archived:
            # Waits for any unit of work that is adding a price on this meter, then sees it.
            await uow.meters.lock_for_archiving(meter.id)
            if await uow.products.prices_meter(meter.id):
                raise ValidationFailed.single(("body", "is_archived"), METER_PRICED, True)
            meter.archive(now)
        elif command.is_archived is False:
            meter.unarchive(now)
        await uow.meters.update(meter)
        return meter
