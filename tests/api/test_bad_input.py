"""Bad input gets a clear 4xx in the API's error shapes and changes nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.harness import Seeder, Tenant


async def _org_count(client: httpx.AsyncClient, tenant: Tenant) -> int:
    response = await client.get("/v1/organizations/", headers=tenant.headers("user"))
    return int(response.json()["pagination"]["total_count"])


async def _state(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, object]:
    response = await client.get(
        f"/v1/organizations/{tenant.organization.id}", headers=tenant.headers("user")
    )
    body = response.json()
    return {
        "count": await _org_count(client, tenant),
        "name": body["name"],
        "modified_at": body["modified_at"],
    }


@pytest.fixture
async def tenant(seeder: Seeder) -> Tenant:
    return await seeder.tenant()


class TestBodies:
    async def test_malformed_json(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        before = await _state(client, tenant)
        response = await client.post(
            "/v1/organizations/",
            content=b'{"name": "x", "slug":',
            headers={**tenant.headers("user"), "Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "json_invalid"
        assert await _state(client, tenant) == before

    async def test_wrong_types(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        before = await _state(client, tenant)
        response = await client.post(
            "/v1/organizations/", json={"name": 12, "slug": ["a"]}, headers=tenant.headers("user")
        )
        assert response.status_code == 422
        locs = {tuple(e["loc"]) for e in response.json()["detail"]}
        assert ("body", "name") in locs
        assert ("body", "slug") in locs
        assert await _state(client, tenant) == before

    async def test_unknown_enum_value(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        response = await client.patch(
            f"/v1/organizations/{tenant.organization.id}",
            json={"default_tax_behavior": "Inclusive"},
            headers=tenant.headers("user"),
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "default_tax_behavior"]

    async def test_over_long_string(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        before = await _state(client, tenant)
        response = await client.patch(
            f"/v1/organizations/{tenant.organization.id}",
            json={"name": "x" * 129},
            headers=tenant.headers("user"),
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "name"]
        assert await _state(client, tenant) == before

    async def test_nul_bytes(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        before = await _state(client, tenant)
        response = await client.patch(
            f"/v1/organizations/{tenant.organization.id}",
            json={"name": "bad\u0000name"},
            headers=tenant.headers("user"),
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "name"]
        token = await client.post(
            "/v1/organization-access-tokens/",
            json={"comment": "nul\u0000", "scopes": []},
            headers=tenant.headers("organization"),
        )
        assert token.status_code == 422
        assert await _state(client, tenant) == before

    async def test_body_over_10_mib(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        before = await _state(client, tenant)
        big = b'{"name": "' + b"x" * (10 * 1024 * 1024) + b'", "slug": "big-org"}'
        response = await client.post(
            "/v1/organizations/",
            content=big,
            headers={**tenant.headers("user"), "Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json()["error"] == "RequestBodyTooLarge"
        assert await _state(client, tenant) == before

    async def test_streamed_body_over_limit_without_length(
        self, client: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        async def chunks():  # type: ignore[no-untyped-def]
            for _ in range(11):
                yield b"x" * (1024 * 1024)

        response = await client.post(
            "/v1/organizations/",
            content=chunks(),
            headers={**tenant.headers("user"), "Content-Type": "application/json"},
        )
        assert response.status_code == 413

    async def test_invalid_email_and_url(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        response = await client.patch(
            f"/v1/organizations/{tenant.organization.id}",
            json={"email": "not-an-email", "website": "javascript:alert(1)"},
            headers=tenant.headers("user"),
        )
        assert response.status_code == 422
        locs = {tuple(e["loc"]) for e in response.json()["detail"]}
        assert {("body", "email"), ("body", "website")} <= locs


class TestQueryAndPath:
    async def test_bad_uuid_in_path(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        response = await client.get("/v1/organizations/not-a-uuid", headers=tenant.headers("user"))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["path", "id"]

    async def test_page_zero(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        response = await client.get(
            "/v1/organizations/", params={"page": 0}, headers=tenant.headers("user")
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "page"]

    async def test_limit_is_capped(
        self, client: httpx.AsyncClient, seeder: Seeder, tenant: Tenant
    ) -> None:
        for i in range(3):
            await client.post(
                "/v1/organizations/",
                json={"name": f"Cap {i}", "slug": f"cap-{i}-{uuid.uuid4().hex[:6]}"},
                headers=tenant.headers("user"),
            )
        response = await client.get(
            "/v1/organizations/", params={"limit": 1000}, headers=tenant.headers("user")
        )
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) == 4
        assert body["pagination"] == {"total_count": 4, "max_page": 1}

    async def test_unknown_sort_key(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        response = await client.get(
            "/v1/organizations/", params={"sorting": "-password"}, headers=tenant.headers("user")
        )
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert error["loc"] == ["query", "sorting", 0]
        assert "password" in error["msg"]

    @pytest.mark.parametrize("sorting", [["name", "-name"], ["name", "name"]])
    async def test_a_sort_property_given_twice_is_refused(
        self, client: httpx.AsyncClient, tenant: Tenant, sorting: list[str]
    ) -> None:
        response = await client.get(
            "/v1/products/", params={"sorting": sorting}, headers=tenant.headers("organization")
        )
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert error["loc"] == ["query", "sorting"]
        assert error["type"] == "value_error"
        assert error["input"] == sorting
        assert "'name'" in error["msg"]

    async def test_every_query_error_is_reported_at_once(
        self, client: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        response = await client.get(
            "/v1/products/",
            params={"limit": 0, "sorting": ["name", "bogus"], "id": "x"},
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 422
        locs = sorted(tuple(e["loc"]) for e in response.json()["detail"])
        assert locs == [("query", "id", 0), ("query", "limit"), ("query", "sorting", 1)]


class TestRouting:
    async def test_unknown_route_is_polar_shaped(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/nothing-here")
        assert response.status_code == 404
        assert response.json() == {"error": "ResourceNotFound", "detail": "Not found"}

    async def test_method_not_allowed(self, client: httpx.AsyncClient) -> None:
        response = await client.put("/v1/organizations/")
        assert response.status_code == 405
        assert response.json()["error"] == "MethodNotAllowed"

    async def test_no_slash_redirect(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        response = await client.get("/v1/organizations", headers=tenant.headers("user"))
        assert response.status_code == 404
        assert "location" not in response.headers

    async def test_bearer_ignored_on_public_routes(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz", headers={"Authorization": "Bearer polar_oat_bogus"})
        assert response.status_code == 200

    async def test_openapi_lists_the_query_parameters_of_list_routes(
        self, client: httpx.AsyncClient
    ) -> None:
        # List routes read their query string themselves (ListQuery) and describe it through
        # openapi_extra: every parameter is there, with its schema inlined.
        paths = (await client.get("/openapi.json")).json()["paths"]
        parameters = {p["name"]: p for p in paths["/v1/products/"]["get"]["parameters"]}
        assert list(parameters) == [
            "page",
            "limit",
            "sorting",
            "id",
            "organization_id",
            "query",
            "is_archived",
            "is_recurring",
            "visibility",
            "benefit_id",
        ]
        assert all(p["in"] == "query" and p["required"] is False for p in parameters.values())
        assert parameters["limit"]["schema"]["minimum"] == 1
        assert "-price_amount" in parameters["sorting"]["description"]
        visibility = parameters["visibility"]["schema"]["anyOf"][0]
        assert visibility["items"]["enum"] == ["draft", "private", "public"]
        assert "$ref" not in str(parameters)
        assert parameters["query"]["schema"]["description"] == "Filter by product name."
        # The 422 is documented as on routes that declare their parameters to FastAPI.
        for path in ("/v1/products/", "/v1/organizations/", "/v1/webhooks/deliveries"):
            assert "422" in paths[path]["get"]["responses"], path
        grants = paths["/v1/benefits/{id}/grants"]["get"]["parameters"]
        assert [p["name"] for p in grants] == [
            "id",
            "page",
            "limit",
            "is_granted",
            "customer_id",
            "member_id",
        ]

    async def test_openapi(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        assert "/v1/organizations/" in paths
        assert "/v1/organization-access-tokens/{id}" in paths
