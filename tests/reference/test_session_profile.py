"""The second reference shape (``launch_options.profile = "session"``, ``--env=local-session``)
proves the suites follow the configuration: every hosted suite but load and stress runs against
it with no tool error and no skip that does not name the key behind it, and its faults turn the
suite that covers them red with a message naming the defect.

Real sessions of the repository's suites in a subprocess, on the reference platform and Chromium.
"""

from __future__ import annotations

import os
import re

import pytest
from inner_session import run_repository, suite_path

pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/chromium", os.X_OK) and not os.environ.get("PLAYWRIGHT_BROWSERS_PATH"),
    reason="needs a Chromium",
)

SUITES = ("smoke", "health", "security", "api", "e2e", "accessibility", "database", "features")

# Skips that name no [platform] key, each naming the environment's own key instead.
ENVIRONMENT_REASONS = (
    "HSTS only applies over https",  # the launched platform is served over http
    "requires admin: not configured for local-session",  # api.feature.yaml signs in as admin
)


def run_session_shape(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, faults: str, *args: str
) -> pytest.RunResult:
    monkeypatch.setenv("REFERENCE_APP_FAULTS", faults)
    return run_repository(
        pytester,
        "--env=local-session",
        *suite_path(*SUITES),
        "-m",
        "not load and not stress",
        "-rA",
        "--tb=line",
        *args,
    )


def test_every_suite_runs_clean_with_no_vacuous_pass(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_session_shape(pytester, monkeypatch, "")
    output = result.stdout.str()
    outcomes = result.parseoutcomes()

    assert result.ret == 0, output[-3000:]
    assert "failed" not in outcomes and "errors" not in outcomes, outcomes
    assert "Traceback" not in output
    skipped = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    unnamed = [
        line
        for line in skipped
        if "[platform." not in line and not any(r in line for r in ENVIRONMENT_REASONS)
    ]
    assert not unnamed, "\n".join(unnamed)
    passed_in = set(re.findall(r"^PASSED \S*/suites/(\w+)/", output, re.M))
    assert passed_in == set(SUITES), f"suites with no pass: {set(SUITES) - passed_in}"


# Each fault, the test that covers it and the words its failure must use for the defect.
FAULTS = {
    "double-booking": (
        "test_concurrent_bookings_of_one_slot_yield_exactly_one_201",
        "(double booking)",
    ),
    "leaky-500s": (
        "test_malformed_json_is_a_4xx_json_error",
        "crashed the server (500), expected 400/422; the body leaks a stack trace",
    ),
    "bola": ("test_customer_cannot_read_another_customers_booking", "read customer A's booking"),
    "open-admin-endpoints": (
        "test_protected_endpoints_refuse_anonymous_callers",
        "POST /api/v1/services/ let an anonymous request through",
    ),
    "no-security-headers": (
        "test_security_headers_have_the_expected_values",
        "is missing header X-Frame-Options",
    ),
    "no-rate-limit": (
        "test_a_burst_past_the_limit_gets_429_with_retry_after",
        "requests to POST /accounts/login/ in a burst got no 429 (rate limit not enforced)",
    ),
    "broken-confirmation": (
        "test_booking_flow_ends_with_a_bk_reference",
        "booking confirmation after submitting the booking is not visible (.booking-confirmed)",
    ),
    "inaccessible-forms": (
        "test_headings_alt_text_and_labels_on_the_booking_pages",
        'input#id_name[name="name"] has no accessible name',
    ),
    "sql-error-messages": (
        "test_injection_into_login_chat_and_availability",
        "POST /accounts/login/ field username with sql payload",
    ),
    "session-fixation": ("test_the_session_id_changes_at_login", "(session fixation"),
    "logout-keeps-session": (
        "test_logout_ends_the_session_on_the_server",
        "(logout does not end the session on the server)",
    ),
    "script-readable-session": (
        "test_the_session_cookie_has_its_flags",
        "session cookie sessionid: no HttpOnly",
    ),
}


def test_each_fault_turns_its_suite_red_naming_the_defect(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One session with every fault on: each touches only what its own test checks, and the
    # clean run above shows the same tests green.
    tests = " or ".join(test for test, _ in FAULTS.values())
    result = run_session_shape(pytester, monkeypatch, ",".join(FAULTS), "-k", tests)
    output = result.stdout.str()

    failed = set(re.findall(r"^FAILED \S+::(\w+)", output, re.M))
    missing = {fault: test for fault, (test, _) in FAULTS.items() if test not in failed}
    assert not missing, f"faults that left their test green: {missing}\n{output[-3000:]}"
    unnamed = {fault: words for fault, (_, words) in FAULTS.items() if words not in output}
    assert not unnamed, f"failures that do not name the defect: {unnamed}\n{output[-3000:]}"
    assert "errors" not in result.parseoutcomes(), output[-3000:]


def test_database_down_turns_health_red(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERENCE_APP_FAULTS", "database-down")
    result = run_repository(pytester, "--env=local-session", *suite_path("health"), "--tb=line")
    output = result.stdout.str()

    assert result.ret == 1, output[-3000:]
    assert "Traceback" not in output
    assert "health is unhealthy (HTTP 503)" in output, output[-3000:]
