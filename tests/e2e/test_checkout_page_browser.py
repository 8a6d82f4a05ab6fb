"""The hosted checkout page in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`, driven by selenium) against a running API with Redis and a worker, as a
customer would pay: 4242… reaches the confirmation, 4000 0000 0000 0002 shows the decline next
to the card with the checkout still open, and the page fits a 375 px wide phone.

Screenshots of each state go to tests/e2e/artifacts/checkout_page/ (printed in the log)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from polar.v2026_10 import Polar

from tests import services
from tests.e2e.conftest import ORGANIZATION, OWNER
from tests.e2e.processes import ApiProcess, Process, bootstrap

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).parent / "artifacts" / "checkout_page"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _no_browser() -> None:
    reason = (
        "no headless Chromium here: install Debian's `chromium` and `chromium-driver` "
        "(.ci/run does)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason + " — CI must run the browser test")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        _no_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--force-device-scale-factor=1",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\ncheckout page screenshots: {ARTIFACTS}")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiProcess, dict[str, str]]]:
    """A running API with Redis and one worker (payment outcomes arrive as jobs), and a
    bootstrapped organization's tokens."""
    import asyncio
    import uuid

    from sqlalchemy import text

    from adapters.sqlalchemy.engine import create_engine

    server = services.postgres_server_url()
    name = f"meridian_e2e_{uuid.uuid4().hex[:12]}"

    async def database(sql: str) -> None:
        admin = create_engine(server, pool_size=1)
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(sql))
        await admin.dispose()

    asyncio.run(database(f'CREATE DATABASE "{name}"'))
    env = {
        "MERIDIAN_ENV": "development",
        "MERIDIAN_DATABASE_URL": services.with_database(server, name),
        "MERIDIAN_AUTO_MIGRATE": "true",
        "MERIDIAN_SECRET": "e2e-secret-0123456789-0123456789-0123456789",
        "MERIDIAN_LOG_LEVEL": "INFO",
        "MERIDIAN_OUTBOX_RELAY_INTERVAL": "1",
        "MERIDIAN_QUEUE_NAME": f"meridian-e2e:{uuid.uuid4().hex}",
        "MERIDIAN_REDIS_URL": services.redis_url(),
    }
    api = ApiProcess(env).start()
    worker = Process(["worker"], env, "worker").start()
    try:
        yield api, bootstrap(env, OWNER, ORGANIZATION)
    finally:
        worker.stop()
        api.stop()
        asyncio.run(database(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _screenshot(driver: Any, name: str) -> Path:
    """The whole page as laid out in the current viewport (beyond what it shows), saved as
    `name`.png."""
    import base64

    width = driver.execute_script("return document.documentElement.clientWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"screenshot: {path}")
    return path


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _fill(driver: Any, field_id: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def _checkout(polar: Polar, product_id: str, **extra: Any) -> Any:
    return polar.checkouts.create(products=[product_id], **extra)


@pytest.fixture(scope="module")
def product(shop: tuple[ApiProcess, dict[str, str]]) -> str:
    api, tokens = shop
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        company = polar.custom_fields.create(
            type="text",
            slug="company",
            name="Company",
            properties={"form_label": "Company", "form_help_text": "Shown on invoices"},
        )
        product = polar.products.create(
            name="Pro plan",
            description="Lifetime access to the Pro tools.",
            prices=[{"amount_type": "fixed", "price_amount": 2900}],
            attached_custom_fields=[{"custom_field_id": company.id, "required": False}],
        )
        return str(product.id)


def _polar(shop: tuple[ApiProcess, dict[str, str]]) -> Polar:
    api, tokens = shop
    return Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30)


def _pay(driver: Any, card: str) -> None:
    from selenium.webdriver.common.by import By

    _fill(driver, "f-customer-email", "ada@example.com")
    _fill(driver, "f-customer-name", "Ada Lovelace")
    _fill(driver, "f-custom-field-data-company", "Analytical Engines Ltd")
    _fill(driver, "f-card-number", card)
    _fill(driver, "f-card-expiry", "12 / 34")
    _fill(driver, "f-card-cvc", "123")
    driver.find_element(By.ID, "pay").click()


def test_pay_with_the_success_card(
    browser: Any, shop: tuple[ApiProcess, dict[str, str]], product: str
) -> None:
    with _polar(shop) as polar:
        checkout = _checkout(polar, product)
        browser.get(checkout.url)
        assert browser.find_element("css selector", "html").get_attribute("lang") == "en"
        assert "Pro plan" in browser.page_source and "$29.00" in browser.page_source
        _screenshot(browser, "1-open")
        _pay(browser, "4242 4242 4242 4242")
        _wait(
            lambda: "Thank you" in browser.page_source or "Processing" in browser.page_source,
            "the page after paying",
        )
        if "Processing" in browser.page_source:
            _screenshot(browser, "2-processing")
        _wait(lambda: "Thank you" in browser.page_source, "the confirmation")
        _screenshot(browser, "3-confirmation")
        assert browser.current_url == checkout.url
        assert polar.checkouts.get(checkout.id).status == "succeeded"


def test_declined_card_shows_the_decline(
    browser: Any, shop: tuple[ApiProcess, dict[str, str]], product: str
) -> None:
    from selenium.webdriver.common.by import By

    with _polar(shop) as polar:
        checkout = _checkout(polar, product)
        browser.get(checkout.url)
        _pay(browser, "4000 0000 0000 0002")

        def declined() -> bool:
            errors = browser.find_elements(By.ID, "f-card-number-error")
            return bool(errors) and "declined" in errors[0].text

        _wait(declined, "the decline next to the card")
        _screenshot(browser, "4-declined")
        assert polar.checkouts.get(checkout.id).status == "open"


def test_a_trial_starts_without_a_charge(
    browser: Any, shop: tuple[ApiProcess, dict[str, str]]
) -> None:
    """A subscription with a 14-day trial: the page says nothing is due today and when the
    first charge comes, still asks for the card, and starts the trial."""
    from selenium.webdriver.common.by import By

    with _polar(shop) as polar:
        product = polar.products.create(
            name="Team plan",
            recurring_interval="month",
            trial_interval="day",
            trial_interval_count=14,
            prices=[{"amount_type": "fixed", "price_amount": 1500}],
        )
        checkout = _checkout(polar, product.id)
        browser.get(checkout.url)
        note = browser.find_element(By.ID, "trial-note").text
        assert "Free trial until" in note and "$15.00" in note
        assert browser.find_element(By.ID, "amount-due").text == "$0.00"
        assert browser.find_element(By.ID, "pay").text == "Start free trial"
        _screenshot(browser, "7-trial")
        _fill(browser, "f-customer-email", "trial@example.com")
        _fill(browser, "f-card-number", "4242 4242 4242 4242")
        _fill(browser, "f-card-expiry", "12 / 34")
        _fill(browser, "f-card-cvc", "123")
        browser.find_element(By.ID, "pay").click()
        _wait(lambda: "Thank you" in browser.page_source, "the confirmation")
        assert polar.checkouts.get(checkout.id).status == "succeeded"
        [subscription] = polar.subscriptions.list(product_id=product.id).items
        assert subscription.status == "trialing"


def test_errors_inline_and_keyboard(
    browser: Any, shop: tuple[ApiProcess, dict[str, str]], product: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    with _polar(shop) as polar:
        checkout = _checkout(polar, product)
    browser.get(checkout.url)
    # Keyboard order follows the page: the discount code, then the customer's fields.
    order = []
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(6):
        active = browser.switch_to.active_element
        order.append(active.get_attribute("id") or active.text)
        active.send_keys(Keys.TAB)
    assert order.index("f-discount-code") < order.index("f-customer-email")
    focused = browser.switch_to.active_element
    outline = focused.value_of_css_property("outline-style")
    assert outline not in ("none", ""), "focus must be visible"

    _fill(browser, "f-customer-email", "not-an-email")
    _fill(browser, "f-card-number", "4242 4242 4242 4242")
    browser.find_element(By.ID, "pay").click()
    _wait(lambda: bool(browser.find_elements(By.ID, "f-customer-email-error")), "the inline error")
    assert browser.find_element(By.ID, "f-customer-email").get_attribute("aria-invalid") == "true"
    _screenshot(browser, "5-invalid-email")


def test_phone_width(browser: Any, shop: tuple[ApiProcess, dict[str, str]], product: str) -> None:
    with _polar(shop) as polar:
        checkout = _checkout(polar, product, require_billing_address=True)
    # A phone's viewport, as the browser's device emulation lays it out.
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        browser.get(checkout.url)
        inner = browser.execute_script("return window.innerWidth")
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert inner == 375
        assert scroll <= inner, f"the page scrolls sideways at {inner} px: {scroll} px wide"
        _screenshot(browser, "6-phone-375px")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
