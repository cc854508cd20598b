"""Chromium over https with a private CA: it takes no CA file, so with a [platform] ca_bundle
the browser contexts ignore certificate errors (browser/fixtures.py) while every HTTP client
of the session verifies the certificate against that CA.

A real session of ``pytest --env=local-tls`` in a subprocess: the reference platform serving a
certificate from a throwaway CA, and Chromium.
"""

from __future__ import annotations

import os

import pytest
from inner_session import outcomes_of, run_repository, suite_path

pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/chromium", os.X_OK) and not os.environ.get("PLAYWRIGHT_BROWSERS_PATH"),
    reason="needs a Chromium",
)


def test_the_booking_flow_runs_in_chromium_over_https_with_a_private_ca(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REFERENCE_APP_FAULTS", raising=False)

    result = run_repository(pytester, "--env=local-tls", "-k", "booking_flow", *suite_path("e2e"))

    assert result.ret in (0, 99), result.stdout.str()  # 99: a latency gate, not this test's
    assert outcomes_of(pytester) == {
        "test_booking::test_booking_flow_ends_with_a_bk_reference[chromium]": ("passed", "")
    }
