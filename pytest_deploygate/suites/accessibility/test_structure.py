"""The seed's accessibility checks done properly: one h1 and no skipped heading levels, alt
text on every image, and a label that really names each input (the browser's association,
not just some <label> somewhere on the page)."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("browser")

import pytest

from pytest_deploygate.browser.accessibility import page_structure_problems
from pytest_deploygate.browser.booking_ui import BookingUI


@pytest.mark.destructive  # reaches the details form by choosing a slot; books nothing
def test_headings_alt_text_and_labels_on_the_booking_pages(booking_ui: BookingUI) -> None:
    problems: list[str] = []

    def check(where: str) -> None:
        problems.extend(
            f"{where}: {problem}" for problem in page_structure_problems(booking_ui.page)
        )

    booking_ui.open()
    check("booking page: services")
    booking_ui.choose_service()
    check("booking page: date and time")
    booking_ui.choose_time()
    check("booking page: your details")

    assert not problems, "accessibility problems:\n" + "\n".join(problems)
