"""Grant and revoke jobs: one per benefit, enqueued by `BenefitGrantService.enqueue_grants` /
`enqueue_revokes`. A failing job (database error, customer or benefit not committed yet) leaves
nothing behind and is retried with backoff by the broker."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from taskiq import AsyncBroker

from adapters.taskiq.broker import Priority
from application.benefit_grants.service import GRANT_JOB, REVOKE_CUSTOMER_JOB, REVOKE_JOB

if TYPE_CHECKING:
    from entrypoints.container import Container


def _id(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def register(broker: AsyncBroker, container: Container) -> None:
    @broker.task(task_name=GRANT_JOB, priority=Priority.medium.value, timeout=60)
    async def grant(
        customer_id: str,
        benefit_id: str,
        order_id: str | None = None,
        subscription_id: str | None = None,
    ) -> None:
        service = container.benefit_grant_service()
        async with container.uow_factory().write() as uow:
            await service.grant(
                uow,
                customer_id=uuid.UUID(customer_id),
                benefit_id=uuid.UUID(benefit_id),
                order_id=_id(order_id),
                subscription_id=_id(subscription_id),
            )
            await uow.commit()

    @broker.task(task_name=REVOKE_JOB, priority=Priority.medium.value, timeout=60)
    async def revoke(
        customer_id: str,
        benefit_id: str,
        order_id: str | None = None,
        subscription_id: str | None = None,
    ) -> None:
        service = container.benefit_grant_service()
        async with container.uow_factory().write() as uow:
            await service.revoke(
                uow,
                customer_id=uuid.UUID(customer_id),
                benefit_id=uuid.UUID(benefit_id),
                order_id=_id(order_id),
                subscription_id=_id(subscription_id),
            )
            await uow.commit()

    @broker.task(task_name=REVOKE_CUSTOMER_JOB, priority=Priority.medium.value, timeout=60)
    async def revoke_customer(customer_id: str) -> None:
        service = container.benefit_grant_service()
        async with container.uow_factory().write() as uow:
            await service.revoke_customer(uow, uuid.UUID(customer_id))
            await uow.commit()
