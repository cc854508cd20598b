"""axe-core on every page of the booking flow, desktop and mobile (WCAG 2.0/2.1 A and AA,
heading and landmark best practices). Violation counts feed the ``accessibility.*`` gates."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("browser")

from typing import Any

import pytest

from pytest_deploygate.browser.accessibility import AxeChecker
from pytest_deploygate.browser.booking_ui import BookingUI

MOBILE = pytest.mark.browser_context_args(
    viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
)
LAYOUTS = [pytest.param("desktop", id="desktop"), pytest.param("mobile", id="mobile", marks=MOBILE)]


@pytest.mark.destructive  # walks the flow to the end: books and pays
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_page_of_the_booking_flow_passes_axe(
    booking_ui: BookingUI, axe: AxeChecker, layout: str, platform: Any
) -> None:
    failures: list[str] = []

    def check(where: str) -> None:
        report = axe.run(booking_ui.page)
        if report.violations:
            failures.append(report.describe(f"{where} [{layout}]"))

    booking_ui.open()
    check("booking page: services")
    booking_ui.choose_service()
    check("booking page: date and time")
    booking_ui.choose_time()
    check("booking page: your details")
    booking_ui.fill_details()
    booking_ui.submit_booking()
    check("booking confirmation")
    if not platform.has("payments"):  # [platform.features] payments = false: no payment pages
        assert not failures, "\n\n".join(failures)
        return
    booking_ui.proceed_to_payment()
    check("payment page")
    booking_ui.pay(booking_ui.card("decline"))
    check("payment declined")
    booking_ui.pay(booking_ui.card("success"))
    check("payment result")

    assert not failures, "\n\n".join(failures)
