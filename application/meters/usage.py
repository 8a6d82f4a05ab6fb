"""Meters other records point at (metered prices, meter-credit benefits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from application.kit.errors import FieldError, ResourceNotFound, ValidationFailed
from application.meters.ports import MeterRepository
from domain.meter import Meter


class _Reads(Protocol):
    meters: MeterRepository


async def usable_meters(
    uow: _Reads,
    organization_id: uuid.UUID,
    wanted: Sequence[tuple[uuid.UUID, tuple[str | int, ...]]],
) -> dict[uuid.UUID, Meter]:
    """The meters of `wanted` (a meter id and where the request named it), by id, read in one
    statement and each checked: a meter of `organization_id` that is not archived.

    An unknown or other organization's meter is not found (ResourceNotFound); an archived one is
    a ValidationFailed at its location.
    """
    if not wanted:
        return {}
    ids = sorted({id for id, _ in wanted})
    # Locked: a meter being archived is not taken by a new price meanwhile (see MeterService).
    found = {m.id: m for m in await uow.meters.get_many(ids, lock=True)}
    errors: list[FieldError] = []
    for meter_id, loc in wanted:
        meter = found.get(meter_id)
        if meter is None or meter.organization_id != organization_id:
            raise ResourceNotFound(f"Meter {meter_id} not found.")
        if meter.is_archived:
            errors.append(FieldError(loc, "This meter is archived.", input=str(meter_id)))
    if errors:
        raise ValidationFailed(errors)
    return found
