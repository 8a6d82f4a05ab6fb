"""Real Meridian processes for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests import services

ROOT = Path(__file__).resolve().parents[2]


def inherited_environment() -> dict[str, str]:
    """The test process's environment minus MERIDIAN_* settings: each test states its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MERIDIAN_")}


class Process:
    def __init__(self, args: list[str], env: dict[str, str], name: str) -> None:
        self.args = args
        self.env = {**inherited_environment(), **env, "PYTHONUNBUFFERED": "1"}
        self.name = name
        self.log = Path(tempfile.mkstemp(prefix=f"meridian-{name}-", suffix=".log")[1])
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "entrypoints.cli", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, sig: int) -> None:
        assert self.popen is not None
        self.popen.send_signal(sig)

    def stop(self, timeout: float = 30) -> int | None:
        if self.popen is None or self.popen.poll() is not None:
            return None if self.popen is None else self.popen.returncode
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(
                f"{self.name} did not stop on SIGTERM:\n{self.output()[-3000:]}"
            ) from None

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()

    def wait_for_log(self, needle: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.output():
            assert time.monotonic() < deadline, f"{needle!r} not logged:\n{self.output()[-3000:]}"
            time.sleep(0.1)


class ApiProcess(Process):
    def __init__(self, env: dict[str, str]) -> None:
        self.port = services.free_port()
        super().__init__(["api", "--port", str(self.port)], env, "api")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> ApiProcess:
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.popen is not None
            if self.popen.poll() is not None:
                raise AssertionError(f"API exited early:\n{self.output()[-4000:]}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise AssertionError(f"API did not answer within {timeout}s:\n{self.output()[-4000:]}")

    def bootstrapped(self) -> dict[str, str]:
        """The tokens an API on the memory adapters printed at start-up (one JSON line)."""
        for line in self.output().splitlines():
            if line.startswith("{"):
                tokens: dict[str, str] = json.loads(line)
                return tokens
        raise AssertionError(f"no bootstrap JSON printed:\n{self.output()[-3000:]}")


def bootstrap(env: dict[str, str], email: str, organization: str) -> dict[str, str]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "entrypoints.cli",
            "bootstrap",
            "--email",
            email,
            "--organization",
            organization,
        ],
        cwd=ROOT,
        env={**inherited_environment(), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output: dict[str, str] = json.loads(result.stdout)
    return output
