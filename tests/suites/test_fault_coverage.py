"""Fault runs for suite checks no other test shows red (the fault table in tests/fault_table.py
points here). Several faults share one session where they do not touch each other's checks,
so the runs stay short; each run asserts every selected test's outcome and message."""

from __future__ import annotations

import pytest
from inner_session import outcomes_of, suite_path
from security_api_support import run_suite
from test_security_api_faults import assert_outcomes

SECURITY, API, HEALTH = suite_path("security", "api", "health")
INPUT, ACCESS, FUZZ = "test_security_input", "test_security_access", "test_security_fuzz"
BOOKINGS, SCHEMA = "test_api_bookings", "test_api_schema"
COMPONENT = "test_health::test_component_is_healthy"

# faults (one session) -> (-k expression, suites, {selected test: its failure message})
RUNS: dict[str, tuple[str, list[str], dict[str, str]]] = {
    # Crashes leak stack traces, one slot books twice, the providers are unreachable.
    "leaky-500s,double-booking,providers-down": (
        "junk_away or fuzzed or wrong_types or invalid_bookings or write_operations "
        "or booked_slot_leaves or (component_is_healthy and not database)",
        [SECURITY, API, HEALTH],
        {
            f"{ACCESS}::test_public_writes_turn_junk_away_with_a_json_error": (
                "*POST /api/bookings answered a junk body {'test': 'payload'} with 500*"
            ),
            f"{FUZZ}::test_fuzzed_chat_messages_never_crash_or_reflect_markup": (
                "*POST /api/chat with * crashed the server (500); the body leaks a stack trace*"
            ),
            f"{FUZZ}::test_fuzzed_booking_payloads_never_crash_or_reflect_markup": (
                "*POST /api/bookings with * crashed the server (500); the body leaks a stack trace*"
            ),
            f"{INPUT}::test_wrong_types_are_a_4xx_json_error": (
                "*POST /api/bookings with JSON * crashed the server (500), expected 400/422*"
            ),
            f"{BOOKINGS}::test_invalid_bookings_are_refused_with_a_json_error": (
                "*POST /api/bookings with no customerDetails answered 500*"
            ),
            f"{SCHEMA}::test_write_operations_conform_to_the_openapi_document": (
                "*Schemathesis found * failure*"
            ),
            f"{BOOKINGS}::test_a_booked_slot_leaves_availability_and_returns_when_cancelled": (
                "*slot * is still offered by GET /api/availability/* after booking BK*"
            ),
            f"{COMPONENT}[payment]": "*payment is 'fail': payment provider unreachable*",
            f"{COMPONENT}[email]": "*email is 'fail': email provider unreachable*",
            f"{COMPONENT}[sms]": "*sms is 'fail': sms provider unreachable*",
        },
    ),
    # An unreachable database answers 503, which the OpenAPI document does not list.
    "database-down": (
        "read_operations",
        [API],
        {
            f"{SCHEMA}::test_read_operations_conform_to_the_openapi_document": (
                "*Schemathesis found * failure*"
            ),
        },
    ),
}


@pytest.mark.parametrize("faults", list(RUNS))
def test_the_faults_turn_the_checks_no_other_test_shows_red(
    faults: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    selection, suites, expected = RUNS[faults]
    # Given the embedded platform with these faults switched on
    monkeypatch.setenv("REFERENCE_APP_FAULTS", faults)
    # When the checks they break run
    run_suite(pytester, "--env=local", "-k", selection, *suites)
    # Then each fails, naming the defect, and nothing else ran
    assert_outcomes(outcomes_of(pytester), expected)
