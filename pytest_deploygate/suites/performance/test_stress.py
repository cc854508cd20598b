"""Stepped stress, the seed's procedure: 50 % → 200 % of the expected peak users, stopping at the
first step whose p95 or error rate breaks its threshold (the breaking point).

The platform must hold its expected peak: a breaking point at or below ``peak_users`` fails.
The per-step table and a chart of p95 and error rate against users go into the HTML report;
``stress.breaking_point_users`` and ``stress.max_ok_users`` go to the gates.
"""

from __future__ import annotations

from pytest_deploygate.extras import require

require("load")

from collections.abc import Callable

import pytest

from pytest_deploygate.load import LoadSettings, StressResult


@pytest.mark.stress
def test_booking_platform_holds_its_expected_peak(
    stress_test: Callable[..., StressResult], load_settings: LoadSettings
) -> None:
    stress = stress_test()
    peak = load_settings.peak_users
    broke = stress.breaking_point
    assert broke is None or broke > peak, (
        f"the platform broke at {broke} users, not above its expected peak of {peak}: "
        f"{stress.summary()}"
    )
