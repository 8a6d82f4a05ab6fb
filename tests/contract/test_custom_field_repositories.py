"""The custom field repository contract, on every adapter: round trip, tenancy, soft deletion,
filters, sorting and slug uniqueness among live fields."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.custom_fields.ports import CustomFieldFilters
from application.custom_fields.sorting import CustomFieldSortProperty as P
from application.kit.errors import ValidationFailed
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.uow import UnitOfWork
from domain.custom_field import CustomField, CustomFieldType
from domain.organization import Organization
from tests.contract.conftest import Adapter, owned_organization

ALL = PaginationParams(page=1, limit=100)


async def _field(
    uow: UnitOfWork, adapter: Adapter, organization: Organization, slug: str, **attributes: Any
) -> CustomField:
    values: dict[str, Any] = {"type": CustomFieldType.text, "name": slug.title(), **attributes}
    field = CustomField.create(
        at=adapter.clock.now(), organization_id=organization.id, slug=slug, **values
    )
    await uow.custom_fields.create(field)
    adapter.clock.advance(timedelta(seconds=1))
    return field


async def _slugs(
    uow: UnitOfWork, subject: AuthSubject, *sorting: Sorting[P], **filters: Any
) -> list[str]:
    page = await uow.custom_fields.list_readable(
        subject, filters=CustomFieldFilters(**filters), pagination=ALL, sorting=list(sorting)
    )
    assert page.total_count == len(page.items)
    return [f.slug for f in page.items]


async def test_a_field_round_trips_whole(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, subject = await owned_organization(uow, adapter.clock)
        field = await _field(
            uow,
            adapter,
            organization,
            "size",
            type=CustomFieldType.select,
            properties={
                "form_label": "Size",
                "options": [{"value": "s", "label": "Small"}, {"value": "l", "label": "Large"}],
            },
            metadata={"s": "x", "i": 1, "f": 1.5, "b": True},
        )
        assert await uow.custom_fields.get_readable(subject, field.id) == field
        assert await uow.custom_fields.get_by_slug(organization.id, "size") == field
        assert await uow.custom_fields.get_many([field.id, uuid.uuid4()]) == [field]
        await uow.commit()


async def test_tenancy_soft_deletion_and_unique_slugs(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        mine, me = await owned_organization(uow, adapter.clock)
        theirs, them = await owned_organization(uow, adapter.clock)
        ours = await _field(uow, adapter, mine, "company")
        await _field(uow, adapter, theirs, "company")  # another organization's slug
        itself = AuthSubject.organization(mine.id, MERCHANT_SCOPES)
        for subject in (me, itself):
            assert await _slugs(uow, subject) == ["company"]
        assert await uow.custom_fields.get_readable(them, ours.id) is None
        assert await _slugs(uow, me, organization_ids=[theirs.id]) == []
        await uow.commit()

    async with adapter.uows.write() as uow:
        # A refused write ends its unit of work (PostgreSQL aborts the transaction).
        with pytest.raises(ValidationFailed) as error:
            await _field(uow, adapter, mine, "company")
        assert error.value.errors[0].loc == ("body", "slug")

    async with adapter.uows.write() as uow:
        ours.soft_delete(adapter.clock.now())
        await uow.custom_fields.update(ours)
        assert await uow.custom_fields.get_readable(me, ours.id) is None
        assert await uow.custom_fields.get_by_slug(mine.id, "company") is None
        found = await uow.custom_fields.get_including_deleted(ours.id)
        assert found is not None and found.deleted_at is not None
        await _field(uow, adapter, mine, "company")  # the slug is free again
        await uow.commit()


async def test_filters_and_sorting(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        organization, me = await owned_organization(uow, adapter.clock)
        await _field(uow, adapter, organization, "seats", type=CustomFieldType.number, name="B")
        await _field(uow, adapter, organization, "about", name="C 100%")
        await _field(uow, adapter, organization, "terms", type=CustomFieldType.checkbox, name="A")
        assert await _slugs(uow, me, Sorting(P.slug)) == ["about", "seats", "terms"]
        assert await _slugs(uow, me, Sorting(P.name)) == ["terms", "seats", "about"]
        assert await _slugs(uow, me, Sorting(P.created_at, descending=True)) == [
            "terms",
            "about",
            "seats",
        ]
        assert await _slugs(uow, me, Sorting(P.type), Sorting(P.slug)) == [
            "terms",
            "seats",
            "about",
        ]
        assert await _slugs(uow, me, Sorting(P.slug), query="EA") == ["seats"]
        assert await _slugs(uow, me, Sorting(P.slug), query="%") == ["about"]
        assert await _slugs(
            uow, me, Sorting(P.slug), types=[CustomFieldType.text, CustomFieldType.number]
        ) == ["about", "seats"]
        await uow.commit()
