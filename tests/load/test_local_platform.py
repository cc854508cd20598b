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
load = {{ normal_users = 1, peak_users = 2 }}
"""
NEVER_BREACHED = 60_000


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", environments=ENVIRONMENTS.format(p95=NEVER_BREACHED))
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
    project.makefile(".toml", environments=ENVIRONMENTS.format(p95=200))
    result = inner_session.run_sub(project, *QUICK, "--env=local", "-m", "load")
    result.assert_outcomes(passed=1, deselected=1)
    assert result.ret == 99
    result.stdout.re_match_lines([r"load\.p95_ms\s+< 200\s+\d+ ms\s+FAIL"])
    result.stdout.fnmatch_lines(["*breached: load.p95_ms*"])
