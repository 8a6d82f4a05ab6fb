"""`meridian` — run the API, the worker or the scheduler; migrate; bootstrap a first organization."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from entrypoints.logging import configure_logging

if TYPE_CHECKING:
    from entrypoints.container import Container

log = logging.getLogger("meridian")


def _api(args: argparse.Namespace) -> int:
    import uvicorn

    from entrypoints.http.server import head_limited_protocol
    from entrypoints.settings import Adapters, Settings

    # The app (built by uvicorn from the environment) must know the address it serves on: the
    # storage URLs it hands out default to it (see MERIDIAN_BASE_URL).
    if args.host:
        os.environ["MERIDIAN_HOST"] = args.host
    if args.port:
        os.environ["MERIDIAN_PORT"] = str(args.port)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.adapters is Adapters.memory:
        # Said first, before the server's own lines.
        log.warning(
            "MERIDIAN_ADAPTERS=memory: no database; everything this API stores is lost when it "
            "stops. The first user's tokens are printed on stdout once it has started."
        )
    uvicorn.run(
        "entrypoints.http.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=1,
        # httptools, with a cap on each request's head (MERIDIAN_MAX_HEADER_SIZE).
        http=head_limited_protocol(settings.max_header_size),
        log_config=None,
        timeout_graceful_shutdown=20,
        access_log=args.access_log,
    )
    return 0


async def _with_runtime(role: str, body: object) -> object:
    from entrypoints.container import Container
    from entrypoints.runtime import Runtime

    container = Container()
    runtime = Runtime(container, role=role)
    await runtime.start()
    try:
        return await body(container)  # type: ignore[operator]
    finally:
        await runtime.stop()


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def _require_redis(process: str) -> str | None:
    from entrypoints.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    if not settings.redis_url:
        print(
            f"meridian {process}: MERIDIAN_REDIS_URL is not set. Without Redis, jobs run inside the "
            "API process (`uv run task api`) and no separate worker or scheduler is needed.",
            file=sys.stderr,
        )
        return None
    return settings.redis_url


def _worker(args: argparse.Namespace) -> int:
    if _require_redis("worker") is None:
        return 2

    async def body(container: object) -> None:
        from taskiq.api import run_receiver_task

        from entrypoints.runtime import settle_heap

        bundle = container.broker_bundle()  # type: ignore[attr-defined]
        settle_heap()
        receiver = asyncio.create_task(
            run_receiver_task(bundle.broker, max_async_tasks=args.concurrency, run_startup=False)
        )
        log.info("worker: consuming jobs with up to %d at a time", args.concurrency)
        waiter = asyncio.create_task(_until_signalled())
        _done, _ = await asyncio.wait({receiver, waiter}, return_when=asyncio.FIRST_COMPLETED)
        receiver.cancel()
        await asyncio.gather(receiver, return_exceptions=True)
        # Jobs cut short stay unacknowledged in the stream; another worker re-claims them.
        log.info("worker: stopped")

    asyncio.run(_with_runtime("worker", body))
    return 0


def _scheduler(args: argparse.Namespace) -> int:
    if _require_redis("scheduler") is None:
        return 2

    async def body(container: object) -> None:
        from taskiq import TaskiqScheduler
        from taskiq.api import run_scheduler_task

        from adapters.taskiq.broker import SCHEDULE_REFRESH

        bundle = container.broker_bundle()  # type: ignore[attr-defined]
        sources = [bundle.schedule_source] if bundle.schedule_source else []
        scheduler = TaskiqScheduler(bundle.broker, sources=sources)
        task = asyncio.create_task(run_scheduler_task(scheduler, interval=SCHEDULE_REFRESH))
        log.info("scheduler: delayed retries and the outbox relay are running")
        await _until_signalled()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(_with_runtime("scheduler", body))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from entrypoints.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)

    async def run() -> None:
        from adapters.sqlalchemy.engine import create_engine
        from adapters.sqlalchemy.migrate import upgrade
        from entrypoints.container import _database_url

        urls = _database_url(settings)
        engine = create_engine(next(urls), pool_size=1)
        try:
            async with engine.connect() as connection:
                await upgrade(connection, args.revision)
        finally:
            await engine.dispose()
            urls.close()
        log.info("database migrated to %s", args.revision)

    asyncio.run(run())
    return 0


def _bootstrap(args: argparse.Namespace) -> int:
    from entrypoints.bootstrap import bootstrap
    from entrypoints.settings import Adapters, Settings

    settings = Settings()
    configure_logging(settings.log_level if args.verbose else "WARNING", settings.log_format)
    if settings.adapters is Adapters.memory:
        print(
            "meridian bootstrap: with MERIDIAN_ADAPTERS=memory, nothing outlives a process; "
            "`meridian api` bootstraps itself and prints the tokens instead.",
            file=sys.stderr,
        )
        return 2

    async def body(container: Container) -> dict[str, str]:
        return await bootstrap(container, email=args.email, organization=args.organization)

    from application.kit.errors import ValidationFailed

    try:
        output = asyncio.run(_with_runtime("cli", body))
    except ValidationFailed as error:
        print(f"meridian bootstrap: {error.detail}", file=sys.stderr)
        return 2
    print(json.dumps(output))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="meridian", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    api = commands.add_parser("api", help="serve the HTTP API")
    api.add_argument("--host", default=None, help="default: MERIDIAN_HOST or 127.0.0.1")
    api.add_argument("--port", type=int, default=None, help="default: MERIDIAN_PORT or 8000")
    api.add_argument("--access-log", action="store_true", help="log every request")
    api.set_defaults(run=_api)

    worker = commands.add_parser("worker", help="consume jobs from Redis")
    # Keep concurrency within the connection pool (pool size + overflow = 2 × MERIDIAN_DATABASE_POOL_SIZE).
    worker.add_argument("--concurrency", type=int, default=20)
    worker.set_defaults(run=_worker)

    scheduler = commands.add_parser("scheduler", help="send delayed retries; relay the outbox")
    scheduler.set_defaults(run=_scheduler)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(run=_migrate)

    bootstrap = commands.add_parser(
        "bootstrap", help="create (or reuse) a user and an organization; print tokens as JSON"
    )
    bootstrap.add_argument("--email", required=True)
    bootstrap.add_argument("--organization", required=True, help="organization name")
    bootstrap.add_argument("--verbose", action="store_true")
    bootstrap.set_defaults(run=_bootstrap)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
