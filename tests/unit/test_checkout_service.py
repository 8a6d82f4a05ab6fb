"""Checkout use cases on the memory harness: creation, amounts, tenancy, client updates,
discount codes, expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application.auth import AuthSubject
from application.checkouts.commands import CheckoutCreate, CheckoutUpdatePublic
from application.checkouts.ports import CheckoutFilters
from application.checkouts.service import (
    CHECKOUT_CREATED,
    CHECKOUT_EXPIRED,
    CHECKOUT_UPDATED,
    CheckoutService,
    ExpiredCheckoutError,
    NotOpenCheckout,
)
from application.checkouts.sorting import DEFAULT_SORTING
from application.discounts.commands import DiscountCreate
from application.kit.errors import ResourceNotFound, ValidationFailed
from application.kit.pagination import PaginationParams
from application.products.commands import ProductCreate
from domain.checkout import CHECKOUT_TTL, Checkout, CheckoutStatus
from domain.product import Product
from entrypoints.modules.checkouts import expire_checkouts
from tests.unit.conftest import Harness

ALL = PaginationParams(page=1, limit=100)
FIXED = {"amount_type": "fixed", "price_amount": 1000}
CUSTOM = {"amount_type": "custom", "minimum_amount": 500, "maximum_amount": 5000}


@pytest.fixture
def service(harness: Harness) -> CheckoutService:
    service: CheckoutService = harness.container.checkout_service()
    return service


async def _product(harness: Harness, subject: AuthSubject, price: dict[str, Any]) -> Product:
    async with harness.uows.write() as uow:
        product: Product = await harness.container.product_service().create(
            uow, subject, ProductCreate.model_validate({"name": "P", "prices": [price]})
        )
        await uow.commit()
    return product


async def _create(
    harness: Harness, service: CheckoutService, subject: AuthSubject, **fields: Any
) -> Checkout:
    async with harness.uows.write() as uow:
        checkout = await service.create(uow, subject, CheckoutCreate.model_validate(fields))
        await uow.commit()
    return checkout


async def _count(harness: Harness, service: CheckoutService, subject: AuthSubject) -> int:
    async with harness.uows.read() as uow:
        page = await service.list(
            uow, subject, filters=CheckoutFilters(), pagination=ALL, sorting=DEFAULT_SORTING
        )
    return page.total_count


async def test_create_prices_the_checkout_and_stays_in_its_tenant(
    harness: Harness, service: CheckoutService
) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    product = await _product(harness, tenant.itself, FIXED)
    checkout = await _create(
        harness, service, tenant.owner, products=[product.id], customer_email="ada@example.com"
    )
    assert checkout.status is CheckoutStatus.open
    assert (checkout.amount, checkout.total_amount, checkout.currency) == (1000, 1000, "usd")
    assert checkout.client_secret.startswith("polar_c_")
    assert checkout.expires_at == checkout.created_at + CHECKOUT_TTL
    assert checkout.organization_id == product.organization_id
    assert checkout.resolved_success_url("x/{CHECKOUT_ID}") == f"x/{checkout.id}"
    assert [j.name for j in harness.queue.sent][-1] == CHECKOUT_CREATED
    async with harness.uows.read() as uow:
        assert (await service.get(uow, tenant.itself, checkout.id)).id == checkout.id
        for subject in (other.owner, other.itself):
            with pytest.raises(ResourceNotFound):
                await service.get(uow, subject, checkout.id)
    assert await _count(harness, service, tenant.itself) == 1
    assert await _count(harness, service, other.itself) == 0


async def test_bad_input_writes_nothing(harness: Harness, service: CheckoutService) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    custom = await _product(harness, tenant.itself, CUSTOM)
    foreign = await _product(harness, other.itself, FIXED)
    with pytest.raises(ValidationFailed) as bounds:
        await _create(harness, service, tenant.itself, products=[custom.id], amount=10)
    assert bounds.value.errors[0].loc == ("body", "amount")
    with pytest.raises(ValidationFailed) as foreign_error:
        await _create(harness, service, tenant.itself, products=[foreign.id])
    assert foreign_error.value.errors[0].loc == ("body", "products", 0)
    assert await _count(harness, service, tenant.itself) == 0
    checkout = await _create(harness, service, tenant.itself, products=[custom.id], amount=700)
    assert checkout.total_amount == 700


async def test_client_update_amount_and_discount_code(
    harness: Harness, service: CheckoutService
) -> None:
    tenant = await harness.tenant()
    custom = await _product(harness, tenant.itself, CUSTOM)
    async with harness.uows.write() as uow:
        await harness.container.discount_service().create(
            uow,
            tenant.itself,
            DiscountCreate.model_validate(
                {"name": "D", "duration": "once", "basis_points": 1000, "code": "TEN"}
            ),
        )
        await uow.commit()
    checkout = await _create(harness, service, tenant.itself, products=[custom.id])
    secret = checkout.client_secret

    async def update(**fields: Any) -> Checkout:
        async with harness.uows.write() as uow:
            found = await service.get_by_client_secret(uow, secret, lock=True)
            updated = await service.update(
                uow, None, found, CheckoutUpdatePublic.model_validate(fields)
            )
            await uow.commit()
        return updated

    with pytest.raises(ValidationFailed) as bounds:
        await update(amount=9000)
    assert bounds.value.errors[0].loc == ("body", "amount")
    with pytest.raises(ValidationFailed) as unknown:
        await update(discount_code="NOPE")
    assert unknown.value.errors[0].loc == ("body", "discount_code")
    updated = await update(amount=2000, discount_code="TEN", customer_name="Ada")
    assert (updated.amount, updated.discount_amount, updated.total_amount) == (2000, 200, 1800)
    assert updated.customer_name == "Ada"
    assert harness.queue.sent[-1].name == CHECKOUT_UPDATED


async def test_expiry_sweep_expires_open_checkouts_once(
    harness: Harness, service: CheckoutService
) -> None:
    tenant = await harness.tenant()
    product = await _product(harness, tenant.itself, FIXED)
    checkout = await _create(harness, service, tenant.itself, products=[product.id])
    assert await expire_checkouts(harness.container) == 0
    harness.clock.advance(CHECKOUT_TTL + timedelta(seconds=1))
    async with harness.uows.read() as uow:
        with pytest.raises(ExpiredCheckoutError):
            await service.get_by_client_secret(uow, checkout.client_secret)
    harness.queue.sent.clear()
    assert await expire_checkouts(harness.container) == 1
    assert await expire_checkouts(harness.container) == 0
    assert [j.name for j in harness.queue.sent] == [CHECKOUT_EXPIRED]
    async with harness.uows.write() as uow:
        expired = await service.get(uow, tenant.itself, checkout.id, lock=True)
        assert expired.status is CheckoutStatus.expired
        with pytest.raises(ExpiredCheckoutError):
            await service.update(uow, None, expired, CheckoutUpdatePublic())
        # The merchant is told it is not open (Polar's 403 on `update`).
        with pytest.raises(NotOpenCheckout):
            await service.update(uow, tenant.itself, expired, CheckoutUpdatePublic())


async def test_a_checkout_not_open_refuses_updates(
    harness: Harness, service: CheckoutService
) -> None:
    tenant = await harness.tenant()
    product = await _product(harness, tenant.itself, FIXED)
    checkout = await _create(harness, service, tenant.itself, products=[product.id])
    checkout.status = CheckoutStatus.confirmed
    async with harness.uows.write() as uow:
        with pytest.raises(NotOpenCheckout):
            await service.update(uow, tenant.itself, checkout, CheckoutUpdatePublic())
