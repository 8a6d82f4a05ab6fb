"""Test wiring: connection sources and quick ways to create tenants and their tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from polar.base import deserialize
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from application.auth import MERCHANT_SCOPES, AuthSubject, Scope
from application.files.ports import PUBLIC_PREFIX
from application.organizations.commands import OrganizationCreate
from application.organizations.service import OrganizationService
from application.tokens.commands import OrganizationAccessTokenCreate
from application.tokens.service import AccessTokenService
from application.uow import UnitOfWorkFactory
from application.users.service import UserService
from domain.file import File, FileService, UploadState
from domain.membership import MemberRole, Membership
from domain.meter import (
    Aggregation,
    AggregationFunction,
    Filter,
    FilterClause,
    FilterConjunction,
    FilterOperator,
    Meter,
)
from domain.organization import Organization
from domain.payment import CardMetadata, Payment, PaymentStatus
from domain.webhook import EventStatus, WebhookDelivery, WebhookEvent


@dataclass(frozen=True)
class Sent:
    """A statement as it was sent: its SQL, its parameters, and SQLAlchemy's cursor (None for
    a statement run on the driver directly, see adapters/sqlalchemy/kit/direct.py)."""

    sql: str
    parameters: Any
    cursor: Any


@contextmanager
def statements_sent(bind: AsyncEngine | AsyncConnection) -> Iterator[list[Sent]]:
    """The statements the engine's connections send while the block runs (the engine's
    `before_cursor_execute`, which direct statements report too)."""
    sent: list[Sent] = []

    def record(conn: Any, cursor: Any, sql: str, parameters: Any, *args: Any) -> None:
        sent.append(Sent(sql, parameters, cursor))

    engine = bind.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def error_loc(response: Any) -> list[Any]:
    """The location of a 422's first error (the response must be a 422)."""
    assert response.status_code == 422, response.text
    return list(response.json()["detail"][0]["loc"])


async def listed(client: Any, path: str, tenant: Tenant, model: Any = None) -> list[Any]:
    """Every item (up to 100) the tenant's organization token lists at `path`, in full, checked
    against the client's list `model` when given: compared before and after a refused request."""
    response = await client.get(path, params={"limit": 100}, headers=tenant.headers("organization"))
    assert response.status_code == 200, response.text
    if model is not None:
        deserialize(response.json(), model)
    return list(response.json()["items"])


class ShiftableClock:
    """Real time plus an offset the test moves forward (e.g. past a token's expiry)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class SharedConnectionSource:
    """Every unit of work gets the test's connection (already inside a transaction)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    @asynccontextmanager
    async def connect(self, *, write: bool) -> AsyncIterator[AsyncConnection]:
        yield self.connection


@dataclass
class Tenant:
    """A user who owns an organization, with a token of each kind."""

    user_id: uuid.UUID
    organization: Organization
    personal_token: str
    organization_token: str
    organization_token_id: uuid.UUID
    email: str

    @property
    def owner(self) -> AuthSubject:
        """The owner, as a subject with every merchant scope."""
        return AuthSubject.user(self.user_id, MERCHANT_SCOPES)

    @property
    def itself(self) -> AuthSubject:
        """The organization's own token, as a subject with every merchant scope."""
        return AuthSubject.organization(
            self.organization.id, MERCHANT_SCOPES, self.organization_token_id
        )

    def headers(self, kind: str) -> dict[str, str]:
        token = self.personal_token if kind == "user" else self.organization_token
        return {"Authorization": f"Bearer {token}"}

    def body(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """`body` as a token of `kind` sends it: a user token names the organization (unless the
        body already does); an organization token writes to its own."""
        if kind == "user" and "organization_id" not in body:
            return {**body, "organization_id": str(self.organization.id)}
        return body


@dataclass(frozen=True)
class Member:
    """Another user of a tenant's organization, with a personal token."""

    user_id: uuid.UUID
    token: str
    scopes: frozenset[Scope]

    @property
    def subject(self) -> AuthSubject:
        return AuthSubject.user(self.user_id, self.scopes)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Seeder:
    """Tenants and what they own, created through the real use cases: one builder for every
    test layer (the memory container of tests/unit, the PostgreSQL one of tests/api)."""

    def __init__(
        self,
        uows: UnitOfWorkFactory,
        users: UserService,
        organizations: OrganizationService,
        tokens: AccessTokenService,
    ) -> None:
        self.uows = uows
        self.users = users
        self.organizations = organizations
        self.tokens = tokens
        self.counter = 0

    @classmethod
    def of(cls, container: Any) -> Seeder:
        return cls(
            container.uow_factory(),
            container.user_service(),
            container.organization_service(),
            container.token_service(),
        )

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    async def tenant(
        self,
        slug: str | None = None,
        *,
        name: str | None = None,
        scopes: Iterable[Scope] = MERCHANT_SCOPES,
        expires_in: timedelta | None = None,
    ) -> Tenant:
        n = self._next()
        email = f"owner{n}-{uuid.uuid4().hex[:6]}@example.com"
        name = name or f"Tenant {n} {uuid.uuid4().hex[:6]}"
        slug = slug or f"tenant-{uuid.uuid4().hex[:10]}"
        scopes = list(scopes)
        async with self.uows.write() as uow:
            user, _ = await self.users.get_or_create(uow, email)
            _, pat = await self.tokens.create_personal(
                uow, user.id, comment="test", scopes=scopes, expires_in=expires_in
            )
            subject = AuthSubject.user(user.id, MERCHANT_SCOPES)
            organization = await self.organizations.create(
                uow, subject, OrganizationCreate(name=name, slug=slug)
            )
            record, oat = await self.tokens.create_organization_token(
                uow,
                subject,
                OrganizationAccessTokenCreate(
                    organization_id=organization.id,
                    comment="test",
                    scopes=scopes,
                    expires_in=expires_in,
                ),
            )
            await uow.commit()
        return Tenant(user.id, organization, pat, oat, record.id, email)

    async def member(
        self,
        tenant: Tenant,
        role: MemberRole,
        *,
        scopes: Iterable[Scope] = MERCHANT_SCOPES,
        email: str | None = None,
    ) -> Member:
        """A second user of the tenant's organization with `role`."""
        email = email or f"member{self._next()}-{uuid.uuid4().hex[:6]}@example.com"
        scopes = frozenset(scopes)
        async with self.uows.write() as uow:
            user, _ = await self.users.get_or_create(uow, email)
            await uow.memberships.create(
                Membership(user_id=user.id, organization_id=tenant.organization.id, role=role)
            )
            _, pat = await self.tokens.create_personal(
                uow, user.id, comment="test", scopes=list(scopes)
            )
            await uow.commit()
        return Member(user.id, pat, scopes)

    async def outsider(self) -> AuthSubject:
        """A user belonging to no organization."""
        email = f"outsider{self._next()}-{uuid.uuid4().hex[:6]}@example.com"
        async with self.uows.write() as uow:
            user, _ = await self.users.get_or_create(uow, email)
            await uow.commit()
        return AuthSubject.user(user.id, MERCHANT_SCOPES)

    async def file(
        self,
        tenant: Tenant,
        *,
        service: FileService = FileService.downloadable,
        uploaded: bool = True,
        deleted: bool = False,
    ) -> File:
        """A file record of the tenant's organization, as the upload flow leaves it (the bytes
        themselves are not stored: benefits only check the record)."""
        n = self._next()
        prefix = PUBLIC_PREFIX if service.is_public else ""
        file = File(
            organization_id=tenant.organization.id,
            name=f"file-{n}.zip",
            mime_type="application/zip",
            size=1024,
            service=service,
            path=f"{prefix}{tenant.organization.id}/{uuid.uuid4()}.zip",
            upload_state=UploadState.uploaded if uploaded else UploadState.pending,
        )
        if deleted:
            file.soft_delete(file.created_at)
        async with self.uows.write() as uow:
            await uow.files.create(file)
            await uow.commit()
        return file

    async def meter(
        self, tenant: Tenant, *, name: str = "API calls", archived: bool = False
    ) -> Meter:
        """A meter of the tenant's organization counting `api_call` events."""
        meter = Meter(
            organization_id=tenant.organization.id,
            name=name,
            filter=Filter(
                FilterConjunction.and_,
                (FilterClause("name", FilterOperator.eq, "api_call"),),
            ),
            aggregation=Aggregation(AggregationFunction.cnt),
        )
        if archived:
            meter.archive(meter.created_at)
        async with self.uows.write() as uow:
            await uow.meters.create(meter)
            await uow.commit()
        return meter

    async def payment(
        self,
        tenant: Tenant,
        *,
        status: PaymentStatus = PaymentStatus.pending,
        amount: int = 1000,
        currency: str = "usd",
        checkout_id: uuid.UUID | None = None,
        customer_email: str | None = "buyer@example.com",
        processor_id: str | None = None,
    ) -> Payment:
        """A payment of the tenant's organization, as a checkout records it (payments are never
        created through the API)."""
        payment = Payment(
            organization_id=tenant.organization.id,
            processor_id=processor_id or f"pi_test_{uuid.uuid4().hex}",
            amount=amount,
            currency=currency,
            status=status,
            method_metadata=CardMetadata(brand="visa", last4="4242"),
            customer_email=customer_email,
            checkout_id=checkout_id,
        )
        if status is PaymentStatus.failed:
            payment.decline_reason = "card_declined"
            payment.decline_message = "Your card was declined."
        async with self.uows.write() as uow:
            await uow.payments.create(payment)
            await uow.commit()
        return payment

    async def webhook_event(
        self, tenant: Tenant, endpoint_id: uuid.UUID, *, type: str = "product.created"
    ) -> WebhookEvent:
        """An event of the tenant's endpoint, sent once with success (one delivery), as the
        delivery job leaves it."""
        payload = f'{{"type": "{type}", "data": {{"organization_id": "{tenant.organization.id}"}}}}'
        event = WebhookEvent(
            endpoint_id=endpoint_id,
            organization_id=tenant.organization.id,
            type=type,
            payload=payload,
            status=EventStatus.succeeded,
            attempts=1,
            last_http_code=200,
            succeeded=True,
        )
        delivery = WebhookDelivery(
            event_id=event.id,
            endpoint_id=endpoint_id,
            organization_id=tenant.organization.id,
            succeeded=True,
            http_code=200,
            response="ok",
        )
        async with self.uows.write() as uow:
            await uow.webhook_events.add_new([event])
            await uow.webhook_deliveries.create(delivery)
            await uow.commit()
        return event
