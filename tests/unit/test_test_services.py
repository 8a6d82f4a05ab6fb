"""The test services' own fallback: a Docker engine that cannot pull an image must not hang a run.

CI timed out once at the first S3 test: an engine answered, and the MinIO pull never finished.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests import services


class _Images:
    def __init__(self, present: set[str], pull_blocks: bool) -> None:
        self.present = present
        self.pull_blocks = pull_blocks
        self.released = threading.Event()

    def get(self, name: str) -> object:
        if name not in self.present:
            raise LookupError(name)
        return object()

    def pull(self, name: str) -> object:
        if self.pull_blocks:
            self.released.wait(30)  # a registry that never answers
            raise ConnectionError(name)
        self.present.add(name)
        return object()


class _Client:
    def __init__(self, images: _Images) -> None:
        self.images = images

    def ping(self) -> bool:
        return True


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Any:
    import docker

    def install(images: _Images) -> _Images:
        monkeypatch.setattr(docker, "from_env", lambda **_: _Client(images))
        services.docker_available.cache_clear()
        services.docker_image_ready.cache_clear()
        return images

    yield install
    services.docker_available.cache_clear()
    services.docker_image_ready.cache_clear()


def test_an_image_that_cannot_be_pulled_falls_back_within_the_timeout(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_DOCKER_PULL_TIMEOUT", "0.3")
    images = engine(_Images(present=set(), pull_blocks=True))
    started = time.monotonic()
    assert services.docker_image_ready("minio/minio:test") is False
    assert time.monotonic() - started < 5
    images.released.set()


def test_present_or_pullable_images_use_the_engine(engine: Any) -> None:
    from testcontainers.core.config import testcontainers_config

    images = engine(_Images(present={"postgres:test"}, pull_blocks=False))
    assert services.docker_image_ready("postgres:test") is True
    if not testcontainers_config.ryuk_disabled:
        assert testcontainers_config.ryuk_image in images.present  # pulled alongside
