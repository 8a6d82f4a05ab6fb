"""Checkout link use cases on the memory harness, and the domain's rules: products of one
organization, presets that the chosen price does not allow ignored when a link opens a
checkout, the query's metadata, no events of their own."""

from __future__ import annotations

import uuid
from typing import Any

import pydantic
import pytest

from application.auth import AuthSubject
from application.checkout_links.commands import CheckoutLinkCreate, CheckoutLinkUpdate
from application.checkout_links.service import CheckoutLinkService, RedirectQuery
from application.checkouts.service import CHECKOUT_CREATED
from application.kit.errors import ResourceNotFound, ValidationFailed
from application.products.commands import ProductCreate
from domain.checkout_link import CheckoutLink
from domain.errors import InvariantViolation
from domain.product import Product
from tests.unit.conftest import Harness

FIXED = {"amount_type": "fixed", "price_amount": 1000}
CUSTOM = {"amount_type": "custom", "minimum_amount": 500, "maximum_amount": 5000}
SEATS = {
    "amount_type": "seat_based",
    "seat_tiers": {"tiers": [{"min_seats": 1, "max_seats": 10, "price_per_seat": 100}]},
}


@pytest.fixture
def service(harness: Harness) -> CheckoutLinkService:
    service: CheckoutLinkService = harness.container.checkout_link_service()
    return service


async def _product(harness: Harness, subject: AuthSubject, price: dict[str, Any]) -> Product:
    async with harness.uows.write() as uow:
        product: Product = await harness.container.product_service().create(
            uow, subject, ProductCreate.model_validate({"name": "P", "prices": [price]})
        )
        await uow.commit()
    return product


async def _create(
    harness: Harness, service: CheckoutLinkService, subject: AuthSubject, **fields: Any
) -> CheckoutLink:
    fields.setdefault("payment_processor", "stripe")
    async with harness.uows.write() as uow:
        link = await service.create(uow, subject, CheckoutLinkCreate.model_validate(fields))
        await uow.commit()
    return link


def test_the_domain_keeps_its_rules() -> None:
    with pytest.raises(InvariantViolation):
        CheckoutLink(organization_id=uuid.uuid4()).validate()
    product = uuid.uuid4()
    with pytest.raises(InvariantViolation):
        CheckoutLink(organization_id=uuid.uuid4(), product_ids=[product, product]).validate()
    link = CheckoutLink(organization_id=uuid.uuid4(), product_ids=[product], metadata={"a": 1})
    assert link.client_secret.startswith("polar_cl_")
    assert link.client_secret != CheckoutLink(organization_id=uuid.uuid4()).client_secret
    assert link.query_metadata({"utm_source": "x", "utm_term": "", "other": "y"}) == {
        "a": 1,
        "utm_source": "x",
    }


async def test_create_update_and_no_events(harness: Harness, service: CheckoutLinkService) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    product = await _product(harness, tenant.itself, FIXED)
    foreign = await _product(harness, other.itself, FIXED)
    harness.queue.sent.clear()
    link = await _create(harness, service, tenant.owner, products=[product.id], label="L")
    assert link.organization_id == tenant.organization.id and link.product_ids == [product.id]
    assert harness.queue.sent == []
    with pytest.raises(ValidationFailed):
        await _create(harness, service, tenant.owner, products=[product.id, foreign.id])
    with pytest.raises(pydantic.ValidationError):
        await _create(harness, service, tenant.owner, products=[product.id], product_id=product.id)
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceNotFound):
            await service.get(uow, other.owner, link.id)
        found = await service.get(uow, tenant.owner, link.id, lock=True)
        with pytest.raises(ValidationFailed):
            await service.update(
                uow,
                tenant.owner,
                found,
                CheckoutLinkUpdate.model_validate({"products": [foreign.id]}),
            )
        updated = await service.update(
            uow, tenant.owner, found, CheckoutLinkUpdate.model_validate({"label": None, "seats": 3})
        )
        await uow.commit()
    assert (updated.label, updated.seats, updated.product_ids) == (None, 3, [product.id])


async def test_opening_ignores_presets_the_price_does_not_allow(
    harness: Harness, service: CheckoutLinkService
) -> None:
    tenant = await harness.tenant()
    seats = await _product(harness, tenant.itself, SEATS)
    custom = await _product(harness, tenant.itself, CUSTOM)
    link = await _create(harness, service, tenant.owner, products=[seats.id, custom.id], seats=50)
    harness.queue.sent.clear()
    async with harness.uows.write() as uow:
        checkout = await service.open(uow, link.client_secret, RedirectQuery(amount="700"))
        await uow.commit()
    # 50 seats is more than the tiers allow: the price's minimum instead.
    assert (checkout.product_id, checkout.seats, checkout.amount) == (seats.id, 1, 100)
    assert checkout.product_ids == [seats.id, custom.id]
    assert [j.name for j in harness.queue.sent] == [CHECKOUT_CREATED]
    async with harness.uows.write() as uow:
        chosen = await service.open(
            uow, link.client_secret, RedirectQuery(product_id=custom.id, amount="700.9")
        )
        await uow.commit()
    assert (chosen.product_id, chosen.amount) == (custom.id, 700)


async def test_a_link_without_live_products_opens_nothing(
    harness: Harness, service: CheckoutLinkService
) -> None:
    tenant = await harness.tenant()
    product = await _product(harness, tenant.itself, FIXED)
    link = await _create(harness, service, tenant.owner, products=[product.id])
    async with harness.uows.write() as uow:
        stored = await uow.products.get(product.id)
        assert stored is not None
        stored.archive(harness.clock.now())
        await uow.products.update(stored)
        await uow.commit()
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceNotFound):
            await service.open(uow, link.client_secret, RedirectQuery())
        with pytest.raises(ResourceNotFound):
            await service.open(uow, "polar_cl_unknown", RedirectQuery())
