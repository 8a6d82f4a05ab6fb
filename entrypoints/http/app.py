"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from entrypoints.container import Container
from entrypoints.http import health, storage
from entrypoints.http.errors import PathMethods, install_error_handlers
from entrypoints.http.idempotency import Idempotency, Replay, replay_response
from entrypoints.http.middleware import BodySizeLimit, RateLimitHeaders, RequestIds, RequestScopes
from entrypoints.http.openapi import install_openapi
from entrypoints.logging import install_request_ids
from entrypoints.runtime import Runtime, settle_heap


def create_app(container: Container | None = None, *, manage_runtime: bool = True) -> FastAPI:
    """Build the API. With `manage_runtime`, the app starts and stops the container's services."""
    container = container or Container()
    runtime = Runtime(container, role="api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if manage_runtime:
            await runtime.start()
            # Once the app and its routes exist too (see `settle_heap`).
            settle_heap()
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
        telemetry=None
        if container.settings().opentelemetry
        else {"tracing": False, "metrics": False, "logs": False},
    )
    app.state.container = container
    install_error_handlers(app)
    install_openapi(app)
    app.add_exception_handler(Replay, replay_response)

    # Each module's routers straight on the app: every level of included routers is matched
    # again on every request.
    path_methods = app.state.path_methods = PathMethods()
    for module in container.modules():
        for router in module.routers:
            app.include_router(router, prefix="/v1")
            path_methods.add(router, prefix="/v1")
        for router in module.public_routers:
            app.include_router(router)
            path_methods.add(router)
    app.include_router(health.router)
    path_methods.add(health.router)

    # Listed innermost first. Idempotency sits inside RequestScopes: the route's unit of work
    # is still open when the response is recorded in its transaction.
    app.add_middleware(Idempotency)
    app.add_middleware(RequestScopes)
    if container.settings().rate_limits:
        app.add_middleware(RateLimitHeaders)
    # Part uploads bound their bodies themselves (to the part's signed size).
    app.add_middleware(
        BodySizeLimit,
        limit=container.settings().max_body_size,
        exempt_prefixes=(storage.UPLOADS_PREFIX,),
    )
    # Outermost: every response (a 413 too) carries the request's id, every log line too.
    app.add_middleware(RequestIds)
    install_request_ids()
    return app
