"""The seed's mobile flow at 375×667: the menu toggles, the mobile service cards start a booking."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("browser")

import pytest
from playwright.sync_api import expect

from pytest_deploygate.browser.booking_ui import BookingUI

pytestmark = [
    pytest.mark.feature("mobile_menu"),
    pytest.mark.browser_context_args(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    ),
]


def test_the_mobile_menu_opens_and_closes(booking_ui: BookingUI) -> None:
    booking_ui.open()
    toggle = booking_ui.see("mobile-menu-toggle", "the mobile menu toggle at 375 px")
    menu = booking_ui.find("mobile-menu")
    expect(menu, "the mobile menu is open before the toggle is used").to_be_hidden()

    toggle.click()
    expect(menu, "the mobile menu did not open from its toggle").to_be_visible()
    expect(toggle, "the toggle does not announce the open menu").to_have_attribute(
        "aria-expanded", "true"
    )

    toggle.click()
    expect(menu, "the mobile menu did not close from its toggle").to_be_hidden()


def test_a_mobile_service_card_opens_the_mobile_date_and_time(booking_ui: BookingUI) -> None:
    booking_ui.open()
    booking_ui.find("mobile-menu-toggle").click()
    expect(booking_ui.find("mobile-menu")).to_be_visible()

    booking_ui.see("service-card-mobile", "no mobile service card at 375 px").first.click()

    booking_ui.see("datetime-mobile", "the mobile date and time selection")
    booking_ui.measure_load()
    expect(
        booking_ui.find("service-card").first, "desktop service cards show on a phone"
    ).to_be_hidden()
