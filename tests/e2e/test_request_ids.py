"""A real API writing JSON logs: the lines of a request and of the job it enqueued share its id."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.e2e.processes import ApiProcess, bootstrap

pytestmark = pytest.mark.e2e


def test_json_logs_follow_a_request_into_its_jobs(base_env: dict[str, str]) -> None:
    env = {**base_env, "MERIDIAN_LOG_FORMAT": "json"}
    api = ApiProcess(env).start()
    try:
        tokens = bootstrap(env, "logs@example.com", "Logs Co")
        # The product's event becomes a job only for a subscribed endpoint (its host need not
        # resolve: the job is what this follows).
        subscribed = httpx.post(
            f"{api.base_url}/v1/webhooks/endpoints",
            json={
                "url": "https://logs-hook.invalid/hook",
                "format": "raw",
                "events": ["product.created"],
            },
            headers={"Authorization": f"Bearer {tokens['organization_access_token']}"},
            timeout=10,
        )
        assert subscribed.status_code == 201, subscribed.text
        response = httpx.post(
            f"{api.base_url}/v1/products/",
            json={"name": "Traced", "prices": [{"amount_type": "fixed", "price_amount": 100}]},
            headers={
                "Authorization": f"Bearer {tokens['organization_access_token']}",
                "X-Request-Id": "e2e-trace-1",
            },
            timeout=10,
        )
        assert response.status_code == 201, response.text
        assert response.headers["x-request-id"] == "e2e-trace-1"
        product_id = response.json()["id"]
        deadline = time.monotonic() + 15
        while f"product.created recorded for product {product_id}" not in api.output():
            assert time.monotonic() < deadline, api.output()[-3000:]
            time.sleep(0.1)
    finally:
        api.stop()
    lines = [json.loads(line) for line in api.output().splitlines() if line.strip()]
    job = next(line for line in lines if product_id in line["message"])
    assert job["request_id"] == "e2e-trace-1" and job["logger"] == "meridian.jobs.webhooks"
    assert any(line["logger"] == "meridian" for line in lines)  # start-up lines are JSON too
