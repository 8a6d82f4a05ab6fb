"""The in-memory harness for use-case tests: real services over the memory adapters, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.memory.store import MemoryStore
from adapters.memory.uow import InMemoryUnitOfWorkFactory
from adapters.security import HmacTokenHasher
from adapters.usage import BufferedTokenUsageRecorder
from application.auth import MERCHANT_SCOPES, AuthSubject, Scope
from application.bootstrap import BootstrapService
from application.organizations.commands import OrganizationCreate
from application.organizations.service import OrganizationService
from application.tokens.authentication import AuthenticationService
from application.tokens.commands import OrganizationAccessTokenCreate
from application.tokens.service import AccessTokenService
from application.users.service import UserService
from domain.membership import MemberRole, Membership
from domain.organization import Organization

TEST_SECRET = "unit-test-secret"


@dataclass
class Tenant:
    """A user owning an organization, with a token of each kind and the subjects they stand for."""

    user_id: uuid.UUID
    organization: Organization
    personal_token: str
    organization_token: str
    organization_token_id: uuid.UUID

    @property
    def owner(self) -> AuthSubject:
        return AuthSubject.user(self.user_id, MERCHANT_SCOPES)

    @property
    def itself(self) -> AuthSubject:
        """The organization's own token, as a subject."""
        return AuthSubject.organization(
            self.organization.id, MERCHANT_SCOPES, self.organization_token_id
        )


@dataclass
class Harness:
    store: MemoryStore
    clock: FrozenClock
    queue: RecordingJobQueue
    uows: InMemoryUnitOfWorkFactory
    hasher: HmacTokenHasher
    usage: BufferedTokenUsageRecorder
    users: UserService
    organizations: OrganizationService
    tokens: AccessTokenService
    authentication: AuthenticationService
    bootstrap: BootstrapService
    _counter: list[int] = field(default_factory=lambda: [0])

    def _next(self) -> int:
        self._counter[0] += 1
        return self._counter[0]

    async def tenant(
        self, slug: str | None = None, *, scopes: Iterable[Scope] = MERCHANT_SCOPES
    ) -> Tenant:
        n = self._next()
        slug = slug or f"tenant-{n}"
        scopes = list(scopes)
        async with self.uows.write() as uow:
            user, _ = await self.users.get_or_create(uow, f"owner{n}@example.com")
            _, pat = await self.tokens.create_personal(uow, user.id, comment="test", scopes=scopes)
            subject = AuthSubject.user(user.id, MERCHANT_SCOPES)
            organization = await self.organizations.create(
                uow, subject, OrganizationCreate(name=f"Tenant {n}", slug=slug)
            )
            oat_record, oat = await self.tokens.create_organization_token(
                uow,
                subject,
                OrganizationAccessTokenCreate(
                    organization_id=organization.id, comment="test", scopes=scopes
                ),
            )
            await uow.commit()
        return Tenant(user.id, organization, pat, oat, oat_record.id)

    async def member(
        self, tenant: Tenant, role: MemberRole, *, email: str | None = None
    ) -> AuthSubject:
        """Another user of the tenant's organization with `role`, as a subject with every scope."""
        email = email or f"member{self._next()}@example.com"
        async with self.uows.write() as uow:
            user, _ = await self.users.get_or_create(uow, email)
            await uow.memberships.create(
                Membership(
                    user_id=user.id,
                    organization_id=tenant.organization.id,
                    role=role,
                    created_at=self.clock.now(),
                )
            )
            await uow.commit()
        return AuthSubject.user(user.id, MERCHANT_SCOPES)

    async def outsider(self) -> AuthSubject:
        """A user belonging to no organization."""
        async with self.uows.write() as uow:
            user, _ = await self.users.get_or_create(uow, f"outsider{self._next()}@example.com")
            await uow.commit()
        return AuthSubject.user(user.id, MERCHANT_SCOPES)


@pytest.fixture
def harness() -> Harness:
    store = MemoryStore()
    clock = FrozenClock()
    queue = RecordingJobQueue()
    hasher = HmacTokenHasher(TEST_SECRET)
    usage = BufferedTokenUsageRecorder()
    users = UserService(clock)
    organizations = OrganizationService(clock)
    tokens = AccessTokenService(clock, hasher)
    return Harness(
        store=store,
        clock=clock,
        queue=queue,
        uows=InMemoryUnitOfWorkFactory(store, clock, queue),
        hasher=hasher,
        usage=usage,
        users=users,
        organizations=organizations,
        tokens=tokens,
        authentication=AuthenticationService(clock, hasher, usage),
        bootstrap=BootstrapService(clock, users, organizations, tokens),
    )
