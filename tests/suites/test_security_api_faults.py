"""The fault matrix of the security and api suites: green on the clean platform, red (with the
defect named) on each fault that breaks what they check, and safe on a sensitive environment.

Each case is a real `pytest --env=...` session in a subprocess (pytester) against a real
platform on loopback; `-k` narrows a fault's run to the checks it should turn red, so the
matrix stays within a couple of minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from inner_session import outcomes_of, star_match
from security_api_support import (
    JWT_SECRET,
    REPO,
    TamperedPlatform,
    environments_file,
    run_suite,
)

SECURITY = str(REPO / "pytest_deploygate" / "suites" / "security")
API = str(REPO / "pytest_deploygate" / "suites" / "api")
HEALTH = str(REPO / "pytest_deploygate" / "suites" / "health")


# Every other check of both suites passes on the clean platform (51 collected).
CLEAN_PASSES = 46
# What the clean platform skips, saying why (no https target; it sets no cookies; it signs in
# with JSON and bearer tokens, so the session-cookie checks do not apply).
SESSION_ONLY = "*[platform.auth] mode = 'json': no session cookie*"
CLEAN_SKIPS = {
    "test_security_headers::test_https_environments_send_hsts": "*HSTS only applies over https*",
    "test_security_headers::test_cookies_are_secure_httponly_and_samesite": "*no Set-Cookie on*",
    "test_security_session::test_the_session_id_changes_at_login": SESSION_ONLY,
    "test_security_session::test_logout_ends_the_session_on_the_server": SESSION_ONLY,
    "test_security_session::test_the_session_cookie_has_its_flags": SESSION_ONLY,
}


def test_clean_reference_platform_passes_both_suites(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the embedded platform with no fault switched on, and its signing key known
    monkeypatch.delenv("REFERENCE_APP_FAULTS", raising=False)
    monkeypatch.setenv("REFERENCE_APP_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("DEPLOYGATE_JWT_SECRET", JWT_SECRET)
    # When both suites run against it
    result = run_suite(pytester, "--env=local", "-m", "security or api", SECURITY, API)
    # Then every check passes, the expired-token one included; exactly two skip, saying why.
    # (Exit 99 would be a latency gate of the repository on a slow machine: not this test's.)
    outcomes = outcomes_of(pytester)
    assert result.ret in (0, 99), result.stdout.str()
    skipped = {test: said for test, (outcome, said) in outcomes.items() if outcome == "skipped"}
    assert set(skipped) == set(CLEAN_SKIPS), skipped
    for test, reason in CLEAN_SKIPS.items():
        assert star_match(reason, skipped[test]), (test, skipped[test])
    others = {test: outcome for test, (outcome, _) in outcomes.items() if test not in CLEAN_SKIPS}
    assert others == dict.fromkeys(others, "passed")
    assert len(others) == CLEAN_PASSES, f"{len(others)} checks ran, expected {CLEAN_PASSES}"
    assert "signing key" not in result.stdout.str()


PASSES = "passed"
INPUT, HEADERS_ = "test_security_input", "test_security_headers"
CATALOGUE, PAYMENTS = "test_api_catalogue", "test_api_payments"
ACCESS_, BOLA_ = "test_security_access", "test_security_bola"
MALFORMED = f"{INPUT}::test_malformed_json_is_a_4xx_json_error[*]"
FORGED_ = f"{ACCESS_}::test_forged_tokens_are_refused"
INJECTION_LOGIN = "test_security_injection::test_injection_into_login_chat_and_availability"
INJECTION_LOOKUP = "test_security_injection::test_injection_into_a_booking_lookup"
INJECTION_FIELDS = "test_security_injection::test_injection_into_booking_and_payment_fields"
# fault -> (suite, -k expression, {selected test (a pattern): its failure message, or PASSES})
FAULTS: dict[str, tuple[str, str, dict[str, str]]] = {
    "no-security-headers": (
        SECURITY,
        "security_headers_have or content_security",
        {
            f"{HEADERS_}::test_security_headers_have_the_expected_values": (
                "*GET /api/health is missing header X-Frame-Options (expected 'DENY')*"
            ),
            f"{HEADERS_}::test_content_security_policy_forbids_inline_and_eval_scripts": (
                "*GET /api/health is missing header Content-Security-Policy*"
            ),
        },
    ),
    "no-rate-limit": (
        SECURITY,
        "burst",
        {
            "test_security_rate_limit::test_a_burst_past_the_limit_gets_429_with_retry_after": (
                "*101 requests to POST /api/chat in a burst got no 429 (rate limit not enforced)*"
            )
        },
    ),
    "open-admin-endpoints": (
        SECURITY,
        "anonymous_callers or refuse_customers",
        {
            f"{ACCESS_}::test_protected_endpoints_refuse_anonymous_callers": (
                "*POST /api/services let an anonymous request through to the handler (422*"
                "expected 401*"
            ),
            f"{ACCESS_}::test_admin_endpoints_refuse_customers": (
                "*POST /api/services let a customer token through to the handler (422*expected 403*"
            ),
        },
    ),
    # Only unsigned tokens are let in: the other forgeries are still refused.
    "accept-unsigned-jwt": (
        SECURITY,
        "forged",
        {
            f"{FORGED_}[alg none as admin]": "*GET /api/bookings accepted a JWT with alg 'none' "
            "and role admin (200), expected 401*",
            f"{FORGED_}[alg none]": "*POST /api/services refused a JWT with alg 'none' with 403, "
            "expected 401*GET /api/bookings accepted a JWT with alg 'none' (200), expected 401*",
            f"{FORGED_}[tampered claims]": PASSES,
            f"{FORGED_}[bad signature]": PASSES,
            f"{FORGED_}[expired]": PASSES,
        },
    ),
    # Object-level authorisation only: lists and anonymous reads stay guarded.
    "bola": (
        SECURITY,
        "bola",
        {
            f"{BOLA_}::test_customer_cannot_read_another_customers_booking": (
                "*customer B read customer A's booking BK* via GET /api/bookings/* (200), "
                "expected 403/404*"
            ),
            f"{BOLA_}::test_customer_cannot_cancel_another_customers_booking": (
                "*customer B cancelled customer A's booking BK* (200), expected 403/404*"
            ),
            f"{BOLA_}::test_customer_list_holds_only_their_own_bookings": PASSES,
            f"{BOLA_}::test_anonymous_caller_cannot_read_a_booking": PASSES,
        },
    ),
    "no-input-validation": (
        SECURITY,
        "malicious or injection_into_login",
        {
            f"{INPUT}::test_chat_refuses_the_seeds_malicious_payloads": (
                "*POST /api/chat with '<script>alert(\"xss\")</script>' was accepted (200), "
                "expected 400/422*"
            ),
            f"{INPUT}::test_booking_refuses_malicious_customer_details": (
                "*POST /api/bookings with customer name '<script>*was accepted (201)*"
            ),
            INJECTION_LOGIN: (
                "*POST /api/chat field message with xss payload \"<script>alert('deploygate')"
                '</script>": the markup comes back unescaped in a reply the page displays*'
            ),
        },
    ),
    # Injection: each detection has a fault it turns red (suites/security/injection.py).
    "sql-injection": (
        SECURITY,
        "injection_into_login",
        {
            INJECTION_LOGIN: (
                '*POST /api/auth/login field email with sql payload "\'": the server failed (503*'
            )
        },
    ),
    "sql-error-messages": (
        SECURITY,
        "injection_into_login",
        {
            INJECTION_LOGIN: (
                '*POST /api/auth/login field email with sql payload "\'": a database error shows '
                "in the answer ('unrecognized token'*"
            )
        },
    ),
    "blind-sql-injection": (
        SECURITY,
        "injection_into_login",
        {
            INJECTION_LOGIN: (
                "*field email with sql payload \"x' || (SELECT sleep(2)) || '\": the answer took "
                "* s and * s against * s without the payload (a 2 s sleep ran)*"
            )
        },
    ),
    # Every quote reaches the SQL: the lookup, a booking field and a payment field each fail.
    "sql-injection-bookings": (
        SECURITY,
        "injection_into_a_booking_lookup or injection_into_booking_and_payment_fields",
        {
            INJECTION_LOOKUP: (
                "*injection(s) succeeded (1 parameters x 11 payloads)*GET /api/bookings/"
                '{booking_id} path parameter booking_id with sql payload "\'": the server '
                "failed (503*"
            ),
            INJECTION_FIELDS: (
                "*injection(s) succeeded (11 parameters x 11 payloads)*"
                'POST /api/bookings field serviceId with sql payload "\'": the server failed (503*'
                'POST /api/payments field bookingId with sql payload "\'": the server failed (503*'
            ),
        },
    ),
    "template-injection": (
        SECURITY,
        "injection_into_login",
        {
            INJECTION_LOGIN: (
                "*POST /api/chat field message with template payload '{{9187*7411}}': the "
                "template was evaluated (68084857 in 200*"
            )
        },
    ),
    # Neither a body limit nor a length check: only then is an oversized body accepted.
    "no-body-limit,no-input-validation": (
        SECURITY,
        "oversized",
        {
            f"{INPUT}::test_oversized_bodies_are_refused": (
                "*POST /api/chat with a *-byte body was accepted (200)*"
            )
        },
    ),
    "leaky-500s": (
        SECURITY,
        "malformed_json",
        {
            MALFORMED: "*POST /api/bookings with malformed JSON * crashed the server (500), "
            "expected 400/422; the body leaks a stack trace*",
        },
    ),
    "database-down": (
        API,
        "services_are_listed or employees_are_listed or overview",
        {
            f"{CATALOGUE}::test_services_are_listed_with_id_and_name": (
                '*GET /api/services answered 503 {"error":"database unavailable"}, expected 200*'
            ),
            f"{CATALOGUE}::test_employees_are_listed_with_id_and_name": (
                '*GET /api/employees answered 503 {"error":"database unavailable"}, expected 200*'
            ),
            f"{CATALOGUE}::test_the_availability_overview_answers_json": (
                '*GET /api/availability answered 503 {"error":"database unavailable"}, '
                "expected 200*"
            ),
        },
    ),
    "payment-always-declines": (
        API,
        "success_card",
        {
            f"{PAYMENTS}::test_the_success_card_pays_once_per_idempotency_key": (
                "*POST /api/payments with the success card 4242424242424242 for BK* answered 402 *"
                "expected 201*"
            )
        },
    ),
    "double-booking": (
        API,
        "concurrent",
        {
            "test_api_bookings::test_concurrent_bookings_of_one_slot_yield_exactly_one_201": (
                "*8 concurrent bookings of * got 8×201; expected exactly one 201 and 409 for the "
                "rest (double booking)*"
            )
        },
    ),
    "slot-times-with-seconds": (
        API,
        "free_slots_as_times",
        {
            f"{CATALOGUE}::test_availability_lists_free_slots_as_times": (
                "*GET /api/availability/*/* lists slot times that are not HH:MM: ['*:00:00',*"
            )
        },
    ),
}


def assert_outcomes(outcomes: dict[str, tuple[str, str]], expected: dict[str, str]) -> None:
    """Every test that ran is expected (by pattern) and did what it should, saying so."""
    for pattern in expected:
        assert [test for test in outcomes if star_match(pattern, test)], (
            f"{pattern} did not run: {sorted(outcomes)}"
        )
    for test, (outcome, said) in outcomes.items():
        matches = [pattern for pattern in expected if star_match(pattern, test)]
        assert matches, f"{test} ran ({outcome}) but is not expected: {said[:300]!r}"
        message = expected[matches[0]]
        if message == PASSES:
            assert outcome == "passed", f"{test}: {outcome} {said[:300]!r}, expected to pass"
        else:
            assert outcome == "failed" and star_match(message, said), (
                f"{test} went unnoticed: {outcome} {said[:300]!r}, expected failed {message!r}"
            )


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_turns_its_suite_red_and_names_the_defect(
    fault: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite, selection, expected = FAULTS[fault]
    # Given the embedded platform with one protection switched off
    monkeypatch.setenv("REFERENCE_APP_FAULTS", fault)
    # When the suite's checks for that protection run
    run_suite(pytester, "--env=local", "-k", selection, suite)
    # Then exactly those checks ran; the ones the fault breaks fail, naming the defect
    assert_outcomes(outcomes_of(pytester), expected)


# Breakages the reference app has no fault for, made by the Tamper middleware:
# tampering -> (-k expression, {selected test: what its failure must say}).
ACCESS, BOLA, HEADERS = "test_security_access", "test_security_bola", "test_security_headers"
FORGED = f"{ACCESS}::test_forged_tokens_are_refused"
TAMPERINGS: dict[str, tuple[str, dict[str, str]]] = {
    "reflect-cors": (
        "cors",
        {
            f"{HEADERS}::test_cors_never_reflects_an_arbitrary_origin_with_credentials": (
                "*GET /api/health with Origin 'https://deploygate-cors-probe.invalid' answers "
                "Access-Control-Allow-Origin: 'https://deploygate-cors-probe.invalid' and "
                "Access-Control-Allow-Credentials: true*"
            )
        },
    ),
    "insecure-cookie": (
        "cookies",
        {
            f"{HEADERS}::test_cookies_are_secure_httponly_and_samesite": (
                "*GET /api/health sets cookie 'session' without HttpOnly*"
            )
        },
    ),
    "version-leak": (
        "version_leaks",
        {
            f"{HEADERS}::test_no_server_version_leaks": (
                "*GET /api/health leaks a version in Server: 'uvicorn/0.30.6'*"
                "GET /api/health leaks the stack in X-Powered-By: 'FastAPI/0.110.0'*"
            )
        },
    ),
    "unsafe-csp": (
        "content_security",
        {
            f"{HEADERS}::test_content_security_policy_forbids_inline_and_eval_scripts": (
                "*GET /api/health: the CSP lets inline scripts run*"
            )
        },
    ),
    # Re-signing every token with the real key: each forged token becomes valid.
    "unverified-jwt": (
        "forged",
        {
            f"{FORGED}[alg none as admin]": "*GET /api/bookings accepted a JWT with alg 'none' "
            "and role admin (200), expected 401*",
            f"{FORGED}[alg none]": "*GET /api/bookings accepted a JWT with alg 'none' (200)*",
            f"{FORGED}[tampered claims]": "*GET /api/bookings accepted a JWT whose claims were "
            "changed to role admin (200), expected 401*",
            f"{FORGED}[bad signature]": "*GET /api/bookings accepted a JWT with a corrupted "
            "signature (200), expected 401*",
            f"{FORGED}[expired]": "*GET /api/bookings accepted an expired JWT (200), expected 401*",
        },
    ),
    "leaky-booking-list": (
        "list_holds_only",
        {
            f"{BOLA}::test_customer_list_holds_only_their_own_bookings": (
                "*customer B's GET /api/bookings lists customer A's booking BK*"
            )
        },
    ),
    "anonymous-booking-reads": (
        "anonymous_caller_cannot or guest_booking",
        {
            f"{BOLA}::test_anonymous_caller_cannot_read_a_booking": (
                "*an anonymous request read customer A's booking BK* (200), expected 401/404*"
            ),
            "test_api_bookings::test_a_guest_booking_is_not_readable_anonymously": (
                "*an anonymous GET of guest booking BK* answered 200 *"
            ),
        },
    ),
    "payments-accept-any-card": (
        "decline_card or luhn",
        {
            "test_api_payments::test_the_decline_card_is_declined_with_a_json_error": (
                "*POST /api/payments with the decline card 4000000000000002 answered 201 *"
            ),
            "test_api_payments::test_a_card_number_failing_the_luhn_check_is_rejected": (
                "*POST /api/payments accepted card 4242424242424241 (fails the Luhn check)*"
            ),
        },
    ),
    "payments-ignore-idempotency-key": (
        "idempotency_key",
        {
            "test_api_payments::test_the_success_card_pays_once_per_idempotency_key": (
                "*POST /api/payments repeated with the same Idempotency-Key answered 409*"
            )
        },
    ),
    "errors-as-200": (
        "availability_of",
        {
            "test_api_catalogue::test_availability_of_an_unknown_service_is_a_json_404": (
                "*GET /api/availability/deploygate-no-such-service/* answered 200 *expected 404*"
            ),
            "test_api_catalogue::test_availability_of_a_malformed_date_is_a_json_4xx": (
                "*GET /api/availability/colour/2025-13-45 answered 200 *expected 400/422*"
            ),
        },
    ),
    "plain-json-health": (
        "health_is_health_json",
        {
            "test_health::test_health_is_health_json": (
                "*health content type is 'application/json', expected application/health+json*"
            )
        },
    ),
    "failed-owner-reads": (
        "cancel_another or create_read_and_cancel",
        {
            "test_api_bookings::test_create_read_and_cancel_a_booking": (
                "*GET /api/bookings/* answered 503 *expected 200*"
            ),
            f"{BOLA}::test_customer_cannot_cancel_another_customers_booking": (
                "*customer A could not re-read their booking BK* after customer B's cancel "
                "request*answered 503*"
            ),
        },
    ),
}
TAMPERED_CHECKS = {
    test: message for _, checks in TAMPERINGS.values() for test, message in checks.items()
}


def run_tampered(
    pytester: pytest.Pytester, platform: TamperedPlatform
) -> dict[str, tuple[str, str]]:
    """The checks the tamperings target, run against ``platform``: each test's outcome."""
    environments_file(pytester.path, "tampered", platform.url)
    selection = " or ".join(selection for selection, _ in TAMPERINGS.values())
    run_suite(
        pytester,
        "--environments-file=environments.toml",
        "--env=tampered",
        "-k",
        selection,
        SECURITY,
        API,
        HEALTH,
    )
    return outcomes_of(pytester)


def test_tampered_checks_pass_when_nothing_is_tampered(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tampered_platform: TamperedPlatform
) -> None:
    # Given the platform behind the Tamper with nothing switched on, and its signing key known
    tampered_platform.tamper.tamperings.clear()
    monkeypatch.setenv("DEPLOYGATE_JWT_SECRET", JWT_SECRET)
    # When the checks the tamperings target run
    outcomes = run_tampered(pytester, tampered_platform)
    # Then exactly those checks ran and passed; only the cookie check has nothing to do
    cookies = f"{HEADERS}::test_cookies_are_secure_httponly_and_samesite"
    assert set(outcomes) == set(TAMPERED_CHECKS), sorted(set(outcomes) ^ set(TAMPERED_CHECKS))
    assert outcomes.pop(cookies) == (
        "skipped",
        "no Set-Cookie on /api/health, /api/services, /, /book; nothing to check",
    )
    assert {test: outcome for test, (outcome, _) in outcomes.items()} == dict.fromkeys(
        outcomes, "passed"
    )


def test_every_tampering_turns_its_checks_red(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tampered_platform: TamperedPlatform
) -> None:
    # Given every tampering at once: each breaks different checks, and each check's message
    # names its own defect, so one run shows them all
    tampered_platform.tamper.tamperings.update(TAMPERINGS)
    monkeypatch.setenv("DEPLOYGATE_JWT_SECRET", JWT_SECRET)
    try:
        outcomes = run_tampered(pytester, tampered_platform)
    finally:
        tampered_platform.tamper.tamperings.clear()
    # Then every selected check fails, each naming what is broken
    assert set(outcomes) == set(TAMPERED_CHECKS), sorted(set(outcomes) ^ set(TAMPERED_CHECKS))
    for test, message in TAMPERED_CHECKS.items():
        outcome, said = outcomes[test]
        assert outcome == "failed" and star_match(message, said), (
            f"{test} went unnoticed: {outcome} {said[:300]!r}, expected failed {message!r}"
        )


def test_chat_fuzzing_that_is_only_rate_limited_skips_saying_so(
    pytester: pytest.Pytester, tampered_platform: TamperedPlatform
) -> None:
    # Given a chat endpoint that answers every request with 429
    tampered_platform.tamper.tamperings.add("chat-always-429")
    environments_file(pytester.path, "tampered", tampered_platform.url)
    try:
        run_suite(
            pytester,
            "--environments-file=environments.toml",
            "--env=tampered",
            "-k",
            "fuzzed_chat",
            SECURITY,
        )
    finally:
        tampered_platform.tamper.tamperings.clear()
    # Then the fuzz check does not pass having checked nothing: it skips, saying why
    outcome, reason = outcomes_of(pytester)[
        "test_security_fuzz::test_fuzzed_chat_messages_never_crash_or_reflect_markup"
    ]
    assert outcome == "skipped", (outcome, reason)
    assert star_match("all * fuzzed POST /api/chat requests were rate limited (429)*", reason)


# On a sensitive environment: the read-only checks pass; the destructive ones, HSTS (no https),
# cookies (none set), the session-cookie checks (JSON sign-in) and the expired token (no signing
# key) skip.
SENSITIVE_PASSES, SENSITIVE_SKIPS = 29, 22


def test_sensitive_environment_runs_only_non_destructive_checks(
    pytester: pytest.Pytester,
    tmp_path: Path,
    tampered_platform: TamperedPlatform,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a platform that counts every exchange, marked sensitive, whose signing key the suite
    # does not know (so the expired-token check skips, saying so, whatever ran before)
    monkeypatch.delenv("DEPLOYGATE_JWT_SECRET", raising=False)
    tamper = tampered_platform.tamper
    tamper.tamperings.clear()
    tamper.exchanges.clear()
    environments_file(pytester.path, "prodlike", tampered_platform.url, sensitive=True)
    # When both suites run against it without --allow-destructive
    result = run_suite(
        pytester,
        "--environments-file=environments.toml",
        "--env=prodlike",
        "-m",
        "security or api",
        "-rs",
        SECURITY,
        API,
    )
    # Then no booking was created or cancelled, and the destructive checks were policy-skipped
    assert tamper.count("POST", "/api/bookings", 201) == 0, tamper.exchanges
    assert tamper.count("POST", "/api/bookings/", None) == 0, "a cancel request was sent"
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes and "errors" not in outcomes, result.stdout.str()
    assert outcomes == {"passed": SENSITIVE_PASSES, "skipped": SENSITIVE_SKIPS}, outcomes
    result.stdout.fnmatch_lines(
        [
            "*policy skipped * destructive tests on prodlike*",
            "*destructive test refused on sensitive environment prodlike*",
        ]
    )
    # ...while the read-only checks did talk to it
    assert tamper.count("GET", "/api/health") > 0
