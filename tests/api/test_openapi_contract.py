"""What the server answers is what `/openapi.json` says (issue 10 §8): every status it produces
is documented, the documented bounds are the enforced ones, and a 405 names every method."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.harness import Seeder, Tenant

FIXED = {"amount_type": "fixed", "price_amount": 1000, "price_currency": "usd"}


@pytest.fixture
async def tenant(seeder: Seeder) -> Tenant:
    return await seeder.tenant()


@pytest.fixture
async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _documented(document: dict[str, Any], method: str, path: str) -> set[int]:
    return {int(status) for status in document["paths"][path][method.lower()]["responses"]}


def _body_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    body = document["paths"][path][method.lower()]["requestBody"]
    return _resolve(document, body["content"]["application/json"]["schema"])


class TestMethodNotAllowed:
    @pytest.mark.parametrize(
        ("path", "methods"),
        [
            ("/v1/products/{id}", {"GET", "PATCH", "DELETE"}),
            # A literal path beside a templated one answers for itself (found by the fuzzer).
            ("/v1/customers/export", {"GET"}),
            ("/v1/benefits/{id}", {"GET", "PATCH", "DELETE"}),
            ("/v1/products/", {"GET", "POST"}),
            ("/v1/files/{id}", {"PATCH", "DELETE"}),
        ],
    )
    async def test_allow_lists_every_method_of_the_path(
        self,
        client: httpx.AsyncClient,
        tenant: Tenant,
        openapi: dict[str, Any],
        path: str,
        methods: set[str],
    ) -> None:
        response = await client.put(
            path.format(id=uuid.uuid4()), json={}, headers=tenant.headers("organization")
        )
        assert response.status_code == 405
        assert response.json()["error"] == "MethodNotAllowed"
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == methods
        assert allowed == {m.upper() for m in openapi["paths"][path]}


class TestEveryStatusIsDocumented:
    async def test_a_body_that_is_not_utf8(
        self, client: httpx.AsyncClient, tenant: Tenant, openapi: dict[str, Any]
    ) -> None:
        response = await client.patch(
            f"/v1/organizations/{tenant.organization.id}",
            content=b'{"name": "\xff"}',
            headers={**tenant.headers("user"), "Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["error"] == "BadRequest"
        assert 400 in _documented(openapi, "PATCH", "/v1/organizations/{id}")

    @pytest.mark.parametrize(
        ("method", "path"),
        [("POST", "/v1/organizations/"), ("DELETE", "/v1/organizations/{id}")],
    )
    async def test_an_organization_token_on_organization_create_and_delete(
        self,
        client: httpx.AsyncClient,
        tenant: Tenant,
        openapi: dict[str, Any],
        method: str,
        path: str,
    ) -> None:
        response = await client.request(
            method,
            path.format(id=tenant.organization.id),
            json={"name": "Other"} if method == "POST" else None,
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 403
        assert response.json()["error"] == "NotPermitted"
        assert 403 in _documented(openapi, method, path)

    async def test_every_operation_documents_the_shared_answers(
        self, openapi: dict[str, Any]
    ) -> None:
        error = {"$ref": "#/components/schemas/Error"}
        for path, operations in openapi["paths"].items():
            if not path.startswith("/v1/"):
                continue
            for method, operation in operations.items():
                documented = _documented(openapi, method, path)
                shared = {400, 401, 403, 404, 413, 429, 431, 503}
                if operation.get("parameters") or operation.get("requestBody"):
                    shared.add(422)  # a GET of no parameters has nothing to refuse
                if method.upper() in {"POST", "PATCH", "DELETE"}:
                    shared.add(409)  # Idempotency-Key in use
                assert shared <= documented, (method, path, shared - documented)
                rate_limited = operation["responses"]["429"]
                assert rate_limited["content"]["application/json"]["schema"] == error
                assert "Retry-After" in rate_limited["headers"]


class TestDocumentedBoundsAreEnforced:
    async def test_benefit_description(
        self, client: httpx.AsyncClient, tenant: Tenant, openapi: dict[str, Any]
    ) -> None:
        schema = _body_schema(openapi, "POST", "/v1/benefits/")["properties"]["description"]
        assert (schema["minLength"], schema["maxLength"]) == (3, 42)
        for description, status in [("ab", 422), ("x" * 43, 422), ("x" * 42, 201)]:
            response = await client.post(
                "/v1/benefits/",
                json={"type": "custom", "description": description, "properties": {}},
                headers=tenant.headers("organization"),
            )
            assert response.status_code == status, response.text
            if status == 422:
                assert response.json()["detail"][0]["loc"] == ["body", "description"]

    async def test_prices_need_one(self, openapi: dict[str, Any]) -> None:
        create = _body_schema(openapi, "POST", "/v1/products/")["properties"]["prices"]
        assert create["minItems"] == 1
        update = _body_schema(openapi, "PATCH", "/v1/products/{id}")["properties"]["prices"]
        assert next(o for o in update["anyOf"] if o.get("type") == "array")["minItems"] == 1

    async def test_ids_are_documented_as_version_4_uuids(
        self, client: httpx.AsyncClient, tenant: Tenant, openapi: dict[str, Any]
    ) -> None:
        (parameter,) = openapi["paths"]["/v1/products/{id}"]["get"]["parameters"]
        assert parameter["schema"]["format"] == "uuid"
        pattern = parameter["schema"]["pattern"]
        assert "uuid4" not in str(openapi)
        assert re.match(pattern, str(uuid.uuid4()))
        version_1 = uuid.uuid1()
        assert not re.match(pattern, str(version_1))
        # Version 4 is only read from RFC 4122's variant: this one is refused as no version.
        assert not re.match(pattern, "00000000-0000-4000-0000-000000000000")
        response = await client.get(
            f"/v1/products/{version_1}", headers=tenant.headers("organization")
        )
        assert response.status_code == 422

    async def test_sort_keys_are_an_enum(self, openapi: dict[str, Any]) -> None:
        parameters = openapi["paths"]["/v1/products/"]["get"]["parameters"]
        sorting = next(p for p in parameters if p["name"] == "sorting")["schema"]
        items = next(o for o in sorting["anyOf"] if o.get("type") == "array")["items"]
        assert {"created_at", "-created_at", "name", "-name"} <= set(items["enum"])


class TestNumbersAreNumbers:
    @pytest.mark.parametrize("amount", [True, "100", 100.5])
    async def test_price_amount(
        self, client: httpx.AsyncClient, tenant: Tenant, amount: object
    ) -> None:
        response = await client.post(
            "/v1/products/",
            json={"name": "Strict", "prices": [{**FIXED, "price_amount": amount}]},
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"][:3] == ["body", "prices", 0]

    async def test_a_number_with_no_fraction_is_an_integer(
        self, client: httpx.AsyncClient, tenant: Tenant
    ) -> None:
        # JSON Schema's `integer` (what the document says) includes 1000.0.
        response = await client.post(
            "/v1/products/",
            json={"name": "Whole", "prices": [{**FIXED, "price_amount": 1000.0}]},
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 201, response.text
        assert response.json()["prices"][0]["price_amount"] == 1000

    async def test_a_bool_is_not_a_string(self, client: httpx.AsyncClient, tenant: Tenant) -> None:
        response = await client.patch(
            f"/v1/products/{uuid.uuid4()}",
            json={"is_archived": "true"},
            headers=tenant.headers("organization"),
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "is_archived"]
