"""A page object for the platform's booking pages, driven by the ``[platform]`` selectors.

It walks the seed's flow (service → date and time → details → confirmation → payment) with
Playwright, by mouse or by keyboard alone, and records each document's load time. Every wait
names what the user would have seen missing, so a failure reads as the platform's defect.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any, Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from pytest_deploygate.mismatch import contract_mismatch

BOOKING_REFERENCE_PREFIX = "BK"
#: Widest viewport that gets the mobile layout (mobile-menu, service-card-mobile).
MOBILE_MAX_WIDTH = 640
_REFERENCE_PATTERN = re.compile(rf"^\s*{BOOKING_REFERENCE_PREFIX}\S+\s*$")


class Selectors(Protocol):
    """What the page object needs from the ``platform`` fixture."""

    def card(self, kind: str) -> str: ...

    def selector(self, name: str) -> str: ...

    def endpoint(self, name: str) -> str: ...

    def has(self, feature: str) -> bool: ...


class LoadRecorder(Protocol):
    def measure(self, page: Any) -> Any: ...


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    phone: str = "+27123456789"


class BookingUI:
    """The booking flow on one Playwright page."""

    def __init__(
        self, page: Page, platform: Selectors, customer: Customer, loads: LoadRecorder
    ) -> None:
        self.page = page
        self.platform = platform
        self.customer = customer
        self._loads = loads

    def find(self, name: str) -> Locator:
        """The elements with the data-testid ``name`` (or the selector [platform] maps it to)."""
        return self.page.locator(self.platform.selector(name))

    def card(self, kind: str) -> str:
        """A test card number: ``success`` or ``decline``."""
        return self.platform.card(kind)

    def measure_load(self) -> None:
        self._loads.measure(self.page)

    def see(self, name: str, what: str) -> Locator:
        locator = self.find(name)
        expect(
            locator.first, f"{what} is not visible ({self.platform.selector(name)})"
        ).to_be_visible()
        return locator

    # The flow, step by step, by mouse.

    def open(self, path: str | None = None) -> None:
        """Open the booking page (``[platform.endpoints] book``) or ``path``.

        An error page or a page without the first element of the flow is a contract mismatch,
        never a place to measure a page load or run axe on."""
        path = self.platform.endpoint("book") if path is None else path
        response = self.page.goto(path)
        if response is not None and response.status >= 400:
            contract_mismatch("endpoints.book", f"GET {path} answered HTTP {response.status}")
        self.measure_load()

    @property
    def is_mobile(self) -> bool:
        """Whether the viewport is the contract's mobile layout (≤ 640 px wide) and the
        platform has one (``[platform.features] mobile_menu``); a platform without it shows
        its one responsive layout, found by the desktop selectors."""
        size = self.page.viewport_size
        narrow = size is not None and size["width"] <= MOBILE_MAX_WIDTH
        return narrow and self.platform.has("mobile_menu")

    def choose_service(self) -> None:
        name = "service-card-mobile" if self.is_mobile else "service-card"
        try:
            cards = self.see(name, "no service card on the booking page")
        except AssertionError:
            # The flow's first element missing altogether: the page is not shaped as configured.
            contract_mismatch(
                f"selectors.{name}",
                f"the booking page has no {self.platform.selector(name)}",
            )
        cards.first.click()
        self.see(
            "datetime-mobile" if self.is_mobile else "datetime-selection",
            "date and time selection after choosing a service",
        )
        self.measure_load()

    def choose_time(self) -> None:
        date = self.find("date-picker")
        expect(date, "date picker").to_be_visible()
        expect(date, "date picker has no date preselected").not_to_have_value("")
        self.see("available-time", "no available time for the preselected date").first.click()
        self.see("customer-name", "the details form after choosing a time")
        self.measure_load()

    def fill_details(self) -> None:
        self.find("customer-name").fill(self.customer.name)
        self.find("customer-email").fill(self.customer.email)
        self.find("customer-phone").fill(self.customer.phone)

    def submit_booking(self) -> str:
        self.find("submit-booking").click()
        return self.confirmation_reference()

    def confirmation_reference(self) -> str:
        """Wait for the confirmation and return its booking reference (``BK…``)."""
        self.see("booking-confirmation", "booking confirmation after submitting the booking")
        self.measure_load()
        reference = self.find("booking-reference")
        expect(
            reference, f"booking reference does not start with {BOOKING_REFERENCE_PREFIX!r}"
        ).to_have_text(_REFERENCE_PATTERN)
        return reference.inner_text().strip()

    def book(self) -> str:
        """The seed's booking flow end to end; returns the booking reference."""
        self.open()
        self.choose_service()
        self.choose_time()
        self.fill_details()
        return self.submit_booking()

    def proceed_to_payment(self) -> None:
        self.see("proceed-to-payment", "proceed-to-payment on the confirmation").click()
        self.see("card-number", "card number field on the payment page")
        self.measure_load()

    def pay(self, card: str, expiry: str = "12/34", cvc: str = "123") -> Locator:
        """Pay with a card; returns whichever of payment-success / payment-declined shows."""
        success = self.platform.selector("payment-success")
        declined = self.platform.selector("payment-declined")
        outcome = self.page.locator(f"{success}, {declined}")
        # An outcome already on the page (an earlier decline) must go before the new one counts.
        stale = outcome.first.element_handle() if outcome.count() else None
        self.find("card-number").fill(card)
        self.find("card-expiry").fill(expiry)
        self.find("card-cvc").fill(cvc)
        self.find("submit-payment").click()
        if stale is not None:
            # Detached (an error here) means the page was replaced: what we were waiting for.
            with contextlib.suppress(PlaywrightError):
                stale.wait_for_element_state("hidden")
        expect(
            outcome.first, "neither payment-success nor payment-declined after paying"
        ).to_be_visible()
        self.measure_load()
        return outcome.first

    # Keyboard only: no click, focus moves with Tab.

    def tab_to(self, name: str, max_presses: int = 60) -> None:
        """Press Tab until the element ``name`` has focus; fail naming the focus order seen."""
        selector = self.platform.selector(name)
        seen: list[str] = []
        for _ in range(max_presses):
            self.page.keyboard.press("Tab")
            focused = self.page.evaluate(_DESCRIBE_FOCUS_JS, selector)
            if focused["matches"]:
                return
            seen.append(str(focused["label"]))
        order = " → ".join(seen[:25])
        raise AssertionError(
            f"{selector} cannot be reached with the keyboard: {max_presses} Tab presses went "
            f"through {order}"
        )


_DESCRIBE_FOCUS_JS = """(selector) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {matches: false, label: "<body>"};
  const testid = el.getAttribute("data-testid");
  const label = el.tagName.toLowerCase() + (testid ? `[data-testid=${testid}]` : "");
  return {matches: el.matches(selector) || !!el.closest(selector), label};
}"""
