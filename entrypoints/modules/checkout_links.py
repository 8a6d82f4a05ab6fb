"""Checkout links: shareable links that open a checkout of an organization's products. Polar
sends no webhook event for them (the checkouts they open send `checkout.created`)."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.checkout_links import InMemoryCheckoutLinkRepository
from adapters.sqlalchemy.repositories.checkout_links import SqlAlchemyCheckoutLinkRepository
from application.checkout_links.service import CheckoutLinkService
from domain.scopes import Scope
from entrypoints.http.checkout_links import endpoints
from entrypoints.modules.base import Module, Repository


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "checkout_link_service": providers.Singleton(
            CheckoutLinkService, clock=c.clock, checkouts=c.checkout_service
        )
    }


module = Module(
    name="checkout_links",
    scopes=(Scope.checkout_links_read, Scope.checkout_links_write),
    repositories={
        "checkout_links": Repository(
            SqlAlchemyCheckoutLinkRepository, InMemoryCheckoutLinkRepository
        )
    },
    services=_services,
    routers=(endpoints.router,),
)
