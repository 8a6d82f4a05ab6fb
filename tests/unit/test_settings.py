from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dependency_injector import providers
from pydantic import ValidationError

from entrypoints.container import Container
from entrypoints.settings import DEVELOPMENT_SECRET, Environment, Settings


def test_development_runs_on_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.embedded_database
    assert settings.secret == DEVELOPMENT_SECRET


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="MERIDIAN_SECRET"):
        Settings(_env_file=None, env=Environment.production, database_url="postgresql://db/x")  # type: ignore[call-arg]


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="MERIDIAN_SECRET"):
        Settings(
            _env_file=None,
            env=Environment.production,
            database_url="postgresql://db/x",
            secret="short",
        )  # type: ignore[call-arg]


def test_production_needs_a_database() -> None:
    with pytest.raises(ValidationError, match="MERIDIAN_DATABASE_URL"):
        Settings(_env_file=None, env=Environment.production, secret="s" * 40)  # type: ignore[call-arg]


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERIDIAN_PORT", "9001")
    monkeypatch.setenv("MERIDIAN_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.port == 9001
    assert settings.redis_url == "redis://127.0.0.1:6379/0"


def test_docker_compose_sets_only_known_settings() -> None:
    """Every MERIDIAN_* variable docker compose passes is a setting (a typo would be ignored)."""
    compose = yaml.safe_load((Path(__file__).parents[2] / "docker-compose.yml").read_text())
    environment = compose["x-meridian-environment"]
    names = {f"MERIDIAN_{name.upper()}" for name in Settings.model_fields}
    assert set(environment) <= names, set(environment) - names
    assert "MERIDIAN_S3_BUCKET" in environment


@pytest.mark.parametrize(("value", "expected"), [(None, True), ("false", False)])
def test_direct_reads_setting_reaches_the_units_of_work(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: bool
) -> None:
    if value is not None:
        monkeypatch.setenv("MERIDIAN_DIRECT_READS", value)
    container = Container()
    container.settings.override(providers.Object(Settings(_env_file=None)))  # type: ignore[call-arg]
    container.connection_source.override(providers.Object(object()))
    container.job_queue.override(providers.Object(object()))
    assert container.uow_factory().direct_reads is expected
