"""The pages in a real Chromium: the seed's flows, mobile, keyboard only, and axe-core."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from refapp_support import Platform, StartPlatform

from pytest_deploygate.browser.accessibility import Violation, run_axe
from pytest_deploygate.browser.discovery import OFFLINE_HEADLESS_ARGS

CHROMIUM_ARGS = list(OFFLINE_HEADLESS_ARGS)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    yield context.new_page()
    context.close()


def book_like_the_seed(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/book")
    page.click('[data-testid="service-card"]:first-child')
    expect(page.locator('[data-testid="datetime-selection"]')).to_be_visible()
    page.click('[data-testid="date-picker"]')
    page.click('[data-testid="available-time"]:first-child')
    page.fill('[data-testid="customer-name"]', "John Doe")
    page.fill('[data-testid="customer-email"]', "john.doe@example.com")
    page.fill('[data-testid="customer-phone"]', "+27123456789")
    page.click('[data-testid="submit-booking"]')


def pay(page: Page, card: str) -> None:
    page.click('[data-testid="proceed-to-payment"]')
    page.fill('[data-testid="card-number"]', card)
    page.fill('[data-testid="card-expiry"]', "12/34")
    page.fill('[data-testid="card-cvc"]', "123")
    page.click('[data-testid="submit-payment"]')


def violations(page: Page) -> list[Violation]:
    # The library's runner: it waits for a click's navigation to settle before axe runs.
    return list(run_axe(page, AXE_OPTIONS).violations)


def test_booking_flow_of_the_seed(tab: Page, platform: Platform) -> None:
    book_like_the_seed(tab, platform.url)
    expect(tab.locator('[data-testid="booking-confirmation"]')).to_be_visible()
    expect(tab.locator('[data-testid="booking-reference"]')).to_contain_text("BK")


@pytest.mark.parametrize(
    ("card", "outcome"),
    [("4242424242424242", "payment-success"), ("4000000000000002", "payment-declined")],
)
def test_payment_flow(tab: Page, platform: Platform, card: str, outcome: str) -> None:
    book_like_the_seed(tab, platform.url)
    pay(tab, card)
    expect(tab.locator(f'[data-testid="{outcome}"]')).to_be_visible()
    if outcome == "payment-declined":
        expect(tab.get_by_role("alert")).to_contain_text("Your card was declined.")


def test_mobile_menu_and_booking(phone: Page, platform: Platform) -> None:
    phone.goto(f"{platform.url}/book")
    toggle = phone.locator('[data-testid="mobile-menu-toggle"]')
    expect(phone.locator('[data-testid="mobile-menu"]')).to_be_hidden()
    toggle.click()
    expect(phone.locator('[data-testid="mobile-menu"]')).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(phone.locator('[data-testid="service-card"]').first).to_be_hidden()
    phone.click('[data-testid="service-card-mobile"]:first-child')
    expect(phone.locator('[data-testid="datetime-mobile"]')).to_be_visible()


def test_desktop_hides_the_mobile_controls(tab: Page, platform: Platform) -> None:
    tab.goto(f"{platform.url}/book")
    expect(tab.locator('[data-testid="mobile-menu-toggle"]')).to_be_hidden()
    expect(tab.locator('[data-testid="service-card-mobile"]').first).to_be_hidden()


def _tab_to(page: Page, testid: str) -> None:
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == testid:
            return
    raise AssertionError(f"Tab never reached [data-testid={testid}]")


def _activate(page: Page, testid: str) -> None:
    """Tab to a link or button and press Enter, waiting for the page it leads to."""
    _tab_to(page, testid)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _type_into(page: Page, fields: dict[str, str]) -> None:
    for testid, text in fields.items():
        _tab_to(page, testid)
        page.keyboard.type(text)


def test_booking_and_paying_with_the_keyboard_alone(tab: Page, platform: Platform) -> None:
    tab.goto(f"{platform.url}/book")
    _activate(tab, "service-card")
    _activate(tab, "available-time")
    _type_into(
        tab,
        {
            "customer-name": "Kay Board",
            "customer-email": "kay@example.com",
            "customer-phone": "+27123456789",
        },
    )
    _activate(tab, "submit-booking")
    expect(tab.locator('[data-testid="booking-reference"]')).to_contain_text("BK")
    _activate(tab, "proceed-to-payment")
    _type_into(tab, {"card-number": "4242424242424242", "card-expiry": "12/34", "card-cvc": "123"})
    _activate(tab, "submit-payment")
    expect(tab.locator('[data-testid="payment-success"]')).to_be_visible()


def _visit_every_step(page: Page, base_url: str) -> Iterator[str]:
    page.goto(f"{base_url}/")
    yield "home"
    page.goto(f"{base_url}/book")
    yield "services"
    page.click(
        '[data-testid="service-card"]:first-child'
        if page.viewport_size and page.viewport_size["width"] > 640
        else '[data-testid="service-card-mobile"]'
    )
    yield "date and time"
    page.click('[data-testid="available-time"]:first-child')
    yield "details"
    page.fill('[data-testid="customer-name"]', "Ally")
    page.fill('[data-testid="customer-email"]', "ally@example.com")
    page.fill('[data-testid="customer-phone"]', "not a phone")
    page.click('[data-testid="submit-booking"]')
    yield "details with a server-side error"
    page.fill('[data-testid="customer-name"]', "Ally")
    page.fill('[data-testid="customer-email"]', "ally@example.com")
    page.fill('[data-testid="customer-phone"]', "+27123456789")
    page.click('[data-testid="submit-booking"]')
    yield "confirmation"
    pay(page, "4000000000000002")
    yield "payment declined"


@pytest.mark.parametrize("device", ["tab", "phone"])
def test_every_step_passes_axe(
    request: pytest.FixtureRequest, platform: Platform, device: str
) -> None:
    page: Page = request.getfixturevalue(device)
    found = {
        step: [v.rule for v in violations(page)] for step in _visit_every_step(page, platform.url)
    }
    assert found == dict.fromkeys(found, []), found


def test_inaccessible_forms_fault_is_caught_by_axe(
    tab: Page, start_platform: StartPlatform
) -> None:
    faulty = start_platform(faults=frozenset({"inaccessible-forms"}))
    tab.goto(f"{faulty.url}/book")
    tab.click('[data-testid="service-card"]:first-child')
    tab.click('[data-testid="available-time"]:first-child')
    rules = {v.rule for v in violations(tab)}
    assert {"label", "image-alt", "color-contrast"} <= rules, rules


def test_broken_confirmation_fault_hides_the_reference(
    tab: Page, start_platform: StartPlatform
) -> None:
    faulty = start_platform(faults=frozenset({"broken-confirmation"}))
    book_like_the_seed(tab, faulty.url)
    expect(tab.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert tab.locator('[data-testid="booking-reference"]').count() == 0
