"""Customer session use cases.

A merchant (its organization token, or a member's token) holding `customer_sessions:write`
opens a session for one of its customers: a `polar_cst_` token, shown once, with which the
customer authenticates (application/tokens/authentication.py) for an hour. A customer the
subject cannot read, or a deleted one, is not found, whoever owns it.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.auth import AuthSubject
from application.customer_sessions.commands import CustomerSessionCreate
from application.customer_sessions.ports import CustomerSessionUnitOfWork
from application.customers.service import NOT_FOUND
from application.kit.errors import ResourceNotFound
from application.ports import Clock, TokenHasher
from domain.access_token import TokenKind
from domain.customer import Customer
from domain.customer_session import CustomerSession
from domain.organization import Organization

# Expired sessions the sweep deletes per statement.
SWEEP_BATCH = 1000


@dataclass(frozen=True)
class IssuedCustomerSession:
    """A new session with its token, the only time the token is known."""

    session: CustomerSession
    token: str
    customer: Customer
    organization: Organization


class CustomerSessionService:
    def __init__(self, clock: Clock, hasher: TokenHasher) -> None:
        self.clock = clock
        self.hasher = hasher

    async def create(
        self, uow: CustomerSessionUnitOfWork, subject: AuthSubject, command: CustomerSessionCreate
    ) -> IssuedCustomerSession:
        if command.customer_id is not None:
            customer = await uow.customers.get_readable(subject, command.customer_id)
        else:
            assert command.external_customer_id is not None
            customer = await uow.customers.get_readable_by_external_id(
                subject, command.external_customer_id
            )
        if customer is None:
            raise ResourceNotFound(NOT_FOUND)
        organization = await uow.organizations.get_readable(subject, customer.organization_id)
        if organization is None:
            raise ResourceNotFound(NOT_FOUND)
        return_url = None if command.return_url is None else str(command.return_url)
        session, token = await self.issue(uow, customer, return_url=return_url)
        return IssuedCustomerSession(session, token, customer, organization)

    async def issue(
        self, uow: CustomerSessionUnitOfWork, customer: Customer, *, return_url: str | None = None
    ) -> tuple[CustomerSession, str]:
        """A new session of `customer` and its token (known only now): a checkout's buyer gets
        one at confirm, to reach the customer portal."""
        token = self.hasher.generate(TokenKind.customer_session.value)
        session = CustomerSession.open(
            token_digest=self.hasher.digest(token),
            customer_id=customer.id,
            organization_id=customer.organization_id,
            now=self.clock.now(),
            return_url=return_url,
        )
        await uow.customer_sessions.create(session)
        return session, token

    async def sweep_expired(
        self, uow: CustomerSessionUnitOfWork, *, limit: int = SWEEP_BATCH
    ) -> int:
        """Delete up to `limit` expired sessions; returns how many."""
        return await uow.customer_sessions.delete_expired(self.clock.now(), limit=limit)
