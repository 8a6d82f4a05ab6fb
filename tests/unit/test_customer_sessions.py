"""Customer sessions on the memory harness: issuing, authenticating as the customer, expiry,
tenancy and the sweep."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from application.auth import CUSTOMER_SCOPES, AuthSubject, SubjectKind
from application.customer_portal.service import authenticated_customer
from application.customer_sessions.commands import CustomerSessionCreate
from application.customer_sessions.service import CustomerSessionService, IssuedCustomerSession
from application.customers.commands import CustomerCreate
from application.customers.service import CustomerService
from application.kit.errors import ResourceNotFound, Unauthorized
from domain.customer import Customer
from domain.customer_session import SESSION_TTL, CustomerSession
from domain.scopes import MERCHANT_SCOPES, Scope
from entrypoints.modules.customer_sessions import sweep_customer_sessions
from tests.unit.conftest import Harness, Tenant, memory_container


@pytest.fixture
def service(harness: Harness) -> CustomerSessionService:
    service: CustomerSessionService = harness.container.customer_session_service()
    return service


async def _customer(harness: Harness, subject: AuthSubject, **fields: Any) -> Customer:
    customers: CustomerService = harness.container.customer_service()
    async with harness.uows.write() as uow:
        customer = await customers.create(
            uow, subject, CustomerCreate.model_validate({"email": "ada@example.com", **fields})
        )
        await uow.commit()
    return customer


async def _issue(
    harness: Harness, service: CustomerSessionService, subject: AuthSubject, **body: Any
) -> IssuedCustomerSession:
    async with harness.uows.write() as uow:
        issued = await service.create(uow, subject, CustomerSessionCreate.model_validate(body))
        await uow.commit()
    return issued


async def _authenticate(harness: Harness, token: str) -> AuthSubject:
    async with harness.uows.read() as uow:
        subject: AuthSubject = await harness.authentication.authenticate(uow, token)
    return subject


def test_a_session_lives_one_hour() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    session = CustomerSession.open(
        token_digest="d", customer_id=uuid.uuid4(), organization_id=uuid.uuid4(), now=now
    )
    assert session.expires_at == now + SESSION_TTL == now + timedelta(hours=1)
    assert session.is_usable(now + timedelta(minutes=59))
    assert not session.is_usable(now + timedelta(hours=1))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"customer_id": "00000000-0000-4000-8000-000000000000", "external_customer_id": "x"},
        {"external_customer_id": ""},
        {"customer_id": "not-a-uuid"},
        {"external_customer_id": "x", "return_url": "not a url"},
        {"external_customer_id": "x", "return_url": "ftp://example.com/"},
    ],
)
def test_the_body_names_exactly_one_customer(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CustomerSessionCreate.model_validate(body)


def test_polar_s_alias_for_the_external_id_is_read() -> None:
    command = CustomerSessionCreate.model_validate({"customer_external_id": "user_1"})
    assert command.external_customer_id == "user_1"


class TestIssuing:
    async def test_by_id_or_external_id_a_token_stored_as_its_digest(
        self, harness: Harness, service: CustomerSessionService
    ) -> None:
        tenant = await harness.tenant()
        ada = await _customer(harness, tenant.itself, external_id="user_1")
        by_id = await _issue(
            harness,
            service,
            tenant.itself,
            customer_id=str(ada.id),
            return_url="https://example.com/account",
        )
        by_external = await _issue(harness, service, tenant.owner, external_customer_id="user_1")
        for issued in (by_id, by_external):
            assert issued.token.startswith("polar_cst_")
            assert issued.customer.id == ada.id
            assert issued.organization.id == tenant.organization.id
            assert issued.session.expires_at == harness.clock.now() + timedelta(hours=1)
        assert by_id.session.return_url == "https://example.com/account"
        assert by_id.token != by_external.token
        stored = list(harness.store.table("customer_sessions").values())
        assert {s.token_digest for s in stored} == {
            harness.hasher.digest(by_id.token),
            harness.hasher.digest(by_external.token),
        }
        assert all(by_id.token not in repr(s) for s in stored)

    async def test_a_foreign_unknown_or_deleted_customer_is_not_found(
        self, harness: Harness, service: CustomerSessionService
    ) -> None:
        tenant = await harness.tenant()
        other = await harness.tenant()
        foreign = await _customer(harness, other.itself, external_id="theirs")
        for body in ({"customer_id": str(foreign.id)}, {"external_customer_id": "theirs"}):
            with pytest.raises(ResourceNotFound):
                await _issue(harness, service, tenant.itself, **body)
            with pytest.raises(ResourceNotFound):
                await _issue(harness, service, tenant.owner, **body)
        with pytest.raises(ResourceNotFound):
            await _issue(harness, service, await harness.outsider(), customer_id=str(foreign.id))

        customers: CustomerService = harness.container.customer_service()
        async with harness.uows.write() as uow:
            mine = await customers.create(
                uow, tenant.itself, CustomerCreate(email="gone@example.com")
            )
            await customers.delete(uow, tenant.itself, mine)
            await uow.commit()
        with pytest.raises(ResourceNotFound):
            await _issue(harness, service, tenant.itself, customer_id=str(mine.id))
        assert harness.store.table("customer_sessions") == {}


class TestAuthenticatingAsTheCustomer:
    async def test_the_token_is_the_customer_with_portal_scopes_only(
        self, harness: Harness, service: CustomerSessionService
    ) -> None:
        tenant = await harness.tenant()
        ada = await _customer(harness, tenant.itself)
        issued = await _issue(harness, service, tenant.itself, customer_id=str(ada.id))
        subject = await _authenticate(harness, issued.token)
        assert subject.kind is SubjectKind.customer and subject.is_customer
        assert (subject.id, subject.organization_id) == (ada.id, tenant.organization.id)
        assert subject.scopes == CUSTOMER_SCOPES
        assert subject.scopes.isdisjoint(MERCHANT_SCOPES)
        assert subject.has_any_scope({Scope.customer_portal_read})
        assert not subject.has_any_scope({Scope.customers_read})
        assert subject.token_id == issued.session.id
        assert subject.expires_at == issued.session.expires_at
        # Nothing to record: a session keeps no `last_used_at`.
        assert harness.usage.drain() == {}
        async with harness.uows.read() as uow:
            assert (await authenticated_customer(uow, subject)).id == ada.id
            # A customer reads none of the merchant's data.
            assert await uow.customers.get_readable(subject, ada.id) is None

    async def test_expired_or_customer_deleted_is_unauthorized(
        self, harness: Harness, service: CustomerSessionService
    ) -> None:
        tenant = await harness.tenant()
        ada = await _customer(harness, tenant.itself)
        issued = await _issue(harness, service, tenant.itself, customer_id=str(ada.id))
        harness.clock.advance(timedelta(minutes=59, seconds=59))
        await _authenticate(harness, issued.token)
        harness.clock.advance(timedelta(seconds=1))
        with pytest.raises(Unauthorized):
            await _authenticate(harness, issued.token)

        bob = await _customer(harness, tenant.itself, email="bob@example.com")
        fresh = await _issue(harness, service, tenant.itself, customer_id=str(bob.id))
        subject = await _authenticate(harness, fresh.token)
        customers: CustomerService = harness.container.customer_service()
        async with harness.uows.write() as uow:
            found = await uow.customers.get_readable(tenant.itself, bob.id)
            assert found is not None
            await customers.delete(uow, tenant.itself, found)
            await uow.commit()
        with pytest.raises(Unauthorized):
            await _authenticate(harness, fresh.token)
        async with harness.uows.read() as uow:
            with pytest.raises(Unauthorized):
                await authenticated_customer(uow, subject)

    async def test_the_cache_never_outlives_the_session(self) -> None:
        harness = Harness(memory_container(auth_cache_ttl=300))
        service: CustomerSessionService = harness.container.customer_session_service()
        tenant = await harness.tenant()
        ada = await _customer(harness, tenant.itself)
        issued = await _issue(harness, service, tenant.itself, customer_id=str(ada.id))
        subject = await _authenticate(harness, issued.token)
        assert harness.authentication.authenticate_cached(issued.token) == subject
        harness.clock.advance(timedelta(hours=1))
        assert harness.authentication.authenticate_cached(issued.token) is None
        with pytest.raises(Unauthorized):
            await _authenticate(harness, issued.token)


async def test_the_sweep_deletes_expired_sessions_only(
    harness: Harness, service: CustomerSessionService
) -> None:
    tenant: Tenant = await harness.tenant()
    ada = await _customer(harness, tenant.itself)
    old = await _issue(harness, service, tenant.itself, customer_id=str(ada.id))
    harness.clock.advance(timedelta(minutes=30))
    new = await _issue(harness, service, tenant.itself, customer_id=str(ada.id))
    harness.clock.advance(timedelta(minutes=30))
    assert await sweep_customer_sessions(harness.container) == 1
    assert set(harness.store.table("customer_sessions")) == {new.session.id}
    assert old.session.id not in harness.store.table("customer_sessions")
    assert await sweep_customer_sessions(harness.container) == 0
