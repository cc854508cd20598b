"""The seed's booking flow in a real browser: service → date → time → details → confirmation."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("browser")

import pytest

from pytest_deploygate.browser.booking_ui import BookingUI
from pytest_deploygate.browser.timing import PageLoadRecorder

pytestmark = pytest.mark.destructive  # every test here books a slot on the platform


def test_booking_flow_ends_with_a_bk_reference(
    booking_ui: BookingUI, page_load: PageLoadRecorder
) -> None:
    reference = booking_ui.book()

    assert reference.startswith("BK"), f"booking reference {reference!r} does not start with BK"
    # One Navigation Timing sample (page.load_ms) per page of the flow: service list,
    # date and time, details, confirmation.
    assert len(page_load.loads) == 4, [load.url for load in page_load.loads]
    assert all(load.load_ms > 0 for load in page_load.loads), page_load.loads
