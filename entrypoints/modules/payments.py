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


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "payment_service": providers.Singleton(PaymentService, clock=c.clock),
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
