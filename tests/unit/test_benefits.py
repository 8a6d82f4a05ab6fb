"""Benefits on the memory harness: the shared domain rules, the strategy registry (a new type is
one strategy), and the use cases' tenancy, events and rollback."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from application.benefits.commands import BenefitCreate, BenefitUpdate
from application.benefits.ports import BenefitStrategy
from application.benefits.service import BENEFIT_CREATED, BENEFIT_UPDATED, BenefitService
from application.kit.errors import ResourceNotFound, ValidationFailed
from application.products.commands import ProductBenefitsUpdate, ProductCreate
from application.products.service import PRODUCT_UPDATED, ProductService
from application.uow import UnitOfWork
from domain.benefit import (
    MAX_BENEFITS_PER_PRODUCT,
    validate_benefit_list,
    validate_description,
)
from domain.errors import InvariantViolation
from tests.unit.conftest import Harness


class TestDomain:
    @pytest.mark.parametrize("text", ["abc", "  abc  ", "x" * 42])
    def test_description_within_bounds_is_trimmed(self, text: str) -> None:
        assert validate_description(text) == text.strip()

    @pytest.mark.parametrize("text", ["", "ab", "   ab   ", "x" * 43])
    def test_description_out_of_bounds(self, text: str) -> None:
        with pytest.raises(InvariantViolation) as error:
            validate_description(text)
        assert error.value.field == "description"

    def test_benefit_list_refuses_repeats_and_excess(self) -> None:
        a, b = uuid.uuid4(), uuid.uuid4()
        validate_benefit_list([a, b])
        validate_benefit_list([])
        with pytest.raises(InvariantViolation) as error:
            validate_benefit_list([a, b, a])
        assert error.value.field == "benefits.2"
        with pytest.raises(InvariantViolation) as error:
            validate_benefit_list([uuid.uuid4() for _ in range(MAX_BENEFITS_PER_PRODUCT + 1)])
        assert error.value.field == "benefits"


class ShoutStrategy:
    """A type the application has never heard of: registering it is all it takes."""

    type = "shout"

    async def validate_properties(
        self, uow: UnitOfWork, organization_id: uuid.UUID, properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        word = properties.get("word")
        if not isinstance(word, str):
            raise ValidationFailed.single(("body", "properties", "word"), "A word is required.")
        return {"word": word.upper()}


def _service(harness: Harness, *strategies: BenefitStrategy) -> BenefitService:
    """The app's benefit service, or one offering only `strategies`."""
    if not strategies:
        service: BenefitService = harness.container.benefit_service()
        return service
    return BenefitService(harness.clock, {s.type: s for s in strategies})


def _create(**fields: Any) -> BenefitCreate:
    return BenefitCreate.model_validate(
        {"type": "custom", "description": "Perk", "properties": {}, **fields}
    )


async def test_a_registered_strategy_is_a_new_type(harness: Harness) -> None:
    tenant = await harness.tenant()
    service = _service(harness, ShoutStrategy())
    async with harness.uows.write() as uow:
        benefit = await service.create(
            uow, tenant.itself, _create(type="shout", properties={"word": "hey"})
        )
        await uow.commit()
    assert benefit.properties == {"word": "HEY"}
    async with harness.uows.read() as uow:
        stored = await service.get(uow, tenant.owner, benefit.id)
    assert stored.type == "shout" and stored.properties == {"word": "HEY"}
    # Types the registry lacks are refused, naming those it has.
    async with harness.uows.write() as uow:
        with pytest.raises(ValidationFailed) as error:
            await service.create(uow, tenant.itself, _create(type="custom"))
    assert error.value.errors[0].loc == ("body", "type")
    assert "shout" in error.value.errors[0].msg


async def test_refused_properties_store_nothing_and_send_nothing(harness: Harness) -> None:
    tenant = await harness.tenant()
    service = _service(harness, ShoutStrategy())
    async with harness.uows.write() as uow:
        with pytest.raises(ValidationFailed):
            await service.create(uow, tenant.itself, _create(type="shout", properties={}))
    assert harness.store.table("benefits") == {}
    assert harness.queue.sent == []


async def test_update_keeps_the_type_and_sends_an_event(harness: Harness) -> None:
    tenant = await harness.tenant()
    service = _service(harness)
    async with harness.uows.write() as uow:
        benefit = await service.create(
            uow, tenant.owner, _create(organization_id=tenant.organization.id)
        )
        await uow.commit()
    async with harness.uows.write() as uow:
        with pytest.raises(ValidationFailed) as error:
            await service.update(uow, tenant.owner, benefit.id, BenefitUpdate(type="license_keys"))
    assert error.value.errors[0].loc == ("body", "type")
    async with harness.uows.write() as uow:
        updated = await service.update(
            uow,
            tenant.owner,
            benefit.id,
            BenefitUpdate(type="custom", properties={"note": "hi"}),
        )
        await uow.commit()
    assert updated.properties == {"note": "hi"}
    assert updated.modified_at == harness.clock.now()
    # The organization goes with the job: the fan-out looks for endpoints before loading.
    arguments = {"benefit_id": str(benefit.id), "organization_id": str(benefit.organization_id)}
    assert [(j.name, j.arguments) for j in harness.queue.sent] == [
        (BENEFIT_CREATED, arguments),
        (BENEFIT_UPDATED, arguments),
    ]


async def test_another_tenant_sees_nothing(harness: Harness) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    service = _service(harness)
    async with harness.uows.write() as uow:
        benefit = await service.create(uow, tenant.itself, _create())
        await uow.commit()
    async with harness.uows.write() as uow:
        for call in (
            service.get(uow, other.itself, benefit.id),
            service.update(uow, other.owner, benefit.id, BenefitUpdate(type="custom")),
            service.delete(uow, other.itself, benefit.id),
        ):
            with pytest.raises(ResourceNotFound):
                await call


async def test_delete_detaches_and_tells_each_product(harness: Harness) -> None:
    tenant = await harness.tenant()
    service = _service(harness)
    products: ProductService = harness.container.product_service()
    async with harness.uows.write() as uow:
        benefit = await service.create(uow, tenant.itself, _create())
        product = await products.create(
            uow,
            tenant.itself,
            ProductCreate.model_validate(
                {"name": "P", "prices": [{"amount_type": "fixed", "price_amount": 100}]}
            ),
        )
        await products.set_benefits(
            uow, tenant.itself, product.id, ProductBenefitsUpdate(benefits=[benefit.id])
        )
        await uow.commit()
    harness.queue.sent.clear()
    async with harness.uows.write() as uow:
        await service.delete(uow, tenant.itself, benefit.id)
        await uow.commit()
    organization_id = str(benefit.organization_id)
    assert sorted((j.name, tuple(j.arguments.values())) for j in harness.queue.sent) == [
        (BENEFIT_UPDATED, (str(benefit.id), organization_id)),
        (PRODUCT_UPDATED, (str(product.id), organization_id)),
    ]
    async with harness.uows.read() as uow:
        reloaded = await products.get(uow, tenant.itself, product.id)
        deleted = await uow.benefits.get_including_deleted(benefit.id)
    assert reloaded.benefits == []
    assert deleted is not None and deleted.is_deleted
