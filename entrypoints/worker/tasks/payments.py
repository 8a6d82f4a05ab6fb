"""Payment outcome jobs: what a processor reports (the sandbox sends them; a real processor's
webhook route would enqueue them). Thin: arguments in, open a unit of work, call the use case,
commit. A payment not committed yet raises PaymentNotFoundYet: the task fails and the broker
retries it with backoff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskiq import AsyncBroker

from adapters.taskiq.broker import Priority
from application.payments.service import PAYMENT_FAILED, PAYMENT_SUCCEEDED, REFUND_SUCCEEDED

if TYPE_CHECKING:
    from entrypoints.container import Container


def register(broker: AsyncBroker, container: Container) -> None:
    @broker.task(task_name=PAYMENT_SUCCEEDED, priority=Priority.high.value, timeout=60)
    async def payment_succeeded(processor_id: str) -> None:
        service = container.payment_service()
        async with container.uow_factory().write() as uow:
            await service.on_succeeded(uow, processor_id)
            await uow.commit()

    @broker.task(task_name=PAYMENT_FAILED, priority=Priority.high.value, timeout=60)
    async def payment_failed(
        processor_id: str, decline_reason: str | None = None, decline_message: str | None = None
    ) -> None:
        service = container.payment_service()
        async with container.uow_factory().write() as uow:
            await service.on_failed(uow, processor_id, decline_reason, decline_message)
            await uow.commit()

    @broker.task(task_name=REFUND_SUCCEEDED, priority=Priority.high.value, timeout=60)
    async def refund_succeeded(processor_id: str, refund_id: str) -> None:
        service = container.payment_service()
        async with container.uow_factory().write() as uow:
            await service.on_refund_succeeded(uow, processor_id, refund_id)
            await uow.commit()
