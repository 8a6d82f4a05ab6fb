"""Liveness and readiness probes."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.http.dependencies import FromContainer
from entrypoints.settings import Settings

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


async def _database_ok(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(3):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False


async def _redis_ok(url: str) -> bool:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        async with asyncio.timeout(3):
            return bool(await client.ping())
    except Exception:  # noqa: BLE001
        return False
    finally:
        await client.aclose()


_Engine = FromContainer[AsyncEngine](lambda c: c.write_engine)
_Settings = FromContainer[Settings](lambda c: c.settings)


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database (and Redis, when configured) answers; says which one does not."""
    engine, settings = _Engine(request), _Settings(request)
    checks: dict[str, Any] = {"database": "ok" if await _database_ok(engine) else "unavailable"}
    if settings.redis_url:
        checks["redis"] = "ok" if await _redis_ok(settings.redis_url) else "unavailable"
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable", "checks": checks}
    if not ready:
        failing = ", ".join(k for k, v in checks.items() if v != "ok")
        body = {
            "error": "ServiceUnavailable",
            "detail": f"Unavailable: {failing}.",
            "checks": checks,
        }
    return JSONResponse(body, status_code=200 if ready else 503)
