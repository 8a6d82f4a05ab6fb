"""Routing with module routers (entrypoints/http/kit/routing.py): a router turns away a path
that does not contain its prefix without trying its routes, and the app answers every request
exactly as it does when each router tries all of its routes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Match

from entrypoints.http.app import create_app
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.modules import MODULES
from tests.api.conftest import own_client, own_container

_PARAMETER = re.compile(r"{[^}]+}")
_METHODS = ("GET", "POST", "PATCH", "DELETE")


def _scope(path: str) -> dict[str, object]:
    return {"type": "http", "path": path, "root_path": "", "method": "GET"}


def test_a_path_without_the_prefix_is_no_match_and_no_route_is_tried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    router = ModuleRouter(prefix="/things")

    @router.get("/{id}")
    async def get_thing(id: str) -> dict[str, str]:
        return {"id": id}

    tried: list[str] = []

    def refuse(self: APIRouter, scope: object) -> tuple[Match, dict[str, object]]:
        tried.append("yes")
        return Match.NONE, {}

    monkeypatch.setattr(APIRouter, "matches", refuse)
    assert router.matches(_scope("/v1/other/1")) == (Match.NONE, {})
    assert tried == []
    router.matches(_scope("/v1/things/1"))
    assert tried == ["yes"]


def test_every_module_router_with_a_prefix_is_a_module_router() -> None:
    # A plain APIRouter would still work, but every request to a later router would try
    # each of its routes again.
    plain = [
        router.prefix
        for module in MODULES
        for router in (*module.routers, *module.public_routers)
        if router.prefix and not isinstance(router, ModuleRouter)
    ]
    assert plain == []


def test_a_router_without_a_prefix_tries_its_routes_for_every_path() -> None:
    router = ModuleRouter()
    # No prefix to test for: the router answers as an APIRouter would (here, included
    # nowhere, with no match).
    assert router.matches(_scope("/anything")) == APIRouter.matches(router, _scope("/anything"))


def _requests(app: FastAPI) -> Iterator[tuple[str, str]]:
    """Every route's method and path (parameters filled in), with near misses: the path with
    a character more, without its trailing slash, and each other method at it."""
    seen: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        assert context.path is not None
        path = _PARAMETER.sub(str(uuid.uuid4()), context.path)
        variants = [path, path + "x", path.rstrip("/") or "/"]
        for variant in variants:
            for method in _METHODS:
                if (method, variant) not in seen:
                    seen.add((method, variant))
                    yield method, variant


def _answer(response: httpx.Response) -> tuple[int, str | None, str | None]:
    error = None
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
    return response.status_code, response.headers.get("allow"), error


async def test_the_app_routes_every_request_as_without_the_prefix_test(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rate limits off: each request is sent twice, and the public routes allow 3 a second.
    container = own_container(database_url=database_url, rate_limits=False)
    answers: dict[bool, list[tuple[str, str, tuple[int, str | None, str | None]]]] = {}
    async with own_client(container) as client:
        requests = list(_requests(create_app(container, manage_runtime=False)))
        assert len(requests) > 500
        for filtered in (True, False):
            if not filtered:
                monkeypatch.setattr(ModuleRouter, "matches", APIRouter.matches)
            answers[filtered] = [
                (method, path, _answer(await client.request(method, path, json={})))
                for method, path in requests
            ]
    assert answers[True] == answers[False]
    statuses = {status for _, _, (status, _, _) in answers[True]}
    # The comparison covered routed requests, unknown paths and wrong methods.
    assert {401, 404, 405} <= statuses
