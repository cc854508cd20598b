"""Payment with the platform's test cards: the success card is paid, the decline card refused."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("browser")

import pytest
from playwright.sync_api import expect

from pytest_deploygate.browser.booking_ui import BookingUI

pytestmark = [pytest.mark.destructive, pytest.mark.feature("payments")]  # books and pays


def test_the_success_card_pays_the_booking(booking_ui: BookingUI) -> None:
    booking_ui.book()
    booking_ui.proceed_to_payment()

    outcome = booking_ui.pay(booking_ui.card("success"))

    if outcome.get_attribute("data-testid") != "payment-success":
        pytest.fail(
            f"the success test card {booking_ui.card('success')} was declined: "
            f"{outcome.inner_text().strip()!r}",
            pytrace=False,
        )
    expect(booking_ui.find("payment-success")).to_contain_text("paid")


def test_the_decline_card_shows_the_decline_message(booking_ui: BookingUI) -> None:
    booking_ui.book()
    booking_ui.proceed_to_payment()

    booking_ui.pay(booking_ui.card("decline"))

    declined = booking_ui.find("payment-declined")
    expect(declined, "the decline test card did not show payment-declined").to_be_visible()
    expect(declined, "the decline message is not announced (role=alert)").to_have_attribute(
        "role", "alert"
    )
    expect(declined, "the decline message is empty").not_to_be_empty()
    expect(booking_ui.find("payment-success"), "a declined card was shown as paid").to_have_count(0)
