"""The tenant matrix, generated from the app's route table: tenant A's tokens never reach tenant
B's rows, on every route, on PostgreSQL and on the memory adapters.

Every route of the app is one of:

- a route with a path id: with B's id in the path, A gets 404 on every method, with each token
  kind the route accepts (never 403, which would confirm that the id exists, nor 2xx), and B's
  rows are the same afterwards;
- a list (GET on a collection): none of B's ids appears in what A lists, without filters,
  with each id filter naming B's rows, and with `organization_id` naming B's organization;
- a create (POST on a collection): naming B's organization is refused with 404 (see below)
  and creates nothing for B. The same holds the license-key routes an organization token uses
  a key with (`/v1/license-keys/validate|activate|deactivate`): their body names B's real key
  (and activation) and B's organization, so the 404 is the tenant check's, not an unknown key's;
- exempt: listed in EXEMPT with its reason.

A new route is covered without a new test. If its path names a kind of resource the matrix
cannot make yet, the test fails and asks for one line in FACTORIES (how to make one for a
tenant). A write whose body does not validate as `{}` needs one line in BODIES, so that a 422
cannot hide the answer of the tenant check (FastAPI validates the body before the route runs).

Organizations the subject cannot reach, as Polar answers them (and this app does):
- `?organization_id=` naming one on a list: 200 with an empty list (Polar filters the subject's
  readable rows by the ids: the others' rows are simply not there). Naming one of the subject's
  own organizations and another's answers the subject's rows only.
- `organization_id` naming one in a create's body (or in the `Polar-Organization` header): 404
  "Organization not found.", with either token kind. Polar refuses it too, as a 422 at
  body.organization_id; this app answers as its path-id routes do, and the matrix holds it to
  that (a 403 would confirm that the organization exists).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter, ValidationError

from application.auth import SubjectKind
from entrypoints.http.app import create_app
from entrypoints.http.dependencies import Authenticator
from tests.harness import Seeder, Tenant
from tests.unit.conftest import memory_container

# --- What the matrix needs to know about the app, one line per kind ------------------------------

PRODUCT = {"name": "Pro", "prices": [{"amount_type": "fixed", "price_amount": 900}]}
FREE_PRODUCT = {"name": "Starter", "prices": [{"amount_type": "fixed", "price_amount": 0}]}
FREE_PRICE = {"amount_type": "fixed", "price_amount": 0}
DISCOUNT = {"name": "Spring", "type": "percentage", "basis_points": 2500, "duration": "once"}
BENEFIT = {"type": "custom", "description": "Priority support", "properties": {"note": "Mail"}}
METER = {
    "name": "API calls",
    "filter": {
        "conjunction": "and",
        "clauses": [{"property": "name", "operator": "eq", "value": "api_call"}],
    },
    "aggregation": {"func": "count"},
}
# `.invalid` never resolves: nothing is ever sent to it (the guard refuses it at send time).
ENDPOINT = {
    "url": "https://tenant-matrix.invalid/hook",
    "format": "raw",
    "events": ["product.created"],
}
LICENSE_BENEFIT = {
    "type": "license_keys",
    "description": "License",
    "properties": {"activations": {"limit": 3, "enable_customer_admin": False}},
}
CUSTOMER = {"email": "matrix@example.com", "name": "Matrix"}
CUSTOM_FIELD = {"type": "text", "slug": "matrix", "name": "Matrix", "properties": {}}
TOKEN = {"comment": "matrix", "scopes": ["products:read"]}
FILE = {
    "service": "downloadable",
    "name": "matrix.zip",
    "mime_type": "application/zip",
    "size": 10,
    "upload": {"parts": [{"number": 1, "chunk_start": 0, "chunk_end": 9}]},
}


@dataclass
class World:
    """The app under test, with a seeder writing to the same store."""

    client: httpx.AsyncClient
    seeder: Seeder
    app: FastAPI
    # Per tenant (by organization id): the id each factory made, by key.
    made: dict[uuid.UUID, dict[str, str]] = field(default_factory=dict)

    async def id_of(self, tenant: Tenant, key: str) -> str:
        """The id of tenant's resource of kind `key`, made on first use."""
        made = self.made.setdefault(tenant.organization.id, {})
        if key not in made:
            made[key] = await (FACTORIES.get(key) or LISTED_ONLY[key])(self, tenant)
        return made[key]


Factory = Callable[[World, Tenant], Awaitable[str]]


@dataclass(frozen=True)
class Created:
    """A factory creating one through the API (its create route, `path`), with the tenant
    owner's personal token, which may create everything; `id_at` is where the id is in the
    response. The create check sends `body` too."""

    path: str
    body: dict[str, Any]
    id_at: tuple[str, ...] = ("id",)

    async def __call__(self, world: World, tenant: Tenant) -> str:
        response = await world.client.post(
            self.path, json=tenant.body("user", self.body), headers=tenant.headers("user")
        )
        assert response.status_code == 201, (self.path, response.text)
        value: Any = response.json()
        for key in self.id_at:
            value = value[key]
        return str(value)


async def _organization(world: World, tenant: Tenant) -> str:
    return str(tenant.organization.id)


async def _file(world: World, tenant: Tenant) -> str:
    # The upload flow needs object storage; the record is what the file routes look up.
    return str((await world.seeder.file(tenant)).id)


async def _payment(world: World, tenant: Tenant) -> str:
    # Payments are recorded by checkouts, never created through the API.
    return str((await world.seeder.payment(tenant)).id)


async def _external_customer(world: World, tenant: Tenant) -> str:
    # External ids are the merchant's own: unique per tenant here, or tenant A would find its
    # own customer under B's external id.
    external_id = f"matrix-{tenant.organization.id}"
    body = {"email": "external@example.com", "external_id": external_id}
    await Created("/v1/customers/", body)(world, tenant)
    return external_id


async def _checkout(world: World, tenant: Tenant) -> str:
    # A checkout buys one of the tenant's products: made first.
    product_id = await world.id_of(tenant, "/v1/products/{id}")
    return await Created("/v1/checkouts/", {"products": [product_id]})(world, tenant)


async def _order(world: World, tenant: Tenant) -> str:
    # A free checkout confirmed: its job succeeds it and makes its order.
    product = await Created("/v1/products/", FREE_PRODUCT)(world, tenant)
    headers = tenant.headers("user")
    created = await world.client.post(
        "/v1/checkouts/", json={"products": [product]}, headers=headers
    )
    secret = created.json()["client_secret"]
    confirmed = await world.client.post(
        f"/v1/checkouts/client/{secret}/confirm", json={"customer_email": "buyer@example.com"}
    )
    assert confirmed.status_code == 200, confirmed.text
    # Its free-success job, as a worker runs it (the memory world records jobs; on PostgreSQL
    # the suite's broker ran it already, and a second run changes nothing).
    container = world.app.state.container
    async with container.uow_factory().write() as uow:
        await container.checkout_service().on_free_success(uow, uuid.UUID(created.json()["id"]))
        await uow.commit()
    orders = await world.client.get(
        "/v1/orders/", params={"checkout_id": created.json()["id"]}, headers=headers
    )
    return str(orders.json()["items"][0]["id"])


async def _checkout_link(world: World, tenant: Tenant) -> str:
    # A checkout link offers some of the tenant's products: made first.
    product_id = await world.id_of(tenant, "/v1/products/{id}")
    body = {"payment_processor": "stripe", "products": [product_id]}
    return await Created("/v1/checkout-links/", body)(world, tenant)


async def _refund(world: World, tenant: Tenant) -> str:
    # Refunds have no route by id, only the list: one recorded on the tenant's order.
    from domain.refund import Refund, RefundReason

    order_id = await world.id_of(tenant, "/v1/orders/{id}")
    async with world.seeder.uows.write() as uow:
        order = await uow.orders.get_including_deleted(uuid.UUID(order_id))
        refund = Refund.create(
            at=order.created_at,
            organization_id=order.organization_id,
            order_id=order.id,
            customer_id=order.customer_id,
            reason=RefundReason.other,
            amount=1,
            currency=order.currency,
        )
        await uow.refunds.create(refund)
        await uow.commit()
    return str(refund.id)


async def _subscription(world: World, tenant: Tenant) -> str:
    # A subscription starts without payment only to a free recurring product, for a customer.
    product = {**PRODUCT, "recurring_interval": "month", "prices": [FREE_PRICE]}
    product_id = await Created("/v1/products/", product)(world, tenant)
    customer_id = await world.id_of(tenant, "/v1/customers/{id}")
    body = {"product_id": product_id, "customer_id": customer_id}
    return await Created("/v1/subscriptions/", body)(world, tenant)


async def _webhook_event(world: World, tenant: Tenant) -> str:
    endpoint_id = await world.id_of(tenant, "/v1/webhooks/endpoints/{id}")
    return str((await world.seeder.webhook_event(tenant, uuid.UUID(endpoint_id))).id)


async def _license_key(world: World, tenant: Tenant) -> str:
    # Keys are issued by granting a license-keys benefit (a job), never created by the API.
    from adapters.clock import SystemClock
    from application.benefit_grants.service import BenefitGrantService
    from entrypoints.modules.benefits import BENEFIT_STRATEGIES

    customer_id = await world.id_of(tenant, "/v1/customers/{id}")
    benefit_id = await Created("/v1/benefits/", LICENSE_BENEFIT)(world, tenant)
    service = BenefitGrantService(SystemClock(), {s.type: s for s in BENEFIT_STRATEGIES})
    async with world.seeder.uows.write() as uow:
        grant = await service.grant(
            uow, customer_id=uuid.UUID(customer_id), benefit_id=uuid.UUID(benefit_id)
        )
        await uow.commit()
    assert grant is not None
    return str(grant.properties["license_key_id"])


async def _activation(world: World, tenant: Tenant) -> str:
    from adapters.clock import SystemClock
    from application.license_keys.commands import LicenseKeyActivate
    from application.license_keys.service import LicenseKeyService

    key_id = await world.id_of(tenant, "/v1/license-keys/{id}")
    async with world.seeder.uows.write() as uow:
        key = await uow.license_keys.get(uuid.UUID(key_id))
        command = LicenseKeyActivate(key=key.key, organization_id=key.organization_id, label="m")
        view = await LicenseKeyService(SystemClock()).activate(uow, None, command)
        await uow.commit()
    return str(view.activation.id)


# A path up to one of its parameters → how to make a resource of that kind for a tenant. A
# route's parameters are resolved by the prefixes of its path ending at each of them, so a new
# route under a known prefix (`/v1/products/{id}/prices`) needs nothing here.
FACTORIES: dict[str, Factory] = {
    "/v1/organizations/{id}": _organization,
    "/v1/organization-access-tokens/{id}": Created(
        "/v1/organization-access-tokens/", TOKEN, ("organization_access_token", "id")
    ),
    "/v1/discounts/{id}": Created("/v1/discounts/", DISCOUNT),
    "/v1/files/{id}": _file,
    "/v1/products/{id}": Created("/v1/products/", PRODUCT),
    "/v1/benefits/{id}": Created("/v1/benefits/", BENEFIT),
    "/v1/meters/{id}": Created("/v1/meters/", METER),
    "/v1/webhooks/endpoints/{id}": Created("/v1/webhooks/endpoints", ENDPOINT),
    "/v1/webhooks/events/{id}": _webhook_event,
    "/v1/customers/{id}": Created("/v1/customers/", CUSTOMER),
    "/v1/custom-fields/{id}": Created("/v1/custom-fields/", CUSTOM_FIELD),
    "/v1/customers/external/{external_id}": _external_customer,
    "/v1/payments/{id}": _payment,
    "/v1/checkouts/{id}": _checkout,
    "/v1/orders/{id}": _order,
    "/v1/checkout-links/{id}": _checkout_link,
    "/v1/license-keys/{id}": _license_key,
    "/v1/license-keys/{id}/activations/{activation_id}": _activation,
    "/v1/subscriptions/{id}": _subscription,
}


async def _key_body(world: World, tenant: Tenant, **extra: Any) -> dict[str, Any]:
    """A body naming one of the tenant's real keys: with an unknown key the 404 of the
    validate / activate / deactivate routes would prove nothing about the tenant check."""
    key_id = await world.id_of(tenant, "/v1/license-keys/{id}")
    async with world.seeder.uows.write() as uow:
        key = await uow.license_keys.get(uuid.UUID(key_id))
    return {"key": key.key, "organization_id": str(tenant.organization.id), **extra}


async def _activation_body(world: World, tenant: Tenant) -> dict[str, Any]:
    activation_id = await world.id_of(tenant, "/v1/license-keys/{id}/activations/{activation_id}")
    return await _key_body(world, tenant, activation_id=activation_id)


Body = dict[str, Any] | Callable[[World, Tenant], Awaitable[dict[str, Any]]]

# Rows of lists that have no route by id: made so that each list has a row of A's to show.
LISTED_ONLY: dict[str, Factory] = {"/v1/refunds/": _refund}

# Bodies of the creates no factory goes through (collection path → body, or how to make one
# naming the other tenant's resources).
CREATES: dict[str, Body] = {
    "/v1/files/": FILE,
    # A customer session names its customer, never an organization: another tenant's customer
    # is not found (tests/api/test_customer_sessions.py sends their ids).
    "/v1/customer-sessions/": {"external_customer_id": "user_1"},
    # The organization token's use of a key: B's own key and activation, B's organization.
    "/v1/license-keys/validate": _key_body,
    "/v1/license-keys/activate": lambda world, tenant: _key_body(world, tenant, label="matrix"),
    "/v1/license-keys/deactivate": _activation_body,
}

# Bodies of the writes whose body does not validate as `{}` ("METHOD path").
BODIES: dict[str, dict[str, Any]] = {
    "POST /v1/files/{id}/uploaded": {
        "id": "upload",
        "path": "path",
        "parts": [{"number": 1, "checksum_etag": "etag"}],
    },
    "POST /v1/products/{id}/benefits": {"benefits": []},
    "PATCH /v1/benefits/{id}": {"type": "custom"},
    "PATCH /v1/custom-fields/{id}": {"type": "text"},
}

# Routes outside the matrix ("METHOD path"), each with why.
_DOCS = "FastAPI's documentation: public, no tenant data"
_STORAGE = "signed storage URL: authorized by its signature, not a token (tests/api/test_files.py)"
_CLIENT_SECRET = "the client secret is the capability, as in Polar (tests/api/test_checkouts.py)"
_LICENSE_KEY = "public: the license key in the body is the capability, as in Polar"
EXEMPT: dict[str, str] = {
    "GET /openapi.json": _DOCS,
    "GET /docs": _DOCS,
    "GET /docs/oauth2-redirect": _DOCS,
    "GET /redoc": _DOCS,
    "GET /healthz": "liveness probe: public, no tenant data",
    "GET /readyz": "readiness probe: public, no tenant data",
    "OPTIONS /storage/uploads/{upload_id}/{number}": _STORAGE,
    "PUT /storage/uploads/{upload_id}/{number}": _STORAGE,
    "GET /storage/objects/{key:path}": _STORAGE,
    "GET /storage/public/{rest:path}": "public objects (product media, avatars): public by design",
    "POST /v1/organizations/": "creates a new organization: it names no existing tenant",
    "POST /v1/checkouts/": "names no organization (the checkout's is its products'); another "
    "tenant's product is refused at body.products (tests/api/test_checkouts.py)",
    "POST /v1/subscriptions/": "names no organization (the subscription's is its product's); "
    "another tenant's product or customer is refused at body.product_id / body.customer_id "
    "(tests/api/test_subscriptions.py)",
    "GET /v1/checkouts/client/{client_secret}": _CLIENT_SECRET,
    "POST /v1/customer-portal/license-keys/validate": _LICENSE_KEY,
    "POST /v1/customer-portal/license-keys/activate": _LICENSE_KEY,
    "POST /v1/customer-portal/license-keys/deactivate": _LICENSE_KEY,
    "PATCH /v1/checkouts/client/{client_secret}": _CLIENT_SECRET,
    "POST /v1/checkouts/client/{client_secret}/confirm": _CLIENT_SECRET,
    # The hosted checkout page (HTML), by the same capability.
    "GET /checkout/{client_secret}": _CLIENT_SECRET,
    "POST /checkout/{client_secret}": _CLIENT_SECRET,
    "GET /checkout/{client_secret}/confirmation": _CLIENT_SECRET,
    "GET /checkout-assets/checkout.css": "The checkout page's stylesheet: public, no data.",
    "POST /v1/checkout-links/": "names no organization (the link's is its products'); another "
    "tenant's product is refused at body.products (tests/api/test_checkout_links.py)",
    "GET /v1/checkout-links/{client_secret}/redirect": _CLIENT_SECRET,
    "POST /v1/refunds/": "names no organization (the refund's is its order's); another "
    "tenant's order is refused at body.order_id, as an unknown one (tests/api/test_refunds.py)",
    "GET /v1/customer-portal/customers/me": "customer sessions only: names no id, the session's "
    "customer is the one shown (tests/api/test_customer_sessions.py)",
}

# --- The route table -----------------------------------------------------------------------------

_PARAMETER = re.compile(r"{([^}:]+)(:[^}]*)?}")
_KINDS = {SubjectKind.user: "user", SubjectKind.organization: "organization"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    route: APIRoute | None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def parameters(self) -> list[re.Match[str]]:
        return list(_PARAMETER.finditer(self.path))

    @property
    def token_kinds(self) -> list[str]:
        """The token kinds the route admits ("user", "organization"), from its Authenticator."""
        if self.route is None:
            return []
        for dependency in self.route.dependant.dependencies:
            if isinstance(dependency.call, Authenticator):
                allowed = dependency.call.allowed_subjects
                return [kind for subject, kind in _KINDS.items() if subject in allowed]
        return []

    def body(self) -> dict[str, Any] | None:
        """The body to send (None when the route takes none), checked to validate."""
        if self.route is None or self.route.body_field is None:
            return None
        body = BODIES.get(self.key, {})
        annotation: Any = self.route.body_field.field_info.annotation
        try:
            TypeAdapter(annotation).validate_python(body)
        except ValidationError as error:
            pytest.fail(
                f"{self.key}: its body does not validate as {body!r}, so a 422 would hide the "
                f"tenant check; add a minimal valid body to BODIES.\n{error}"
            )
        return body


def routes(app: FastAPI) -> Iterator[Route]:
    """Every method of every route the app serves."""
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        path = context.path
        assert path is not None
        for method in sorted(context.methods or ()):
            if method == "HEAD" and "GET" in (context.methods or ()):
                continue  # Starlette's automatic HEAD of a GET route
            yield Route(method, path, original if isinstance(original, APIRoute) else None)


@dataclass
class Table:
    by_id: list[Route] = field(default_factory=list)
    lists: list[Route] = field(default_factory=list)
    creates: list[Route] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)


def table(app: FastAPI) -> Table:
    """The app's routes, sorted into the matrix's checks; what fits none is `uncovered`."""
    result = Table()
    for route in routes(app):
        if route.key in EXEMPT:
            continue
        if not route.token_kinds:
            result.uncovered.append(f"{route.key}: takes no merchant token; exempt it (why?)")
        elif route.parameters:
            result.by_id.append(route)
        elif route.method == "GET":
            result.lists.append(route)
        elif route.method == "POST":
            result.creates.append(route)
        else:
            result.uncovered.append(f"{route.key}: a {route.method} on a collection")
    return result


def prefixes(route: Route) -> list[tuple[re.Match[str], str]]:
    """Each path parameter with the path up to it: its key in FACTORIES."""
    return [(match, route.path[: match.end()]) for match in route.parameters]


# --- The worlds ----------------------------------------------------------------------------------


@pytest.fixture
async def memory_world() -> AsyncIterator[World]:
    """The app on the memory adapters (what `MERIDIAN_ADAPTERS=memory` serves)."""
    container = memory_container()
    app = create_app(container, manage_runtime=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://meridian.test") as client:
        yield World(client, Seeder.of(container), app)


@pytest.fixture(params=["sqlalchemy", "memory"])
def world(request: pytest.FixtureRequest) -> World:
    """The suite's app on PostgreSQL (rolled back after the test), or on the memory adapters."""
    if request.param == "memory":
        memory: World = request.getfixturevalue("memory_world")
        return memory
    return World(
        request.getfixturevalue("client"),
        request.getfixturevalue("seeder"),
        request.getfixturevalue("app"),
    )


async def fill(world: World, tenant: Tenant, route: Route) -> str:
    """`route`'s path with `tenant`'s ids."""
    path = route.path
    for match, prefix in reversed(prefixes(route)):
        id = await world.id_of(tenant, prefix)
        path = path[: match.start()] + id + path[match.end() :]
    return path


async def make_everything(world: World, tenant: Tenant) -> set[str]:
    """One resource of every kind for `tenant`; every id the tenant has."""
    for key in [*FACTORIES, *LISTED_ONLY]:
        await world.id_of(tenant, key)
    return {
        *world.made[tenant.organization.id].values(),
        str(tenant.user_id),
        str(tenant.organization_token_id),
    }


def leaked(response: httpx.Response, ids: set[str]) -> list[str]:
    """Those of `ids` the response shows anywhere (fields, payloads, messages)."""
    return sorted(id for id in ids if id in response.text)


def takes_ids(schema: Any) -> bool:
    """Whether an OpenAPI schema takes UUIDs (alone, in an array, or in a union)."""
    if isinstance(schema, dict):
        if str(schema.get("format", "")).startswith("uuid"):
            return True
        return any(takes_ids(value) for value in schema.values())
    if isinstance(schema, list):
        return any(takes_ids(value) for value in schema)
    return False


def id_filters(app: FastAPI, route: Route) -> list[str]:
    """The query parameters of a list route taking ids, from the OpenAPI document."""
    operation = app.openapi()["paths"].get(route.path, {}).get(route.method.lower(), {})
    return [
        parameter["name"]
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and takes_ids(parameter["schema"])
    ]


async def view(world: World, tenant: Tenant, table: Table) -> dict[str, str]:
    """Everything `tenant` reads (its id routes' GETs and its lists), as text: compared before
    and after the other tenant's requests."""
    seen: dict[str, str] = {}
    for route in [r for r in table.by_id if r.method == "GET"] + table.lists:
        path = await fill(world, tenant, route) if route.parameters else route.path
        response = await world.client.get(
            path, params={"limit": 100}, headers=tenant.headers("user")
        )
        assert response.status_code == 200, (route.key, "as its own tenant", response.text)
        seen[route.key] = response.text
    return seen


# --- The matrix ----------------------------------------------------------------------------------


async def test_every_route_is_covered_or_exempt(app: FastAPI) -> None:
    """Every route falls under a check or has a reason not to, and nothing exempt is stale."""
    result = table(app)
    assert not result.uncovered, "routes neither covered nor exempt:\n" + "\n".join(
        result.uncovered
    )
    keys = {route.key for route in routes(app)}
    assert not set(EXEMPT) - keys, f"exempt routes the app no longer has: {set(EXEMPT) - keys}"
    missing = sorted(
        f"{route.key}: no factory for {prefix!r}"
        for route in result.by_id
        for _, prefix in prefixes(route)
        if prefix not in FACTORIES
    )
    assert not missing, "add a line to FACTORIES for each:\n" + "\n".join(missing)
    assert not set(FACTORIES) - {p for r in result.by_id for _, p in prefixes(r)}, "stale"
    for route in result.by_id:
        route.body()  # fails when a route's body needs a line in BODIES
    # What the matrix covers today (a floor: new routes only add to it).
    assert len(result.by_id) >= 25 and len(result.lists) >= 9 and len(result.creates) >= 7


async def test_another_tenants_ids_are_not_found(world: World) -> None:
    mine, theirs = await world.seeder.tenant(), await world.seeder.tenant()
    result = table(world.app)
    await make_everything(world, mine)
    their_ids = await make_everything(world, theirs)
    before = await view(world, theirs, result)
    # Each made id is real: its tenant reads it (a factory's wrong id would make 404 vacuous).
    for key, id in world.made[theirs.organization.id].items():
        assert any(id in text for text in before.values()), f"{key}: {id} is nowhere to be seen"

    answers: list[str] = []
    # Deletes last, so that every other method meets B's rows as they were made.
    for route in sorted(result.by_id, key=lambda r: r.method == "DELETE"):
        path = await fill(world, theirs, route)
        body = route.body()
        for kind in route.token_kinds:
            response = await world.client.request(
                route.method, path, json=body, headers=mine.headers(kind)
            )
            if response.status_code != 404 or leaked(response, their_ids - set(path.split("/"))):
                answers.append(f"{route.key} as {kind}: {response.status_code} {response.text}")
    assert not answers, "another tenant's ids answered other than 404:\n" + "\n".join(answers)
    assert await view(world, theirs, result) == before, "another tenant's requests changed B"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _rows(response: httpx.Response) -> list[Any]:
    """The rows a list answered: its items, or the lines after a CSV export's header."""
    if response.headers["content-type"].startswith("text/csv"):
        return response.text.splitlines()[1:]
    items: list[Any] = response.json()["items"]
    return items


async def test_another_tenants_rows_are_never_listed(world: World) -> None:
    mine, theirs = await world.seeder.tenant(), await world.seeder.tenant()
    result = table(world.app)
    my_ids = await make_everything(world, mine)
    their_ids = await make_everything(world, theirs)
    # Id filters take ids; an external id (the merchant's own string) is looked for in the text.
    theirs_only = sorted(i for i in their_ids if _is_uuid(i))
    problems: list[str] = []
    for route in result.lists:
        filters = id_filters(world.app, route)
        queries: list[dict[str, Any]] = [{}]
        for name in filters:
            if name == "organization_id":
                queries.append({name: [str(theirs.organization.id)]})
                queries.append({name: [str(mine.organization.id), str(theirs.organization.id)]})
            else:
                queries.append({name: theirs_only})
        for kind in route.token_kinds:
            for query in queries:
                response = await world.client.get(
                    route.path, params={"limit": 100, **query}, headers=mine.headers(kind)
                )
                label = f"{route.key}?{query} as {kind}"
                if response.status_code != 200:
                    problems.append(f"{label}: {response.status_code} {response.text}")
                    continue
                if leaked(response, their_ids):
                    problems.append(f"{label} shows {leaked(response, their_ids)}")
                if query.get("organization_id") == [str(theirs.organization.id)]:
                    if _rows(response):
                        problems.append(f"{label}: not empty")
                elif not query and not leaked(response, my_ids):
                    # Otherwise the check above proves nothing: make a row it lists.
                    problems.append(f"{label}: lists none of A's rows either")
    assert not problems, "\n".join(problems)


async def test_another_tenants_organization_is_refused_on_create(world: World) -> None:
    mine, theirs = await world.seeder.tenant(), await world.seeder.tenant()
    result = table(world.app)
    bodies: dict[str, Body] = {
        f.path: f.body for f in FACTORIES.values() if isinstance(f, Created)
    } | CREATES
    their_ids = await make_everything(world, theirs)
    before = await view(world, theirs, result)
    problems: list[str] = []
    for route in result.creates:
        made = bodies.get(route.path)
        if made is None:
            problems.append(f"{route.key}: no body to create with; add one to CREATES")
            continue
        body = made if isinstance(made, dict) else await made(world, theirs)
        for kind in route.token_kinds:
            for header in (False, True):
                # The body names B's organization, or (as the SDK does for users) the header.
                sent = body if header else {**body, "organization_id": str(theirs.organization.id)}
                headers = mine.headers(kind)
                if header:
                    headers = {**headers, "Polar-Organization": str(theirs.organization.id)}
                response = await world.client.post(route.path, json=sent, headers=headers)
                if response.status_code != 404 or leaked(
                    response, their_ids - {str(theirs.organization.id)}
                ):
                    problems.append(
                        f"{route.key} as {kind} (header={header}): "
                        f"{response.status_code} {response.text}"
                    )
    assert not problems, "\n".join(problems)
    assert await view(world, theirs, result) == before, "creates landed in B's organization"
