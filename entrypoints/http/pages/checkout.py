"""The hosted checkout page, `checkout.url` (`/checkout/{client_secret}`): server-rendered HTML
that works without JavaScript.

- GET shows the checkout by its status: open (the form; the latest payment's decline, if it
  failed), confirmed ("Processing payment…", refreshing itself every second), succeeded (the
  confirmation, or 303 to the merchant's `success_url`), expired (410). An unknown secret is a
  404 page.
- POST applies the form's fields (`CheckoutService.update`), then confirms with the card's
  token, and answers 303 back to the page (Post/Redirect/Get). A refused field re-renders the
  form (422) with each error next to its field, nothing written. `action=discount` applies the
  discount code only.

In sandbox mode the card number is one of Stripe's test cards, turned into the sandbox's
confirmation token here (as Stripe.js would tokenize a real card); the page lists them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from adapters.payments.sandbox import OUTCOMES, TEST_CARDS, token_for_card
from application.checkouts.commands import CheckoutConfirm, CheckoutUpdatePublic
from application.checkouts.page import CheckoutPage, CheckoutPageUnitOfWork, checkout_page
from application.checkouts.service import CheckoutLocked, CheckoutService, ExpiredCheckoutError
from application.kit.errors import (
    ApplicationError,
    FieldError,
    ResourceNotFound,
    ValidationFailed,
)
from domain.checkout import Checkout, CheckoutStatus
from domain.custom_field import AttachedCustomField, CustomFieldType
from domain.price import CustomPrice
from entrypoints.http.checkouts import auth
from entrypoints.http.dependencies import FromContainer, ReadUnitOfWork, WriteUnitOfWork
from entrypoints.http.pages.money import format_money
from entrypoints.settings import PaymentProcessorKind, Settings

HERE = Path(__file__).parent
STYLESHEET = HERE / "static" / "checkout.css"
STYLESHEET_PATH = "/checkout-assets/checkout.css"

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["money"] = format_money
templates.filters["day"] = lambda at: f"{at:%B} {at.day}, {at.year}"

router = APIRouter(include_in_schema=False)

Service = FromContainer[CheckoutService](lambda c: c.checkout_service)
Config = FromContainer[Settings](lambda c: c.settings)
ClientSecret = Annotated[str, PathParam(min_length=1, max_length=256)]

# The form's fields, as the checkout's attributes they set (the address's parts under it).
ADDRESS_PARTS = ("line1", "line2", "postal_code", "city", "state", "country")
CARD_FIELDS = ("card_number", "card_expiry", "card_cvc")
DISCOUNT_ACTION = "discount"
# What a test card leads to, as the page lists it.
OUTCOME_LABELS = {
    None: "Succeeds",
}


@dataclass
class Form:
    """What the page's form shows: each field's value (as typed), its errors (by field key:
    `customer_email`, `customer_billing_address.country`, `custom_field_data.<slug>`,
    `card_number`…) and the errors that belong to no field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, key: str, message: str, known: set[str]) -> None:
        if key in known:
            self.errors.setdefault(key, []).append(message)
            return
        # An error about a group (the whole address) goes to its first field.
        inside = [k for k in sorted(known) if k.startswith(key + ".")]
        if key and inside:
            self.errors.setdefault(inside[0], []).append(message)
        else:
            self.general.append(message)


def field_id(key: str) -> str:
    return "f-" + key.replace(".", "-").replace("_", "-")


templates.filters["field_id"] = field_id


def _page_url(secret: str) -> str:
    return f"/checkout/{secret}"


def _html(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = templates.get_template(name).render(stylesheet=STYLESHEET_PATH, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def _not_found() -> HTMLResponse:
    return _html("not_found.html", 404, title="Checkout not found")


def _expired() -> HTMLResponse:
    return _html("expired.html", 410, title="Checkout expired")


def _test_cards(settings: Settings) -> list[tuple[str, str]]:
    if settings.payment_processor is not PaymentProcessorKind.sandbox:
        return []
    cards = []
    for number, token in TEST_CARDS.items():
        outcome = OUTCOMES.get(token)
        label = "Succeeds" if outcome is None else f"Declined: {outcome[1]}"
        grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
        cards.append((grouped, label))
    return cards


def known_fields(page: CheckoutPage) -> set[str]:
    checkout = page.checkout
    known = {"customer_email", "customer_name", *CARD_FIELDS}
    if checkout.allow_discount_codes:
        known.add("discount_code")
    if checkout.require_billing_address:
        known.add("customer_billing_name")
        known.update(f"customer_billing_address.{part}" for part in ADDRESS_PARTS)
    if isinstance(page.view.price, CustomPrice):
        known.add("amount")
    known.update(f"custom_field_data.{a.custom_field.slug}" for a in page.custom_fields)
    return known


def _stored_values(page: CheckoutPage) -> dict[str, str]:
    """The form as the checkout stands (what the customer entered before)."""
    checkout = page.checkout
    values = {
        "customer_email": checkout.customer_email or "",
        "customer_name": checkout.customer_name or "",
        "customer_billing_name": checkout.customer_billing_name or "",
        "discount_code": (page.view.discount.code or "") if page.view.discount else "",
        "amount": _major(checkout.amount) if isinstance(page.view.price, CustomPrice) else "",
    }
    address = checkout.customer_billing_address
    for part in ADDRESS_PARTS:
        values[f"customer_billing_address.{part}"] = (
            "" if address is None else (getattr(address, part, None) or "")
        )
    return values


def _major(amount: int) -> str:
    return f"{amount // 100}" if amount % 100 == 0 else f"{amount / 100:.2f}"


def _render_open(
    page: CheckoutPage, settings: Settings, form: Form | None = None, status_code: int = 200
) -> HTMLResponse:
    form = form or Form(values=_stored_values(page))
    if page.decline_message and not form.errors.get("card_number"):
        form.errors.setdefault("card_number", []).append(page.decline_message)
    return _html(
        "checkout.html",
        status_code,
        title=f"Checkout · {page.view.product.name if page.view.product else 'Product'}",
        page=page,
        checkout=page.checkout,
        view=page.view,
        price=page.view.price,
        is_custom_price=isinstance(page.view.price, CustomPrice),
        form=form,
        action=_page_url(page.checkout.client_secret),
        test_cards=_test_cards(settings),
        custom_fields=[_custom_field_context(a) for a in page.custom_fields],
        field_types=CustomFieldType,
    )


def _custom_field_context(attached: AttachedCustomField) -> dict[str, Any]:
    custom = attached.custom_field
    properties = custom.properties
    return {
        "key": f"custom_field_data.{custom.slug}",
        "type": custom.type.value,
        "label": properties.get("form_label") or custom.name,
        "help": properties.get("form_help_text"),
        "placeholder": properties.get("form_placeholder"),
        "required": attached.required,
        "textarea": bool(properties.get("textarea")),
        "options": properties.get("options") or [],
        "min_length": properties.get("min_length"),
        "max_length": properties.get("max_length"),
    }


def _answer(page: CheckoutPage, status_code: int, settings: Settings) -> Response:
    """The page of a checkout that is not open for the form, or the form."""
    checkout = page.checkout
    if checkout.status is CheckoutStatus.succeeded:
        if checkout.success_url:
            return RedirectResponse(
                checkout.resolved_success_url(_page_url(checkout.client_secret)), status_code=303
            )
        return _confirmation(page)
    if checkout.status is CheckoutStatus.confirmed:
        return _html("processing.html", title="Processing payment…", page=page, refresh=True)
    if checkout.status is CheckoutStatus.open:
        return _render_open(page, settings, status_code=status_code)
    return _html("failed.html", title="Checkout failed", page=page)


def _confirmation(page: CheckoutPage) -> HTMLResponse:
    return _html(
        "confirmation.html", title="Thank you", page=page, view=page.view, checkout=page.checkout
    )


async def _read(
    service: CheckoutService, uow: CheckoutPageUnitOfWork, secret: str, *, lock: bool = False
) -> Checkout | Response:
    try:
        return await service.get_by_client_secret(uow, secret, lock=lock)
    except ResourceNotFound:
        return _not_found()
    except ExpiredCheckoutError:
        return _expired()
    except CheckoutLocked:
        # A form sent twice (a double click): the first is being confirmed; the page shows
        # how it goes.
        return RedirectResponse(_page_url(secret), status_code=303)


@router.get(STYLESHEET_PATH)
async def stylesheet() -> FileResponse:
    return FileResponse(
        STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=300"}
    )


@router.get("/checkout/{client_secret}", response_class=HTMLResponse)
async def checkout_page_get(
    request: Request,
    client_secret: ClientSecret,
    _: auth.Customer,
    uow: ReadUnitOfWork[CheckoutPageUnitOfWork],
) -> Response:
    service = Service(request)
    settings = Config(request)
    checkout = await _read(service, uow, client_secret)
    if isinstance(checkout, Response):
        return checkout
    page = await checkout_page(service, uow, checkout)
    return _answer(page, 200, settings)


@router.get("/checkout/{client_secret}/confirmation", response_class=HTMLResponse)
async def checkout_confirmation(
    request: Request,
    client_secret: ClientSecret,
    _: auth.Customer,
    uow: ReadUnitOfWork[CheckoutPageUnitOfWork],
) -> Response:
    """Where a succeeded checkout without a `success_url` sends the customer (the API's
    default `success_url`); any other checkout goes back to its page."""
    service = Service(request)
    checkout = await _read(service, uow, client_secret)
    if isinstance(checkout, Response):
        return checkout
    if checkout.status is not CheckoutStatus.succeeded:
        return RedirectResponse(_page_url(client_secret), status_code=303)
    return _confirmation(await checkout_page(service, uow, checkout))


def _first(form: dict[str, list[str]], key: str) -> str:
    values = form.get(key)
    return values[0].strip() if values else ""


def _update_body(posted: dict[str, list[str]], page: CheckoutPage) -> dict[str, Any]:
    """The customer's update (as `CheckoutUpdatePublic`'s input) from the posted form: a field
    left empty is not sent, but for the discount code (empty removes the discount)."""
    checkout = page.checkout
    body: dict[str, Any] = {}
    for name in ("customer_email", "customer_name", "customer_billing_name"):
        value = _first(posted, name)
        if value:
            body[name] = value
    if "discount_code" in posted and checkout.allow_discount_codes:
        body["discount_code"] = _first(posted, "discount_code")
    if checkout.require_billing_address:
        address = {
            part: value
            for part in ADDRESS_PARTS
            if (value := _first(posted, f"customer_billing_address.{part}"))
        }
        if address:
            body["customer_billing_address"] = address
    if isinstance(page.view.price, CustomPrice) and _first(posted, "amount"):
        body["amount"] = _minor(_first(posted, "amount"))
    return body


def _minor(text: str) -> int | str:
    """An amount typed in major units (`12`, `12.50`) in minor units; as typed when it is not
    one (the validation then says so)."""
    try:
        whole, _, cents = text.replace(",", ".").partition(".")
        if len(cents) > 2 or not whole.isdigit() or (cents and not cents.isdigit()):
            return text
        return int(whole) * 100 + int(cents.ljust(2, "0") or 0)
    except ValueError:
        return text


def custom_field_data(posted: dict[str, list[str]], page: CheckoutPage) -> dict[str, Any]:
    """The answers to the product's custom fields, typed as the validation expects them."""
    data: dict[str, Any] = {}
    for attached in page.custom_fields:
        slug = attached.custom_field.slug
        key = f"custom_field_data.{slug}"
        kind = attached.custom_field.type
        if kind is CustomFieldType.checkbox:
            data[slug] = key in posted
            continue
        value = _first(posted, key)
        if not value:
            continue
        if kind is CustomFieldType.number:
            try:
                data[slug] = int(value)
            except ValueError:
                data[slug] = value
        else:
            data[slug] = value
    return data


def _errors(errors: list[FieldError], form: Form, known: set[str]) -> None:
    for error in errors:
        loc = [str(part) for part in error.loc]
        if loc and loc[0] == "body":
            loc = loc[1:]
        form.add(".".join(loc), error.msg, known)


# What a customer reads for a field the form refused, in place of the validator's wording.
FRIENDLY = {"customer_email": "Enter a valid email address, like name@example.com."}


def _pydantic_errors(error: ValidationError) -> list[FieldError]:
    return [
        FieldError(loc=tuple(e["loc"]), msg=FRIENDLY.get(str(e["loc"][-1]), e["msg"]))
        for e in error.errors()
    ]


@router.post("/checkout/{client_secret}", response_class=HTMLResponse)
async def checkout_page_post(
    client_secret: ClientSecret,
    request: Request,
    _: auth.Customer,
    uow: WriteUnitOfWork[CheckoutPageUnitOfWork],
) -> Response:
    service = Service(request)
    settings = Config(request)
    checkout = await _read(service, uow, client_secret, lock=True)
    if isinstance(checkout, Response):
        return checkout
    if checkout.status is not CheckoutStatus.open:
        # Paid already, or paying: the page says which.
        return RedirectResponse(_page_url(client_secret), status_code=303)
    posted = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    # As read: the form is shown again over it when something is refused.
    original = copy.deepcopy(checkout)
    page = await checkout_page(service, uow, original)
    known = known_fields(page)
    form = Form(values={k: v[0] for k, v in posted.items() if k not in CARD_FIELDS})
    discount_only = _first(posted, "action") == DISCOUNT_ACTION
    if discount_only:
        # The discount's own small form sends only its code: keep what the customer typed
        # elsewhere on the page as stored.
        form.values = {**_stored_values(page), "discount_code": _first(posted, "discount_code")}
    try:
        if discount_only:
            command = CheckoutUpdatePublic.model_validate(
                {"discount_code": _first(posted, "discount_code")}
            )
            await service.update(uow, None, checkout, command)
        else:
            token = _card_token(posted, page, settings, form)
            if form.errors:
                return _render_open(page, settings, form, 422)
            body = _update_body(posted, page)
            confirmation = CheckoutConfirm.model_validate(
                {
                    **body,
                    "confirmation_token_id": token,
                    "custom_field_data": custom_field_data(posted, page),
                }
            )
            await service.confirm(uow, checkout, confirmation)
    except ValidationError as error:
        _errors(_pydantic_errors(error), form, known)
        return _render_open(page, settings, form, 422)
    except ValidationFailed as error:
        _errors(error.errors, form, known)
        return _render_open(page, settings, form, 422)
    except ExpiredCheckoutError:
        return _expired()
    except ApplicationError as error:
        # A payment the processor refused at once (PaymentError), a checkout not open any more:
        # said next to the card, nothing written.
        form.add("card_number", error.detail, known)
        return _render_open(page, settings, form, 400)
    await uow.commit()
    return RedirectResponse(_page_url(client_secret), status_code=303)


def _card_token(
    posted: dict[str, list[str]], page: CheckoutPage, settings: Settings, form: Form
) -> str | None:
    """The confirmation token for the card typed, None when no card is asked for; a missing
    or unknown card is an error next to the card field."""
    if not page.card_required:
        return None
    number = _first(posted, "card_number")
    if not number:
        form.errors.setdefault("card_number", []).append("Enter your card number.")
        return None
    if settings.payment_processor is PaymentProcessorKind.sandbox:
        token = token_for_card(number)
        if token is None:
            form.errors.setdefault("card_number", []).append(
                "This is a sandbox checkout: use one of the test cards listed below."
            )
        return token
    return None
