"""The hosted performance suite against the embedded reference platform (``--env=local``)."""

from __future__ import annotations

from pathlib import Path

import inner_session
import pytest

SUITES = Path(__file__).resolve().parents[2] / "pytest_deploygate" / "suites" / "performance"
# Light on purpose: 10 users for 3 s; stress steps of 1..4 users (50 % → 200 % of a peak of 2).
QUICK = ("--load-duration", "3", "--load-ramp-up", "1", "--load-step-duration", "2")

# The p95 gate is a format field: the clean run gets a ceiling no machine reaches (it proves
# the gate is evaluated, not that this machine is fast); the slow-api run gets 200 ms, which the
# fault's fixed 300 ms delay breaches however fast the machine is.
ENVIRONMENTS = """
[gates]
"load.p95_ms" = "< {p95}"
"load.error_rate" = "< 0.1"

[environments.local]
launch = "reference"
credentials.customer = {{ username = "customer@test.com", password = "TestCustomer123!" }}
load = {{ normal_users = 1, peak_users = 2, stress_p95_ms = {stress_p95} }}
"""
NEVER_BREACHED = 60_000


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(
        ".toml", environments=ENVIRONMENTS.format(p95=NEVER_BREACHED, stress_p95=NEVER_BREACHED)
    )
    suite = pytester.mkdir("suites").joinpath("performance")
    suite.mkdir()
    for name in ("test_load.py", "test_stress.py"):
        suite.joinpath(name).write_text((SUITES / name).read_text())
    return pytester


def test_clean_platform_passes_the_load_gate_and_reports_its_stress_steps(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REFERENCE_APP_FAULTS", raising=False)
    result = inner_session.run_sub(
        project, *QUICK, "--env=local", "-m", "load or stress", "-rA", "--html=r.html"
    )
    result.assert_outcomes(passed=2)
    assert result.ret == 0
    result.stdout.re_match_lines(
        [r"load\.error_rate\s+< 0\.1\s.*PASS", r"load\.p95_ms\s+< 60000\s.*PASS"]
    )
    result.stdout.re_match_lines([r"(no breaking point up to 4 users|breaking point at \d+ users)"])
    html = (project.path / "r.html").read_text()
    assert "deploygate-stress" in html and "Locust report (stress, 1 users)" in html


def test_slow_api_breaches_the_load_gate_and_exits_99_naming_it(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFERENCE_APP_FAULTS", "slow-api")
    project.makefile(".toml", environments=ENVIRONMENTS.format(p95=200, stress_p95=200))
    result = inner_session.run_sub(project, *QUICK, "--env=local", "-m", "load or stress")
    # The load test passes (visitors could browse); its gate stops the release
    result.stdout.re_match_lines([r"load\.p95_ms\s+< 200\s+\d+ ms\s+FAIL"])
    result.stdout.fnmatch_lines(["*breached: load.p95_ms*"])
    # ... and the stress test fails: every step breaks 200 ms, the first (1 user) at the peak's half
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*the platform broke at 1 users, not above its expected peak of 2: *p95 *>= 200 ms*"]
    )


def test_a_platform_nobody_can_browse_fails_the_load_test_naming_the_errors(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a platform whose database is down: every listing answers 503 (and no customer to
    # sign in: the login would answer 503 too, and visitors browse without one)
    monkeypatch.setenv("REFERENCE_APP_FAULTS", "database-down")
    environments = ENVIRONMENTS.format(p95=NEVER_BREACHED, stress_p95=NEVER_BREACHED)
    project.makefile(".toml", environments=environments.replace("credentials.customer", "# "))
    result = inner_session.run_sub(project, *QUICK, "--no-preflight", "--env=local", "-m", "load")
    # Then the load test itself fails (Locust recorded the names, but only failures)
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(
        ["*visitors could not browse the platform (only [[]*] answered)*503*"]
    )
