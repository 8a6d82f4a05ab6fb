"""`MERIDIAN_ADAPTERS=memory uv run task api`: the API with no database at all."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e

ENV = {
    "MERIDIAN_ENV": "development",
    "MERIDIAN_ADAPTERS": "memory",
    "MERIDIAN_BOOTSTRAP_EMAIL": "demo@example.com",
    "MERIDIAN_BOOTSTRAP_ORGANIZATION": "Demo Shop",
}


def _products(api: ApiProcess, token: str) -> list[str]:
    response = httpx.get(
        f"{api.base_url}/v1/products/", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return [p["name"] for p in response.json()["items"]]


def test_the_memory_api_says_what_it_keeps_bootstraps_and_forgets_on_exit(tmp_path: Path) -> None:
    env = {**ENV, "MERIDIAN_DATA_DIR": str(tmp_path)}
    api = ApiProcess(env).start()
    try:
        first_line = api.output().splitlines()[0]
        assert "memory" in first_line and "lost" in first_line, first_line
        tokens = api.bootstrapped()
        assert tokens["organization_slug"] == "demo-shop"
        token = tokens["organization_access_token"]
        created = httpx.post(
            f"{api.base_url}/v1/products/",
            json={"name": "Demo", "prices": [{"amount_type": "fixed", "price_amount": 100}]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        assert _products(api, token) == ["Demo"]
        # The printed personal token works too.
        assert _products(api, tokens["personal_access_token"]) == ["Demo"]
    finally:
        api.stop()
    assert "Application shutdown complete" in api.output()

    # It started no database either (the embedded one lives under the data dir).
    assert not (tmp_path / "postgres").exists()
    again = ApiProcess(env).start()
    try:
        tokens = again.bootstrapped()
        assert _products(again, tokens["organization_access_token"]) == []
    finally:
        again.stop()
