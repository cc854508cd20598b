"""The booking flow completed with the keyboard alone: Tab to move, Enter to act, no clicks."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("browser")

import pytest
from playwright.sync_api import expect

from pytest_deploygate.browser.booking_ui import BookingUI

pytestmark = pytest.mark.destructive  # books a slot


def test_the_booking_flow_can_be_completed_with_the_keyboard_alone(booking_ui: BookingUI) -> None:
    keyboard = booking_ui.page.keyboard
    booking_ui.open()

    booking_ui.tab_to("service-card")
    keyboard.press("Enter")
    booking_ui.see("datetime-selection", "date and time selection after Enter on a service card")

    booking_ui.tab_to("available-time")
    keyboard.press("Enter")
    booking_ui.see("customer-name", "the details form after Enter on a time")

    for field, value in (
        ("customer-name", booking_ui.customer.name),
        ("customer-email", booking_ui.customer.email),
        ("customer-phone", booking_ui.customer.phone),
    ):
        booking_ui.tab_to(field)
        keyboard.type(value)

    booking_ui.tab_to("submit-booking")
    keyboard.press("Enter")

    reference = booking_ui.confirmation_reference()
    expect(booking_ui.find("booking-reference")).to_have_text(reference)
