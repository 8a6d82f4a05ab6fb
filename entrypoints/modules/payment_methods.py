"""Payment methods: the cards customers' recurring checkouts keep for later charges (a trial's
card set up, a recurring purchase's card once paid). They are shown through their customer
(`GET /v1/customers/{id}/payment-methods`, in the customers module's routes)."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.payment_methods import InMemoryPaymentMethodRepository
from adapters.sqlalchemy.repositories.payment_methods import SqlAlchemyPaymentMethodRepository
from application.payment_methods.service import PaymentMethodService
from entrypoints.modules.base import Module, Repository


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"payment_method_service": providers.Singleton(PaymentMethodService, clock=c.clock)}


module = Module(
    name="payment_methods",
    repositories={
        "payment_methods": Repository(
            SqlAlchemyPaymentMethodRepository, InMemoryPaymentMethodRepository
        )
    },
    services=_services,
)
