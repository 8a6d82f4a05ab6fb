"""Payments: the payments port's processor (the sandbox by default), the outcome jobs it
reports through, and the payment records (`GET /v1/payments/`). Payments are made by checkouts,
never by an API call."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.payments import InMemoryPaymentRepository
from adapters.payments.sandbox import SandboxPaymentProcessor
from adapters.sqlalchemy.repositories.payments import SqlAlchemyPaymentRepository
from application.payments.ports import PaymentProcessor
from application.payments.service import PaymentService
from domain.payment import Payment
from domain.scopes import Scope
from entrypoints.http.payments import endpoints
from entrypoints.modules.base import Module, Repository
from entrypoints.settings import PaymentProcessorKind, Settings
from entrypoints.worker.tasks import payments as tasks


def _processor(settings: Settings) -> PaymentProcessor:
    """The processor MERIDIAN_PAYMENT_PROCESSOR names."""
    if settings.payment_processor is PaymentProcessorKind.sandbox:
        return SandboxPaymentProcessor()
    raise ValueError(f"unknown payment processor {settings.payment_processor!r}")


def _payment_service(container: Any) -> PaymentService:
    """The payment service, whose outcomes reach the checkouts they pay and the refunds they
    give (looked up when the first outcome arrives: those services use this one)."""
    service = PaymentService(clock=container.clock())

    async def to_checkouts(uow: Any, payment: Payment) -> None:
        await container.checkout_service().on_payment(uow, payment)

    async def to_refunds(uow: Any, processor_refund_id: str) -> None:
        await container.refund_service().on_processor_refunded(uow, processor_refund_id)

    service.subscribe(to_checkouts)
    service.subscribe_refunds(to_refunds)
    return service


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "payment_service": providers.Singleton(_payment_service, container=c.__self__),
        "payment_processor": providers.Singleton(_processor, settings=c.settings),
    }


module = Module(
    name="payments",
    scopes=(Scope.payments_read,),
    repositories={"payments": Repository(SqlAlchemyPaymentRepository, InMemoryPaymentRepository)},
    services=_services,
    routers=(endpoints.router,),
    tasks=tasks.register,
)
