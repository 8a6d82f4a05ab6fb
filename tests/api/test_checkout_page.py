"""The hosted checkout page (`checkout.url`), in-process: what it shows by status, the form's
fields applied (Post/Redirect/Get), errors next to their fields, expired (410) and unknown
(404) pages. Paying through it, in a real browser, is tests/e2e/test_checkout_page_browser.py."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx

from domain.checkout import CHECKOUT_TTL
from domain.payment import PaymentStatus
from entrypoints.http.pages.money import format_money
from tests.harness import Seeder, ShiftableClock, Tenant

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _product(client: httpx.AsyncClient, tenant: Tenant, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "Pro plan",
        "description": "Everything <b>included</b>",
        "prices": [{"amount_type": "fixed", "price_amount": 900}],
        **extra,
    }
    response = await client.post(
        "/v1/products/", json=tenant.body("user", body), headers=tenant.headers("user")
    )
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


async def _custom_field(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/v1/custom-fields/", json=tenant.body("user", body), headers=tenant.headers("user")
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _checkout(
    client: httpx.AsyncClient, tenant: Tenant, product: dict[str, Any], **body: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/checkouts/",
        json={"products": [product["id"]], **body},
        headers=tenant.headers("organization"),
    )
    assert response.status_code == 201, response.text
    checkout: dict[str, Any] = response.json()
    return checkout


def _path(checkout: dict[str, Any]) -> str:
    url: str = checkout["url"]
    return url[url.index("/checkout/") :]


def _error_next_to(html: str, field_id: str) -> str:
    """The error paragraph in the field `field_id`'s own block (inline, not only in a
    summary)."""
    start = html.index(f'<input id="{field_id}"') if f'<input id="{field_id}"' in html else -1
    if start < 0:
        start = html.index(f'id="{field_id}"')
    block = html[start:].split('<div class="field', 1)[0]
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">([^<]*)</p>', block)
    assert match, f"no inline error in the field #{field_id}"
    return match.group(1)


def test_money() -> None:
    assert format_money(900, "usd") == "$9.00"
    assert format_money(125050, "eur") == "€1,250.50"
    assert format_money(500, "jpy") == "¥500"
    assert format_money(1200, "chf") == "12.00 CHF"


class TestShow:
    async def test_open_checkout_shows_the_form(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant(name="Acme Tools")
        terms = await _custom_field(
            client,
            tenant,
            {"type": "checkbox", "slug": "terms", "name": "Terms", "properties": {}},
        )
        size = await _custom_field(
            client,
            tenant,
            {
                "type": "select",
                "slug": "size",
                "name": "Size",
                "properties": {
                    "form_label": "Shirt size",
                    "options": [{"value": "s", "label": "Small"}, {"value": "l", "label": "L"}],
                },
            },
        )
        product = await _product(
            client,
            tenant,
            attached_custom_fields=[
                {"custom_field_id": terms["id"], "required": True},
                {"custom_field_id": size["id"], "required": False},
            ],
        )
        checkout = await _checkout(
            client, tenant, product, require_billing_address=True, customer_email="a@example.com"
        )
        response = await client.get(_path(checkout))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert '<html lang="en">' in html
        assert "Acme Tools" in html and "Pro plan" in html
        # Escaped, never markup from the merchant.
        assert "Everything &lt;b&gt;included&lt;/b&gt;" in html
        assert 'id="amount-total">$9.00<' in html and 'id="amount-subtotal">$9.00<' in html
        for field_id, label in [
            ("f-customer-email", "Email"),
            ("f-customer-name", "Name"),
            ("f-discount-code", "Discount code"),
            ("f-customer-billing-address-country", "Country"),
            ("f-custom-field-data-terms", "Terms"),
            ("f-custom-field-data-size", "Shirt size"),
            ("f-card-number", "Card number"),
            ("f-card-expiry", "Expiry"),
            ("f-card-cvc", "CVC"),
        ]:
            assert re.search(rf'<label for="{field_id}">[^<]*{label}', html), field_id
            assert f'id="{field_id}"' in html
        assert 'value="a@example.com"' in html
        # Sandbox mode lists the test cards.
        assert "4242 4242 4242 4242" in html and "4000 0000 0000 0002" in html
        css = await client.get("/checkout-assets/checkout.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")

    async def test_no_discount_field_when_codes_are_not_allowed(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(
            client, tenant, await _product(client, tenant), allow_discount_codes=False
        )
        html = (await client.get(_path(checkout))).text
        assert "f-discount-code" not in html
        assert "f-customer-billing-address-country" not in html

    async def test_unknown_secret_is_a_404_page(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/checkout/polar_c_unknown")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Checkout not found" in response.text
        response = await client.post("/checkout/polar_c_unknown", content=b"", headers=FORM)
        assert response.status_code == 404

    async def test_expired_is_a_410_page(
        self, client: httpx.AsyncClient, seeder: Seeder, clock: ShiftableClock
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(client, tenant, await _product(client, tenant))
        clock.offset += CHECKOUT_TTL + timedelta(seconds=1)
        for response in (
            await client.get(_path(checkout)),
            await client.post(_path(checkout), content=b"customer_email=x%40y.z", headers=FORM),
        ):
            assert response.status_code == 410
            assert "This checkout has expired" in response.text

    async def test_declined_payment_is_shown_next_to_the_card(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(client, tenant, await _product(client, tenant))
        await seeder.payment(
            tenant, status=PaymentStatus.failed, checkout_id=uuid.UUID(checkout["id"])
        )
        html = (await client.get(_path(checkout))).text
        assert _error_next_to(html, "f-card-number") == "Your card was declined."


class TestForm:
    async def test_discount_code_applies_and_redirects(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        discount = {
            "name": "Half",
            "type": "percentage",
            "basis_points": 5000,
            "duration": "once",
            "code": "HALF",
        }
        created = await client.post(
            "/v1/discounts/", json=tenant.body("user", discount), headers=tenant.headers("user")
        )
        assert created.status_code == 201, created.text
        checkout = await _checkout(client, tenant, await _product(client, tenant))
        path = _path(checkout)
        response = await client.post(
            path, content=b"action=discount&discount_code=HALF", headers=FORM
        )
        assert response.status_code == 303
        assert response.headers["location"] == path
        html = (await client.get(path)).text
        assert 'id="amount-discount">−$4.50<' in html
        assert 'id="amount-total">$4.50<' in html
        assert 'value="HALF"' in html

        response = await client.post(
            path, content=b"action=discount&discount_code=NOPE", headers=FORM
        )
        assert response.status_code == 422
        assert _error_next_to(response.text, "f-discount-code") == "Discount does not exist."
        # Nothing written: the discount applied before stays.
        public = (await client.get(f"/v1/checkouts/client/{checkout['client_secret']}")).json()
        assert public["discount_amount"] == 450

    async def test_errors_are_shown_next_to_their_fields(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _checkout(
            client, tenant, await _product(client, tenant), require_billing_address=True
        )
        path = _path(checkout)
        body = (
            "action=pay&customer_email=not-an-email&customer_name=Ada"
            "&customer_billing_address.country=ZZZ&card_number=4242424242424242"
        )
        response = await client.post(path, content=body.encode(), headers=FORM)
        assert response.status_code == 422
        html = response.text
        assert "Enter a valid email address" in _error_next_to(html, "f-customer-email")
        # What was typed is kept (never the card number).
        assert 'value="not-an-email"' in html and 'value="Ada"' in html
        assert "4242424242424242" not in html
        assert 'role="alert"' in html
        public = (await client.get(f"/v1/checkouts/client/{checkout['client_secret']}")).json()
        assert public["customer_name"] is None

        response = await client.post(path, content=b"action=pay&card_number=", headers=FORM)
        assert response.status_code == 422
        assert _error_next_to(response.text, "f-card-number") == "Enter your card number."
        response = await client.post(
            path, content=b"action=pay&card_number=5555+5555+5555+4444", headers=FORM
        )
        assert response.status_code == 422
        assert "test cards" in _error_next_to(response.text, "f-card-number")

    async def test_custom_price_amount(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        product = await _product(
            client,
            tenant,
            prices=[
                {
                    "amount_type": "custom",
                    "minimum_amount": 500,
                    "maximum_amount": 10_000,
                    "preset_amount": 1000,
                }
            ],
        )
        checkout = await _checkout(client, tenant, product)
        html = (await client.get(_path(checkout))).text
        assert 'id="f-amount"' in html and 'value="10"' in html
        response = await client.post(
            _path(checkout),
            content=b"action=pay&amount=1&card_number=4242424242424242",
            headers=FORM,
        )
        assert response.status_code == 422
        assert "between" in _error_next_to(response.text, "f-amount")
