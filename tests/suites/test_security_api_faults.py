"""The fault matrix of the security and api suites: green on the clean platform, red (with the
defect named) on each fault that breaks what they check, and safe on a sensitive environment.

Each case is a real `pytest --env=...` session in a subprocess (pytester) against a real
platform on loopback; `-k` narrows a fault's run to the checks it should turn red, so the
matrix stays within a couple of minutes.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from security_api_support import (
    JWT_SECRET,
    REPO,
    TamperedPlatform,
    environments_file,
    run_suite,
)

SECURITY = str(REPO / "pytest_deploygate" / "suites" / "security")
API = str(REPO / "pytest_deploygate" / "suites" / "api")


def test_clean_reference_platform_passes_both_suites(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the embedded platform with no fault switched on, and its signing key known
    monkeypatch.delenv("REFERENCE_APP_FAULTS", raising=False)
    monkeypatch.setenv("REFERENCE_APP_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("DEPLOYGATE_JWT_SECRET", JWT_SECRET)
    # When both suites run against it
    result = run_suite(pytester, "--env=local", "-m", "security or api", SECURITY, API)
    # Then every check passes, the expired-token one included (HSTS and cookies skip, saying why)
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 35 and "failed" not in outcomes, outcomes
    result.stdout.fnmatch_lines(["*HSTS only applies over https*"])
    assert "signing key" not in result.stdout.str()


# fault -> (suite, -k expression, text the failure must contain)
FAULTS = {
    "no-security-headers": (
        SECURITY,
        "security_headers_have or content_security",
        [
            "*GET /api/health is missing header X-Frame-Options (expected 'DENY')*",
            "*GET /api/health is missing header Content-Security-Policy*",
        ],
    ),
    "no-rate-limit": (
        SECURITY,
        "burst",
        ["*101 requests to POST /api/chat in a burst got no 429 (rate limit not enforced)*"],
    ),
    "open-admin-endpoints": (
        SECURITY,
        "anonymous_callers or refuse_customers",
        [
            "*POST /api/services let an anonymous request through to the handler (422*"
            "expected 401*",
            "*POST /api/services let a customer token through to the handler (422*expected 403*",
        ],
    ),
    "accept-unsigned-jwt": (
        SECURITY,
        "forged",
        ["*GET /api/bookings accepted a JWT with alg 'none' and role admin (200), expected 401*"],
    ),
    "bola": (
        SECURITY,
        "bola",
        [
            "*customer B read customer A's booking BK* via GET /api/bookings/* (200), "
            "expected 403/404*",
            "*customer B cancelled customer A's booking BK* (200), expected 403/404*",
        ],
    ),
    "no-input-validation": (
        SECURITY,
        "malicious or injection_into_login",
        [
            "*POST /api/chat field message with xss payload \"<script>alert('deploygate')"
            '</script>": the markup comes back unescaped in a reply the page displays*',
            "*POST /api/chat with '<script>alert(\"xss\")</script>' was accepted (200), "
            "expected 400/422*",
            "*POST /api/bookings with customer name '<script>*was accepted (201)*",
        ],
    ),
    # Injection: each detection has a fault it turns red (suites/security/injection.py).
    "sql-injection": (
        SECURITY,
        "injection_into_login",
        ['*POST /api/auth/login field email with sql payload "\'": the server failed (503*'],
    ),
    "sql-error-messages": (
        SECURITY,
        "injection_into_login",
        [
            '*POST /api/auth/login field email with sql payload "\'": a database error shows '
            "in the answer ('unrecognized token'*"
        ],
    ),
    "blind-sql-injection": (
        SECURITY,
        "injection_into_login",
        [
            "*field email with sql payload \"x' || (SELECT sleep(2)) || '\": the answer took "
            "* s and * s against * s without the payload (a 2 s sleep ran)*"
        ],
    ),
    "template-injection": (
        SECURITY,
        "injection_into_login",
        [
            "*POST /api/chat field message with template payload '{{9187*7411}}': the template "
            "was evaluated (68084857 in 200*"
        ],
    ),
    "leaky-500s": (
        SECURITY,
        "malformed_json",
        [
            "*POST /api/chat with malformed JSON * crashed the server (500), expected 400/422; "
            "the body leaks a stack trace*",
        ],
    ),
    "database-down": (
        API,
        "services_are_listed or employees_are_listed or overview",
        [
            '*GET /api/services answered 503 {"error":"database unavailable"}, expected 200*',
            '*GET /api/availability answered 503 {"error":"database unavailable"}, expected 200*',
        ],
    ),
    "payment-always-declines": (
        API,
        "success_card",
        [
            "*POST /api/payments with the success card 4242424242424242 for BK* answered 402 *"
            "expected 201*"
        ],
    ),
    "double-booking": (
        API,
        "concurrent",
        [
            "*8 concurrent bookings of * got 8×201; expected exactly one 201 and 409 for the "
            "rest (double booking)*"
        ],
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_turns_its_suite_red_and_names_the_defect(
    fault: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite, selection, messages = FAULTS[fault]
    # Given the embedded platform with one protection switched off
    monkeypatch.setenv("REFERENCE_APP_FAULTS", fault)
    # When the suite's checks for that protection run
    result = run_suite(pytester, "--env=local", "-k", selection, suite)
    # Then they fail, and the failure says what is broken
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1, f"{fault} went unnoticed: {outcomes}"
    result.stdout.fnmatch_lines(messages)


# Breakages the reference app has no fault for, made by the Tamper middleware.
TAMPERINGS = {
    "reflect-cors": (
        "cors",
        [
            "*GET /api/health with Origin 'https://deploygate-cors-probe.invalid' answers "
            "Access-Control-Allow-Origin: 'https://deploygate-cors-probe.invalid' and "
            "Access-Control-Allow-Credentials: true*"
        ],
    ),
    "insecure-cookie": ("cookies", ["*GET /api/health sets cookie 'session' without HttpOnly*"]),
    "version-leak": (
        "version_leaks",
        [
            "*GET /api/health leaks a version in Server: 'uvicorn/0.30.6'*",
            "*GET /api/health leaks the stack in X-Powered-By: 'FastAPI/0.110.0'*",
        ],
    ),
    "unsafe-csp": ("content_security", ["*GET /api/health: the CSP lets inline scripts run*"]),
    "unverified-jwt": (
        "forged",
        [
            "*GET /api/bookings accepted a JWT with a corrupted signature (200), expected 401*",
            "*GET /api/bookings accepted an expired JWT (200), expected 401*",
        ],
    ),
    "leaky-booking-list": (
        "list_holds_only",
        ["*customer B's GET /api/bookings lists customer A's booking BK*"],
    ),
    "anonymous-booking-reads": (
        "anonymous_caller_cannot or guest_booking",
        [
            "*an anonymous request read customer A's booking BK* (200), expected 401/404*",
            "*an anonymous GET of guest booking BK* answered 200 *expected 401/404*",
        ],
    ),
    "payments-accept-any-card": (
        "decline_card or luhn",
        [
            "*POST /api/payments with the decline card 4000000000000002 answered 201 *"
            "expected 402 (declined)*",
            "*POST /api/payments accepted card 4242424242424241 (fails the Luhn check)*",
        ],
    ),
    "payments-ignore-idempotency-key": (
        "idempotency_key",
        ["*a retried request must not charge twice*"],
    ),
    "errors-as-200": (
        "availability_of",
        ["*GET /api/availability/deploygate-no-such-service/* answered 200 *expected 404*"],
    ),
}


def run_tampered(pytester: pytest.Pytester, platform: TamperedPlatform) -> pytest.RunResult:
    environments_file(pytester.path, "tampered", platform.url)
    selection = " or ".join(selection for selection, _ in TAMPERINGS.values())
    result: pytest.RunResult = run_suite(
        pytester,
        "--environments-file=environments.toml",
        "--env=tampered",
        "-k",
        selection,
        SECURITY,
        API,
    )
    return result


def test_tampered_checks_pass_when_nothing_is_tampered(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tampered_platform: TamperedPlatform
) -> None:
    # Given the platform behind the Tamper with nothing switched on, and its signing key known
    tampered_platform.tamper.tamperings.clear()
    monkeypatch.setenv("DEPLOYGATE_JWT_SECRET", JWT_SECRET)
    # When the checks the tamperings target run
    result = run_tampered(pytester, tampered_platform)
    # Then they pass, the expired-token check included (only the cookie check has nothing to do)
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 8, outcomes
    assert "signing key" not in result.stdout.str()


def test_every_tampering_turns_the_security_suite_red(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tampered_platform: TamperedPlatform
) -> None:
    # Given every tampering at once: each breaks a different header or token check, and each
    # check's message names its own defect, so one run shows them all
    tampered_platform.tamper.tamperings.update(TAMPERINGS)
    monkeypatch.setenv("DEPLOYGATE_JWT_SECRET", JWT_SECRET)
    try:
        result = run_tampered(pytester, tampered_platform)
    finally:
        tampered_platform.tamper.tamperings.clear()
    # Then each check the tamperings target fails, naming what is broken
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= len(TAMPERINGS), outcomes
    for tampering, (_, messages) in TAMPERINGS.items():
        for message in messages:
            assert any(fnmatch.fnmatch(line, message) for line in result.outlines), (
                f"{tampering} went unnoticed: no output line matches {message!r}"
            )


def test_sensitive_environment_runs_only_non_destructive_checks(
    pytester: pytest.Pytester, tmp_path: Path, tampered_platform: TamperedPlatform
) -> None:
    # Given a platform that counts every exchange, marked sensitive
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
    assert outcomes.get("passed", 0) >= 15, outcomes
    result.stdout.fnmatch_lines(
        [
            "*policy skipped * destructive tests on prodlike*",
            "*destructive test refused on sensitive environment prodlike*",
        ]
    )
    # ...while the read-only checks did talk to it
    assert tamper.count("GET", "/api/health") > 0
