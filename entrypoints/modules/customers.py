"""Customers: who buys from an organization, by id or by the merchant's own external id."""

from __future__ import annotations

import uuid
from typing import Any

from dependency_injector import providers

from adapters.memory.customers import InMemoryCustomerRepository
from adapters.sqlalchemy.repositories.customers import SqlAlchemyCustomerRepository
from application.customers.service import (
    CUSTOMER_CREATED,
    CUSTOMER_DELETED,
    CUSTOMER_STATE_CHANGED,
    CUSTOMER_UPDATED,
    CustomerService,
    CustomerState,
)
from domain.customer import Customer
from domain.scopes import Scope
from entrypoints.http.customers import endpoints
from entrypoints.http.customers.schemas import customer_state_wire, customer_wire
from entrypoints.modules.base import Module, Repository
from entrypoints.webhook_events import Catalogue


def _customer_service(container: Any) -> CustomerService:
    """The customer service, whose deleted customers lose their benefits (by job: the benefit
    grants module)."""
    service = CustomerService(clock=container.clock())

    async def revoke(uow: Any, customer: Customer) -> None:
        container.benefit_grant_service().enqueue_revoke_customer(uow, customer.id)

    service.on_deleted(revoke)
    return service


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"customer_service": providers.Singleton(_customer_service, container=c.__self__)}


def _events(catalogue: Catalogue, container: Any) -> None:
    service: CustomerService = container.customer_service()

    async def load(uow: Any, id: uuid.UUID) -> Customer | None:
        # A deleted customer is still shown (the `customer.deleted` event carries it).
        customer: Customer | None = await uow.customers.get_including_deleted(id)
        return customer

    async def load_state(uow: Any, id: uuid.UUID) -> CustomerState | None:
        customer = await load(uow, id)
        return None if customer is None else await service.state(uow, customer)

    catalogue.register(
        [CUSTOMER_CREATED, CUSTOMER_UPDATED, CUSTOMER_DELETED],
        argument="customer_id",
        load=load,
        render=customer_wire,
    )
    catalogue.register(
        [CUSTOMER_STATE_CHANGED],
        argument="customer_id",
        load=load_state,
        render=customer_state_wire,
        organization_of=lambda state: state.customer.organization_id,
    )


module = Module(
    name="customers",
    scopes=(Scope.customers_read, Scope.customers_write),
    repositories={
        "customers": Repository(SqlAlchemyCustomerRepository, InMemoryCustomerRepository)
    },
    services=_services,
    routers=(endpoints.router,),
    events=_events,
)
