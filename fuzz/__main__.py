"""`uv run task fuzz`: schemathesis against the API's own `/openapi.json`.

1. Start `meridian api` on a free port with rate limits off: on a fresh `meridian_fuzz_<pid>`
   database when a PostgreSQL server is configured (MERIDIAN_FUZZ_DATABASE_URL, else
   TEST_DATABASE_URL), otherwise on the memory adapters (no database at all).
2. Get a user's and an organization's tokens (`meridian bootstrap`, or the JSON line the memory
   API prints).
3. Run `schemathesis run` on every operation, as the organization (fuzz/hooks.py mints a new
   organization token, with the user's, whenever the fuzzer has revoked or weakened the one in
   use). It fails on any 5xx, any status the document does not list, any response body, header
   or content type that does not match it, and a 405 whose `Allow` is not the documented
   methods.
4. Stop the API (its log is printed when the run failed) and drop the database.

Environment: MERIDIAN_FUZZ_SECONDS (time budget of the fuzzing, default 150),
MERIDIAN_FUZZ_EXAMPLES (cases per operation and phase, default 60), MERIDIAN_FUZZ_SEED (default
a fixed one, so that CI runs the same cases; `random` for a new one each run). Arguments after
`--` go to `schemathesis run` as they are (e.g. `-- --include-path-regex products`).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DATABASE = f"meridian_fuzz_{os.getpid()}"
SECONDS = int(os.environ.get("MERIDIAN_FUZZ_SECONDS", "150"))
EXAMPLES = int(os.environ.get("MERIDIAN_FUZZ_EXAMPLES", "60"))
SEED = os.environ.get("MERIDIAN_FUZZ_SEED", "20261010")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "allow_header_conformance",
)


def _plain(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(server_url: str, statement: str) -> None:
    connection = await asyncpg.connect(_plain(server_url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def _database() -> Iterator[str | None]:
    """A fresh database's URL on the configured server, or None (the memory adapters)."""
    server = os.environ.get("MERIDIAN_FUZZ_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield None
        return
    asyncio.run(_admin(server, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    asyncio.run(_admin(server, f"CREATE DATABASE {DATABASE}"))
    try:
        yield _plain(server, DATABASE)
    finally:
        asyncio.run(_admin(server, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "entrypoints.cli", *args]


class Api:
    def __init__(self, database_url: str | None, data_dir: str) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("MERIDIAN_")}
        environment |= {
            "MERIDIAN_ENV": "development",
            "MERIDIAN_RATE_LIMITS": "off",
            "MERIDIAN_DATA_DIR": data_dir,
            "MERIDIAN_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        if database_url is None:
            environment["MERIDIAN_ADAPTERS"] = "memory"
        else:
            environment |= {"MERIDIAN_DATABASE_URL": database_url, "MERIDIAN_AUTO_MIGRATE": "true"}
        self.environment = environment
        self.memory = database_url is None
        self.log = Path(data_dir) / "api.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                _cli("api", "--port", str(self.port)),
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the API exited early:\n{self.output()[-4000:]}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"the API did not answer within {timeout} s:\n{self.output()[-4000:]}")

    def tokens(self) -> dict[str, str]:
        if self.memory:
            for line in self.output().splitlines():
                if line.startswith("{"):
                    tokens: dict[str, str] = json.loads(line)
                    return tokens
            raise SystemExit(f"the memory API printed no tokens:\n{self.output()[-3000:]}")
        result = subprocess.run(
            _cli("bootstrap", "--email", "fuzz@example.com", "--organization", "Fuzz"),
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        bootstrapped: dict[str, str] = json.loads(result.stdout)
        return bootstrapped

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _schemathesis(api: Api, tokens: dict[str, str], report_dir: str, extra: list[str]) -> int:
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "fuzz.hooks",
        "MERIDIAN_FUZZ_BASE_URL": api.base_url,
        "MERIDIAN_FUZZ_ORGANIZATION_ID": tokens["organization_id"],
        "MERIDIAN_FUZZ_ORGANIZATION_TOKEN": tokens["organization_access_token"],
        "MERIDIAN_FUZZ_PERSONAL_TOKEN": tokens["personal_access_token"],
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{api.base_url}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(EXAMPLES),
        "--max-time",
        str(SECONDS),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--report-dir",
        report_dir,
        "--no-color",
    ]
    if SEED != "random":
        command += ["--seed", SEED]
    return subprocess.run([*command, *extra], cwd=ROOT, env=environment, check=False).returncode


def main() -> int:
    extra = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    data_dir = tempfile.mkdtemp(prefix="meridian-fuzz-")
    started = time.monotonic()
    try:
        with _database() as database_url:
            api = Api(database_url, data_dir)
            print(f"fuzzing {api.base_url} on {'PostgreSQL' if database_url else 'memory'}")
            api.start()
            try:
                status = _schemathesis(api, api.tokens(), data_dir, extra)
            finally:
                api.stop()
            if status != 0:
                print("--- API log (last 8000 characters) ---")
                print(api.output()[-8000:])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"fuzz: {'passed' if status == 0 else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
