from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text

from adapters.sqlalchemy.engine import create_engine
from tests import services
from tests.e2e.processes import ApiProcess, bootstrap

pytestmark = pytest.mark.e2e


@pytest.fixture
async def e2e_database() -> AsyncIterator[str]:
    """A fresh, empty database for processes to migrate and use; dropped afterwards."""
    server = services.postgres_server_url()
    name = f"meridian_e2e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, pool_size=1)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield services.with_database(server, name)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture
def base_env(e2e_database: str) -> dict[str, str]:
    return {
        "MERIDIAN_ENV": "development",
        "MERIDIAN_DATABASE_URL": e2e_database,
        "MERIDIAN_AUTO_MIGRATE": "true",
        "MERIDIAN_SECRET": "e2e-secret-0123456789-0123456789-0123456789",
        "MERIDIAN_LOG_LEVEL": "INFO",
        "MERIDIAN_OUTBOX_RELAY_INTERVAL": "1",
        "MERIDIAN_QUEUE_NAME": f"meridian-e2e:{uuid.uuid4().hex}",
        "MERIDIAN_RATE_LIMIT_RULES": E2E_RATE_LIMITS,
    }


OWNER, ORGANIZATION = "owner@example.com", "SDK Org"
# Polar's per-address limits on confirms (6 a minute) and license-key calls (3 a second) would
# stop the end-to-end tests, which make more from one address.
E2E_RATE_LIMITS = '{"checkout_confirm": "1000/minute", "license_keys": "1000/second"}'


@pytest.fixture(params=["sqlalchemy", "memory"])
def running(request: pytest.FixtureRequest) -> Iterator[tuple[ApiProcess, dict[str, str]]]:
    """A real API process, and the tokens of a bootstrapped organization: on PostgreSQL (then
    `meridian bootstrap` makes them), and on the memory adapters (the API prints them)."""
    if request.param == "memory":
        env = {
            "MERIDIAN_ENV": "development",
            "MERIDIAN_ADAPTERS": "memory",
            "MERIDIAN_BOOTSTRAP_EMAIL": OWNER,
            "MERIDIAN_BOOTSTRAP_ORGANIZATION": ORGANIZATION,
            "MERIDIAN_RATE_LIMIT_RULES": E2E_RATE_LIMITS,
        }
        api = ApiProcess(env).start()
        try:
            yield api, api.bootstrapped()
        finally:
            api.stop()
        return
    base_env: dict[str, str] = request.getfixturevalue("base_env")
    api = ApiProcess(base_env).start()
    try:
        yield api, bootstrap(base_env, OWNER, ORGANIZATION)
    finally:
        api.stop()
