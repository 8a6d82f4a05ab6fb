"""The checkout links API: the merchant's routes (as a user and as an organization) in the
client's `CheckoutLink` model, the public redirect (303 to a new checkout's page, prefilled from
the query), tenancy (404) and bad input (422, nothing written)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from polar.base import deserialize
from polar.v2026_10.outputs import CheckoutLink as SdkCheckoutLink
from polar.v2026_10.outputs import ListResourceCheckoutLink

from tests.harness import Seeder, Tenant, error_loc, listed

BASE = "/v1/checkout-links"
FIXED = {"name": "Pro", "prices": [{"amount_type": "fixed", "price_amount": 900}]}
CUSTOM = {
    "name": "Tip jar",
    "prices": [
        {
            "amount_type": "custom",
            "minimum_amount": 500,
            "maximum_amount": 10_000,
            "preset_amount": 1000,
        }
    ],
}
DISCOUNT = {
    "name": "Launch",
    "code": "LAUNCH",
    "type": "percentage",
    "basis_points": 1000,
    "duration": "once",
}


async def _post(
    client: httpx.AsyncClient, tenant: Tenant, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        path, json=tenant.body("user", body), headers=tenant.headers("user")
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _product(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any] = FIXED
) -> dict[str, Any]:
    return await _post(client, tenant, "/v1/products/", body)


async def _link(
    client: httpx.AsyncClient, tenant: Tenant, kind: str = "organization", **body: Any
) -> dict[str, Any]:
    if not {"products", "product_id", "product_price_id"} & set(body):
        body["products"] = [(await _product(client, tenant))["id"]]
    body.setdefault("payment_processor", "stripe")
    response = await client.post(f"{BASE}/", json=body, headers=tenant.headers(kind))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    deserialize(result, SdkCheckoutLink)
    return result


async def _redirect(
    client: httpx.AsyncClient, link: dict[str, Any], **query: str
) -> httpx.Response:
    # The client sends a token even here; the secret in the path is what counts.
    return await client.get(
        f"{BASE}/{link['client_secret']}/redirect",
        params=query,
        headers={"Authorization": "Bearer polar_pat_whatever"},
    )


async def _checkout_of(
    client: httpx.AsyncClient, tenant: Tenant, response: httpx.Response
) -> dict[str, Any]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    secret = urlsplit(location).path.rsplit("/", 1)[-1]
    got = await client.get(f"/v1/checkouts/client/{secret}")
    assert got.status_code == 200, got.text
    checkout = await client.get(f"/v1/checkouts/{got.json()['id']}", headers=tenant.headers("user"))
    assert checkout.status_code == 200
    result: dict[str, Any] = checkout.json()
    assert location.split("?")[0] == result["url"]
    return result


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        for path in (f"{BASE}/", f"{BASE}/{uuid.uuid4()}"):
            assert (await client.get(path)).status_code == 401, path
        response = await client.post(f"{BASE}/", json={"payment_processor": "stripe"})
        assert response.status_code == 401


class TestMerchant:
    async def test_create_get_list_update_delete(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        first = await _product(client, tenant)
        second = await _product(client, tenant, CUSTOM)
        discount = await _post(client, tenant, "/v1/discounts/", DISCOUNT)
        body = await _link(
            client,
            tenant,
            subject_kind,
            products=[second["id"], first["id"]],
            label="Spring",
            discount_id=discount["id"],
            success_url="https://shop.example/ok",
            metadata={"campaign": "spring"},
        )
        model = deserialize(body, SdkCheckoutLink)
        assert [p.id for p in model.products] == [second["id"], first["id"]]
        assert model.client_secret.startswith("polar_cl_")
        assert model.url.endswith(f"/v1/checkout-links/{model.client_secret}/redirect")
        assert model.discount is not None and model.discount.id == discount["id"]
        assert (model.label, model.metadata, model.payment_processor) == (
            "Spring",
            {"campaign": "spring"},
            "stripe",
        )
        assert model.organization_id == str(tenant.organization.id)

        headers = tenant.headers(subject_kind)
        got = await client.get(f"{BASE}/{model.id}", headers=headers)
        assert got.status_code == 200 and got.json() == body

        items = await listed(client, f"{BASE}/", tenant, ListResourceCheckoutLink)
        assert [item["id"] for item in items] == [model.id]
        by_product = await client.get(
            f"{BASE}/", params={"product_id": first["id"]}, headers=headers
        )
        assert by_product.json()["pagination"]["total_count"] == 1
        other = await client.get(
            f"{BASE}/", params={"product_id": str(uuid.uuid4())}, headers=headers
        )
        assert other.json()["items"] == []

        updated = await client.patch(
            f"{BASE}/{model.id}",
            json={"products": [first["id"]], "label": None, "discount_id": None},
            headers=headers,
        )
        assert updated.status_code == 200, updated.text
        changed = deserialize(updated.json(), SdkCheckoutLink)
        assert [p.id for p in changed.products] == [first["id"]]
        assert changed.label is None and changed.discount is None
        assert changed.client_secret == model.client_secret

        deleted = await client.delete(f"{BASE}/{model.id}", headers=headers)
        assert deleted.status_code == 204
        assert (await client.get(f"{BASE}/{model.id}", headers=headers)).status_code == 404
        assert (await _redirect(client, body)).status_code == 404
        assert await listed(client, f"{BASE}/", tenant, ListResourceCheckoutLink) == []

    async def test_single_product_and_price_shapes(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant)
        by_product = await _link(client, tenant, product_id=product["id"])
        assert [p["id"] for p in by_product["products"]] == [product["id"]]
        by_price = await _link(client, tenant, product_price_id=product["prices"][0]["id"])
        assert [p["id"] for p in by_price["products"]] == [product["id"]]

    async def test_sorting(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant)
        for label in ("b", "a", "c"):
            await _link(client, tenant, products=[product["id"]], label=label)
        response = await client.get(
            f"{BASE}/", params={"sorting": "-label"}, headers=tenant.headers("user")
        )
        assert [i["label"] for i in response.json()["items"]] == ["c", "b", "a"]
        bad = await client.get(
            f"{BASE}/", params={"sorting": "name"}, headers=tenant.headers("user")
        )
        assert bad.status_code == 422


class TestBadInput:
    async def test_refused_and_nothing_written(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        other = await seeder.tenant()
        product = await _product(client, tenant)
        archived = await _product(client, tenant)
        response = await client.patch(
            f"/v1/products/{archived['id']}",
            json={"is_archived": True},
            headers=tenant.headers("user"),
        )
        assert response.status_code == 200, response.text
        foreign = await _product(client, other)
        foreign_discount = await _post(client, other, "/v1/discounts/", DISCOUNT)
        headers = tenant.headers("organization")
        cases: list[tuple[dict[str, Any], list[Any]]] = [
            ({"products": [product["id"]]}, ["body", "payment_processor"]),
            (
                {"payment_processor": "paypal", "products": [product["id"]]},
                ["body", "payment_processor"],
            ),
            ({"payment_processor": "stripe"}, ["body"]),
            ({"payment_processor": "stripe", "products": []}, ["body", "products"]),
            ({"payment_processor": "stripe", "products": ["nope"]}, ["body", "products", 0]),
            ({"payment_processor": "stripe", "products": [foreign["id"]]}, ["body", "products", 0]),
            (
                {"payment_processor": "stripe", "products": [archived["id"]]},
                ["body", "products", 0],
            ),
            (
                {"payment_processor": "stripe", "product_price_id": str(uuid.uuid4())},
                ["body", "product_price_id"],
            ),
            (
                {
                    "payment_processor": "stripe",
                    "products": [product["id"]],
                    "discount_id": foreign_discount["id"],
                },
                ["body", "discount_id"],
            ),
            (
                {"payment_processor": "stripe", "products": [product["id"]], "seats": 0},
                ["body", "seats"],
            ),
            (
                {"payment_processor": "stripe", "products": [product["id"], product["id"]]},
                ["body", "products"],
            ),
        ]
        for body, loc in cases:
            response = await client.post(f"{BASE}/", json=body, headers=headers)
            assert response.status_code == 422, (body, response.text)
            assert error_loc(response)[: len(loc)] == loc, (body, response.json())
        assert await listed(client, f"{BASE}/", tenant, ListResourceCheckoutLink) == []

        link = await _link(client, tenant, products=[product["id"]])
        for patch, loc in [
            ({"products": [foreign["id"]]}, ["body", "products", 0]),
            ({"products": []}, ["body", "products"]),
            ({"units": -1}, ["body", "units"]),
        ]:
            response = await client.patch(f"{BASE}/{link['id']}", json=patch, headers=headers)
            assert response.status_code == 422, (patch, response.text)
            assert error_loc(response)[: len(loc)] == loc
        got = await client.get(f"{BASE}/{link['id']}", headers=headers)
        assert got.json() == link

    async def test_foreign_link_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        other = await seeder.tenant()
        link = await _link(client, tenant)
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(
                method, f"{BASE}/{link['id']}", json={}, headers=other.headers("user")
            )
            assert response.status_code == 404, method
            assert response.json()["error"] == "ResourceNotFound"


class TestRedirect:
    async def test_opens_a_prefilled_checkout(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant, CUSTOM)
        await _post(client, tenant, "/v1/discounts/", DISCOUNT)
        link = await _link(
            client,
            tenant,
            products=[product["id"]],
            success_url="https://shop.example/ok",
            metadata={"utm_source": "link"},
        )
        response = await _redirect(
            client,
            link,
            customer_email="buyer@example.com",
            discount_code="LAUNCH",
            amount="2000",
            utm_source="newsletter",
            utm_medium="email",
            utm_campaign="spring",
            theme="dark",
        )
        checkout = await _checkout_of(client, tenant, response)
        assert parse_qs(urlsplit(response.headers["location"]).query) == {"theme": ["dark"]}
        assert checkout["status"] == "open"
        assert checkout["customer_email"] == "buyer@example.com"
        assert checkout["amount"] == 2000
        assert checkout["discount_amount"] == 200 and checkout["total_amount"] == 1800
        assert checkout["discount"]["code"] == "LAUNCH"
        assert checkout["success_url"] == "https://shop.example/ok"
        # The link's own metadata wins over the query's, as in Polar.
        assert checkout["metadata"] == {
            "utm_source": "link",
            "utm_medium": "email",
            "utm_campaign": "spring",
        }
        assert checkout["products"][0]["id"] == product["id"]

    async def test_ignores_prefills_that_do_not_apply(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant, CUSTOM)
        link = await _link(client, tenant, products=[product["id"]])
        response = await _redirect(
            client,
            link,
            customer_email="not-an-email",
            customer_name="Ada\x00",
            discount_code="NO\x00PE",
            amount="1e400",
            locale="x\x00",
            utm_source="s" * 501,
        )
        checkout = await _checkout_of(client, tenant, response)
        assert checkout["customer_email"] is None and checkout["customer_name"] is None
        assert checkout["discount_id"] is None and checkout["locale"] is None
        assert checkout["amount"] == 1000  # the preset
        below = await _redirect(client, link, amount="1", discount_code="NOPE")
        assert (await _checkout_of(client, tenant, below))["amount"] == 1000
        assert checkout["metadata"] == {}

    async def test_each_visit_opens_a_new_checkout(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        link = await _link(client, tenant)
        first = await _checkout_of(client, tenant, await _redirect(client, link))
        second = await _checkout_of(client, tenant, await _redirect(client, link))
        assert first["id"] != second["id"]

    async def test_unknown_or_dead_links_are_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant)
        link = await _link(client, tenant, products=[product["id"]])
        unknown = await client.get(f"{BASE}/polar_cl_unknown/redirect")
        assert unknown.status_code == 404
        assert unknown.json()["error"] == "ResourceNotFound"
        archived = await client.patch(
            f"/v1/products/{product['id']}",
            json={"is_archived": True},
            headers=tenant.headers("user"),
        )
        assert archived.status_code == 200
        response = await _redirect(client, link)
        assert response.status_code == 404, response.text
        # Not found for the merchant either way: the link itself is still there.
        got = await client.get(f"{BASE}/{link['id']}", headers=tenant.headers("user"))
        assert got.status_code == 200
