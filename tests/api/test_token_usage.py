from __future__ import annotations

import httpx

from entrypoints.container import Container
from entrypoints.periodic import persist_token_usage
from tests.harness import Seeder


async def test_last_used_at_is_recorded_off_the_request_path(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    container.token_usage().drain()
    for _ in range(3):
        assert (
            await client.get("/v1/organizations/", headers=tenant.headers("organization"))
        ).status_code == 200
    listed = await client.get("/v1/organization-access-tokens/", headers=tenant.headers("user"))
    # Nothing was written by the requests themselves...
    assert listed.json()["items"][0]["last_used_at"] is None
    # ...the buffered use is persisted by the periodic flush, once per token.
    assert await persist_token_usage(container) == 2  # the organization token and the personal one
    listed = await client.get("/v1/organization-access-tokens/", headers=tenant.headers("user"))
    assert listed.json()["items"][0]["last_used_at"] is not None
