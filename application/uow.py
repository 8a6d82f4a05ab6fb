"""The unit of work: one transaction, its repositories, and the jobs it will send."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from application.benefits.ports import BenefitRepository
from application.discounts.ports import DiscountRepository
from application.files.ports import FileRepository
from application.meters.ports import MeterRepository
from application.organizations.ports import MembershipRepository, OrganizationRepository
from application.ports import JobArgument
from application.products.ports import ProductRepository
from application.tokens.ports import (
    OrganizationAccessTokenRepository,
    PersonalAccessTokenRepository,
)
from application.users.ports import UserRepository
from application.webhooks.ports import (
    WebhookDeliveryRepository,
    WebhookEndpointRepository,
    WebhookEventRepository,
)


class UnitOfWork(Protocol):
    """Repositories sharing one transaction.

    Use cases read and write through the repositories and call `enqueue`; they never commit.
    The boundary (an HTTP route, a worker task) calls `commit` once the use case returned.
    Leaving the unit of work without committing rolls everything back, enqueued jobs included.
    Enqueued jobs are written to an outbox in the same transaction and sent after the commit.
    """

    users: UserRepository
    organizations: OrganizationRepository
    memberships: MembershipRepository
    personal_access_tokens: PersonalAccessTokenRepository
    organization_access_tokens: OrganizationAccessTokenRepository
    discounts: DiscountRepository
    files: FileRepository
    products: ProductRepository
    benefits: BenefitRepository
    meters: MeterRepository
    webhook_endpoints: WebhookEndpointRepository
    webhook_events: WebhookEventRepository
    webhook_deliveries: WebhookDeliveryRepository

    def enqueue(self, job_name: str, **arguments: JobArgument) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def write(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-write unit of work on the primary database."""
        ...

    def read(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-only unit of work, on a replica when one is configured. `enqueue` is refused."""
        ...
