"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from entrypoints.container import Container
from entrypoints.http import health, storage
from entrypoints.http.discounts import endpoints as discounts
from entrypoints.http.errors import install_error_handlers
from entrypoints.http.files import endpoints as files
from entrypoints.http.middleware import BodySizeLimit
from entrypoints.http.organization_access_tokens import endpoints as organization_access_tokens
from entrypoints.http.organizations import endpoints as organizations
from entrypoints.http.products import endpoints as products
from entrypoints.http.webhooks import endpoints as webhooks
from entrypoints.runtime import Runtime


def create_app(container: Container | None = None, *, manage_runtime: bool = True) -> FastAPI:
    """Build the API. With `manage_runtime`, the app starts and stops the container's services."""
    container = container or Container()
    runtime = Runtime(container, role="api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage_runtime:
            await runtime.start()
        try:
            yield
        finally:
            if manage_runtime:
                await runtime.stop()

    app = FastAPI(
        title="Meridian API",
        version="2026-10",
        description="Self-hosted monetization platform speaking Polar's public API wire format.",
        lifespan=lifespan,
        redirect_slashes=False,
        openapi_url="/openapi.json",
    )
    app.state.container = container
    install_error_handlers(app)

    v1 = APIRouter(prefix="/v1")
    v1.include_router(organizations.router)
    v1.include_router(organization_access_tokens.router)
    v1.include_router(discounts.router)
    v1.include_router(files.router)
    v1.include_router(products.router)
    v1.include_router(webhooks.router)
    app.include_router(v1)
    app.include_router(health.router)
    app.include_router(storage.router)

    # Part uploads bound their bodies themselves (to the part's signed size).
    app.add_middleware(
        BodySizeLimit,
        limit=container.settings().max_body_size,
        exempt_prefixes=(storage.UPLOADS_PREFIX,),
    )
    return app
