"""Benefit grant use cases: granting and revoking benefits in jobs, and reading grants.

Other modules (orders, subscriptions) call `enqueue_grants` / `enqueue_revokes` inside their own
unit of work: one job per benefit, sent once that unit of work commits. The job handlers
(`grant`, `revoke`) are:

- idempotent: a grant is unique per customer, benefit, order and subscription; granting a
  granted grant, or revoking a revoked one, changes nothing and tells no one;
- order-proof: jobs are delivered at least once and in no particular order, so a revoke that
  finds no grant records a tombstone (domain/benefit_grant.py) that a later grant job obeys, and
  an order's grant once revoked is not granted again by a grant job (a redelivered one must not
  undo the refund). A subscription's revoked grant may be granted again;
- serialized: the grant's row is claimed (inserted or found) and locked first, so concurrent
  runs of one scope happen one after the other (a grant and a revoke too); a grant also holds
  its customer (FOR SHARE), so a concurrent deletion of the customer commits before the grant
  job reads it (which then grants nothing) or after the grant is committed (which the deletion's
  `benefit.revoke_customer` then finds);
- retried: any error leaves the unit of work uncommitted and the job system retries with
  backoff (adapters/taskiq/broker.py). A customer or benefit not found at all is raised as
  `GrantTargetNotFoundYet` (retried); a deleted one is skipped.

Each type's work is its strategy's (`BenefitStrategy.grant` / `revoke`), whose returned
properties the grant keeps. Webhooks: `benefit_grant.created` (first granted), `.updated`
(granted again, or its properties changed), `.revoked`. A tombstone, never a grant, tells no
one and is not listed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from application.auth import AuthSubject
from application.benefit_grants.ports import (
    BenefitGrantFilters,
    BenefitGrantUnitOfWork,
    GrantScope,
    GrantView,
)
from application.benefit_grants.sorting import BenefitGrantSortProperty
from application.benefits.ports import BenefitStrategies
from application.kit.errors import ApplicationError
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.ports import Clock
from domain.benefit import Benefit
from domain.benefit_grant import BenefitGrant
from domain.customer import Customer

log = logging.getLogger("meridian.benefit_grants")

# Jobs (not webhook events: those are `benefit_grant.*`).
GRANT_JOB = "benefit.grant"
REVOKE_JOB = "benefit.revoke"
# Revoke every grant of a customer (deleted): one `benefit.revoke` per grant follows.
REVOKE_CUSTOMER_JOB = "benefit.revoke_customer"
# Webhook events.
BENEFIT_GRANT_CREATED = "benefit_grant.created"
BENEFIT_GRANT_UPDATED = "benefit_grant.updated"
BENEFIT_GRANT_REVOKED = "benefit_grant.revoked"


class GrantTargetNotFoundYet(ApplicationError):
    """The customer or the benefit of a grant job is not there (not committed yet): the job is
    retried."""

    def __init__(self, what: str, id: uuid.UUID) -> None:
        super().__init__(f"No {what} {id} yet; the job will be retried.")


def _job_arguments(
    customer_id: uuid.UUID,
    benefit_id: uuid.UUID,
    order_id: uuid.UUID | None,
    subscription_id: uuid.UUID | None,
) -> dict[str, str | None]:
    return {
        "customer_id": str(customer_id),
        "benefit_id": str(benefit_id),
        "order_id": None if order_id is None else str(order_id),
        "subscription_id": None if subscription_id is None else str(subscription_id),
    }


class BenefitGrantService:
    def __init__(self, clock: Clock, strategies: BenefitStrategies) -> None:
        self.clock = clock
        self.strategies = strategies

    # --- The seam other modules call ----------------------------------------------------------

    def enqueue_grants(
        self,
        uow: BenefitGrantUnitOfWork,
        *,
        customer_id: uuid.UUID,
        benefit_ids: Sequence[uuid.UUID],
        order_id: uuid.UUID | None = None,
        subscription_id: uuid.UUID | None = None,
    ) -> None:
        """One `benefit.grant` job per benefit, sent when `uow` commits."""
        for benefit_id in dict.fromkeys(benefit_ids):
            uow.enqueue(
                GRANT_JOB, **_job_arguments(customer_id, benefit_id, order_id, subscription_id)
            )

    def enqueue_revokes(
        self,
        uow: BenefitGrantUnitOfWork,
        *,
        customer_id: uuid.UUID,
        benefit_ids: Sequence[uuid.UUID],
        order_id: uuid.UUID | None = None,
        subscription_id: uuid.UUID | None = None,
    ) -> None:
        """One `benefit.revoke` job per benefit, sent when `uow` commits."""
        for benefit_id in dict.fromkeys(benefit_ids):
            uow.enqueue(
                REVOKE_JOB, **_job_arguments(customer_id, benefit_id, order_id, subscription_id)
            )

    def enqueue_revoke_customer(self, uow: BenefitGrantUnitOfWork, customer_id: uuid.UUID) -> None:
        """Revoke everything the customer was granted (it was deleted), by job, sent when `uow`
        commits."""
        uow.enqueue(REVOKE_CUSTOMER_JOB, customer_id=str(customer_id))

    # --- The jobs ------------------------------------------------------------------------------

    async def revoke_customer(self, uow: BenefitGrantUnitOfWork, customer_id: uuid.UUID) -> int:
        """One `benefit.revoke` job per grant the customer holds; how many."""
        return self._revoke_each(uow, await uow.benefit_grants.granted_of_customer(customer_id))

    async def revoke_order(
        self,
        uow: BenefitGrantUnitOfWork,
        order_id: uuid.UUID,
        *,
        customer_id: uuid.UUID,
        benefit_ids: Sequence[uuid.UUID] = (),
    ) -> int:
        """One `benefit.revoke` job per grant the order made (refunded with
        `revoke_benefits`), whatever the product grants today, and per benefit of
        `benefit_ids` (what the product grants) the order's grant jobs may not have granted
        yet: those revokes leave tombstones the grant jobs then obey. How many."""
        scopes = dict.fromkeys(await uow.benefit_grants.granted_of_order(order_id))
        for benefit_id in benefit_ids:
            scopes.setdefault(GrantScope(customer_id, benefit_id, order_id=order_id))
        return self._revoke_each(uow, list(scopes))

    def _revoke_each(self, uow: BenefitGrantUnitOfWork, scopes: Sequence[GrantScope]) -> int:
        for scope in scopes:
            self.enqueue_revokes(
                uow,
                customer_id=scope.customer_id,
                benefit_ids=[scope.benefit_id],
                order_id=scope.order_id,
                subscription_id=scope.subscription_id,
            )
        return len(scopes)

    async def _targets(
        self, uow: BenefitGrantUnitOfWork, scope: GrantScope, *, hold_customer: bool
    ) -> tuple[Customer, Benefit] | None:
        """The scope's customer (held FOR SHARE with `hold_customer`) and benefit, even
        deleted; None when they are of different organizations."""
        if hold_customer:
            customer = await uow.customers.get_including_deleted_for_share(scope.customer_id)
        else:
            customer = await uow.customers.get_including_deleted(scope.customer_id)
        if customer is None:
            raise GrantTargetNotFoundYet("customer", scope.customer_id)
        benefit = await uow.benefits.get_including_deleted(scope.benefit_id)
        if benefit is None:
            raise GrantTargetNotFoundYet("benefit", scope.benefit_id)
        if customer.organization_id != benefit.organization_id:
            log.warning("grant %s: customer and benefit of different organizations", scope)
            return None
        return customer, benefit

    async def grant(
        self,
        uow: BenefitGrantUnitOfWork,
        *,
        customer_id: uuid.UUID,
        benefit_id: uuid.UUID,
        order_id: uuid.UUID | None = None,
        subscription_id: uuid.UUID | None = None,
    ) -> BenefitGrant | None:
        """Grant the benefit (the `benefit.grant` job). Idempotent; None when skipped. A scope
        revoked for good (a tombstone, a revoked order's grant) is left as it is and returned."""
        scope = GrantScope(customer_id, benefit_id, order_id, subscription_id)
        targets = await self._targets(uow, scope, hold_customer=True)
        if targets is None:
            return None
        customer, benefit = targets
        if customer.is_deleted or benefit.is_deleted:
            log.info("grant %s skipped: customer or benefit deleted", scope)
            return None
        grant, created = await uow.benefit_grants.claim(
            BenefitGrant(
                created_at=self.clock.now(),
                organization_id=benefit.organization_id,
                customer_id=customer_id,
                benefit_id=benefit_id,
                order_id=order_id,
                subscription_id=subscription_id,
            )
        )
        if grant.is_granted:
            return grant
        if not grant.is_grantable:
            log.info("grant %s skipped: revoked for good", scope)
            return grant
        now = self.clock.now()
        strategy = self.strategies[benefit.type]
        properties = await strategy.grant(uow, benefit, grant, now)
        grant.grant(now, properties)
        await uow.benefit_grants.update(grant)
        uow.enqueue(
            BENEFIT_GRANT_CREATED if created else BENEFIT_GRANT_UPDATED,
            benefit_grant_id=str(grant.id),
            organization_id=str(grant.organization_id),
        )
        return grant

    async def revoke(
        self,
        uow: BenefitGrantUnitOfWork,
        *,
        customer_id: uuid.UUID,
        benefit_id: uuid.UUID,
        order_id: uuid.UUID | None = None,
        subscription_id: uuid.UUID | None = None,
    ) -> BenefitGrant | None:
        """Revoke the benefit (the `benefit.revoke` job). Idempotent: a revoked grant changes
        nothing. A scope with no grant yet (its grant job has not run) is recorded revoked, as a
        tombstone that tells no one: the grant job, when it runs, grants nothing."""
        scope = GrantScope(customer_id, benefit_id, order_id, subscription_id)
        grant = await uow.benefit_grants.get_for_scope(scope, lock=True)
        if grant is None:
            grant = await self._tombstone(uow, scope)
        if grant is None or grant.is_revoked:
            return grant
        now = self.clock.now()
        properties = grant.properties
        benefit = await uow.benefits.get_including_deleted(benefit_id)
        if benefit is not None:
            properties = await self.strategies[benefit.type].revoke(uow, benefit, grant, now)
        grant.revoke(now, properties)
        await uow.benefit_grants.update(grant)
        uow.enqueue(
            BENEFIT_GRANT_REVOKED,
            benefit_grant_id=str(grant.id),
            organization_id=str(grant.organization_id),
        )
        return grant

    async def _tombstone(
        self, uow: BenefitGrantUnitOfWork, scope: GrantScope
    ) -> BenefitGrant | None:
        """The scope's grant, claimed: a tombstone inserted when there was none (returned
        revoked), else the grant a concurrent grant job committed meanwhile (locked, to be
        revoked). None when the customer or the benefit is gone or they do not match."""
        customer = await uow.customers.get_including_deleted(scope.customer_id)
        benefit = await uow.benefits.get_including_deleted(scope.benefit_id)
        if customer is None or benefit is None:
            log.info("revoke %s: no customer or benefit, nothing to record", scope)
            return None
        if customer.organization_id != benefit.organization_id:
            log.warning("revoke %s: customer and benefit of different organizations", scope)
            return None
        grant, created = await uow.benefit_grants.claim(
            BenefitGrant.tombstone(
                at=self.clock.now(),
                organization_id=benefit.organization_id,
                customer_id=scope.customer_id,
                benefit_id=scope.benefit_id,
                order_id=scope.order_id,
                subscription_id=scope.subscription_id,
            )
        )
        if created:
            log.info(
                "revoke %s before any grant: recorded, the grant job will grant nothing", scope
            )
        return grant

    # --- Reads -----------------------------------------------------------------------------------

    async def views(
        self, uow: BenefitGrantUnitOfWork, grants: Sequence[BenefitGrant]
    ) -> list[GrantView]:
        """The grants with their customer and benefit (each read once)."""
        customers: dict[uuid.UUID, Customer | None] = {}
        benefits: dict[uuid.UUID, Benefit | None] = {}
        views = []
        for grant in grants:
            if grant.customer_id not in customers:
                customers[grant.customer_id] = await uow.customers.get_including_deleted(
                    grant.customer_id
                )
            if grant.benefit_id not in benefits:
                benefits[grant.benefit_id] = await uow.benefits.get_including_deleted(
                    grant.benefit_id
                )
            customer, benefit = customers[grant.customer_id], benefits[grant.benefit_id]
            if customer is not None and benefit is not None:
                views.append(GrantView(grant, customer, benefit))
        return views

    async def view(self, uow: BenefitGrantUnitOfWork, id: uuid.UUID) -> GrantView | None:
        """The grant as the API shows it; None for a tombstone (it never was a grant)."""
        grant = await uow.benefit_grants.get_including_deleted(id)
        if grant is None or grant.is_tombstone:
            return None
        found = await self.views(uow, [grant])
        return found[0] if found else None

    async def list(
        self,
        uow: BenefitGrantUnitOfWork,
        subject: AuthSubject,
        *,
        filters: BenefitGrantFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[BenefitGrantSortProperty]],
    ) -> Page[GrantView]:
        page = await uow.benefit_grants.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )
        return Page(
            items=await self.views(uow, page.items),
            total_count=page.total_count,
            limit=page.limit,
        )
