"""Products and their prices, benefits and media."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.products import InMemoryProductRepository
from adapters.sqlalchemy.repositories.products import SqlAlchemyProductRepository
from application.files.service import FileUseCases
from application.products.service import PRODUCT_CREATED, PRODUCT_UPDATED, ProductService
from domain.product import Product
from domain.scopes import Scope
from entrypoints.http.kit.responses import Wire
from entrypoints.http.products import endpoints
from entrypoints.http.products.schemas import product_wire
from entrypoints.modules.base import Module, Repository
from entrypoints.webhook_events import Catalogue


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"product_service": providers.Singleton(ProductService, clock=c.clock)}


def _events(catalogue: Catalogue, container: Any) -> None:
    files: FileUseCases = container.file_service()

    def render(product: Product) -> Wire:
        return product_wire(product, files.public_url)

    catalogue.register(
        [PRODUCT_CREATED, PRODUCT_UPDATED],
        argument="product_id",
        load=lambda uow, id: uow.products.get(id),
        render=render,
    )


module = Module(
    name="products",
    scopes=(Scope.products_read, Scope.products_write),
    repositories={"products": Repository(SqlAlchemyProductRepository, InMemoryProductRepository)},
    services=_services,
    routers=(endpoints.router,),
    events=_events,
)
