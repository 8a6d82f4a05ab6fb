"""The zero-configuration path a new user takes: embedded PostgreSQL, in-process jobs."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import psutil
import pytest

from tests.e2e.processes import ApiProcess, bootstrap

pytestmark = pytest.mark.e2e


def _postgres_running(pgdata: Path) -> bool:
    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(pgdata) in " ".join(
            process.info["cmdline"] or []
        ):
            return True
    return False


def test_embedded_start_bootstrap_stop_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # Nothing configured but where to keep data: what `uv run task api` sees on a new machine.
    env = {"MERIDIAN_DATA_DIR": str(data_dir)}

    api = ApiProcess(env).start(timeout=120)
    pgdata = (data_dir / "postgres").resolve()
    try:
        assert "embedded PostgreSQL" in api.output()
        # The CLI attaches to the server the API started.
        tokens = bootstrap(env, "first@example.com", "Embedded Shop")
        headers = {"Authorization": f"Bearer {tokens['organization_access_token']}"}
        response = httpx.get(f"{api.base_url}/v1/organizations/", headers=headers, timeout=10)
        assert response.status_code == 200
        assert response.json()["items"][0]["slug"] == "embedded-shop"
        assert _postgres_running(pgdata)
        ready = httpx.get(f"{api.base_url}/readyz", timeout=10)
        assert ready.json()["checks"] == {"database": "ok"}
    finally:
        api.signal(signal.SIGTERM)
        api.stop()
    assert "Application shutdown complete" in api.output()
    assert not _postgres_running(pgdata), "stopping the API stops the embedded database"

    again = ApiProcess(env).start(timeout=120)
    try:
        response = httpx.get(f"{again.base_url}/v1/organizations/", headers=headers, timeout=10)
        assert response.status_code == 200, "a restart finds its data"
        assert response.json()["items"][0]["id"] == tokens["organization_id"]
    finally:
        again.stop()


def _stop_postgres(pgdata: Path) -> None:
    """Whatever a failed test leaves running under `pgdata` goes (SIGINT: PostgreSQL's fast
    shutdown, which does not wait for clients to disconnect)."""
    for process in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "postgres" and f"-D {pgdata} " in cmdline:
            process.send_signal(signal.SIGINT)


def test_an_api_adopts_the_database_a_killed_api_left_running(tmp_path: Path) -> None:
    env = {"MERIDIAN_DATA_DIR": str(tmp_path / "data")}
    pgdata = (tmp_path / "data" / "postgres").resolve()
    crashed = adopter = None
    try:
        crashed = ApiProcess(env).start(timeout=120)
        crashed.kill()  # SIGKILL: no shutdown, its handle stays listed
        assert _postgres_running(pgdata), "a killed API leaves its database running"

        # A command that merely attaches leaves the orphaned server alone.
        bootstrap(env, "after-crash@example.com", "After Crash")
        assert _postgres_running(pgdata)

        adopter = ApiProcess(env).start(timeout=120)
        adopter.signal(signal.SIGTERM)
        adopter.stop()
        assert "Application shutdown complete" in adopter.output()
        assert not _postgres_running(pgdata), "the adopting API stops the database on exit"
        assert "adopting the embedded PostgreSQL server" in adopter.output()
    finally:
        for process in (crashed, adopter):
            if process is not None:
                process.kill()
        _stop_postgres(pgdata)
