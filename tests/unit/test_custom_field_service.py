"""Custom field use cases on the memory harness: tenancy, unique slugs, a type that never
changes, no events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter

from application.auth import AuthSubject
from application.custom_fields.commands import CustomFieldCreate, CustomFieldUpdate
from application.custom_fields.ports import CustomFieldFilters
from application.custom_fields.service import SLUG_TAKEN, CustomFieldService
from application.custom_fields.sorting import DEFAULT_SORTING
from application.kit.errors import ResourceNotFound, ValidationFailed
from application.kit.pagination import PaginationParams
from domain.custom_field import CustomField, CustomFieldType
from tests.unit.conftest import Harness

ALL = PaginationParams(page=1, limit=100)
CREATE: TypeAdapter[Any] = TypeAdapter(CustomFieldCreate)
UPDATE: TypeAdapter[Any] = TypeAdapter(CustomFieldUpdate)


@pytest.fixture
def service(harness: Harness) -> CustomFieldService:
    service: CustomFieldService = harness.container.custom_field_service()
    return service


async def _create(
    harness: Harness, service: CustomFieldService, subject: AuthSubject, **fields: Any
) -> CustomField:
    body = {"type": "text", "slug": "company", "name": "Company", "properties": {}, **fields}
    async with harness.uows.write() as uow:
        custom_field = await service.create(uow, subject, CREATE.validate_python(body))
        await uow.commit()
    harness.clock.advance(timedelta(seconds=1))
    return custom_field


async def test_create_get_and_list_within_the_tenant(
    harness: Harness, service: CustomFieldService
) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    harness.queue.sent.clear()
    mine = await _create(harness, service, tenant.itself, properties={"max_length": 10})
    await _create(harness, service, other.itself)
    assert mine.properties == {"max_length": 10}
    async with harness.uows.read() as uow:
        assert (await service.get(uow, tenant.owner, mine.id)).slug == "company"
        for subject in (other.owner, other.itself):
            with pytest.raises(ResourceNotFound):
                await service.get(uow, subject, mine.id)
        page = await service.list(
            uow,
            tenant.owner,
            filters=CustomFieldFilters(),
            pagination=ALL,
            sorting=DEFAULT_SORTING,
        )
    assert [f.id for f in page.items] == [mine.id]
    assert harness.queue.sent == []  # Polar has no custom field events


async def test_slugs_are_unique_among_live_fields_and_types_never_change(
    harness: Harness, service: CustomFieldService
) -> None:
    tenant = await harness.tenant()
    first = await _create(harness, service, tenant.itself)
    with pytest.raises(ValidationFailed) as error:
        await _create(harness, service, tenant.itself, type="number")
    assert [(e.loc, e.msg) for e in error.value.errors] == [(("body", "slug"), SLUG_TAKEN)]
    async with harness.uows.write() as uow:
        found = await service.get(uow, tenant.itself, first.id, lock=True)
        with pytest.raises(ValidationFailed) as error:
            await service.update(
                uow, tenant.itself, found, UPDATE.validate_python({"type": "date"})
            )
        assert error.value.errors[0].loc == ("body", "type")
        assert found.type is CustomFieldType.text
        await service.delete(uow, tenant.itself, found)
        await uow.commit()
    again = await _create(harness, service, tenant.itself)
    assert again.id != first.id
