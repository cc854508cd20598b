"""Alert rules evaluated over a real pytest run's gate metrics (pytester), with a real receiver."""

from __future__ import annotations

from pathlib import Path

import inner_session
import pytest
from alerting_support import Receiver

# In-process runs: pytest-playwright's soft-assertion scope does not nest, so leave it out.

SLOW_PAGE_TEST = """
from pytest_deploygate import record_metric

def test_booking_page_loads():
    record_metric("page.load_ms", 5200.0)
"""

ALERTS = """
[alerts]
state_file = "{state}"

[alerts.retry]
attempts = 2
backoff = "0.05s"
timeout = "0.5s"
deadline = "1s"

[alerts.channels.qa-hook]
type = "webhook"
url = "{url}"

[[alerts.rules]]
name = "slow-page"
metric = "page.load_ms"
operator = ">"
threshold = 3000
severity = "critical"
channels = ["qa-hook"]
"""


@pytest.fixture
def project(pytester: pytest.Pytester, receiver: Receiver) -> pytest.Pytester:
    pytester.makefile(".toml", environments=f'[environments.ci]\nbase_url = "{receiver.url}"\n')
    pytester.makepyfile(test_page=SLOW_PAGE_TEST)
    write_alerts(pytester, receiver.url)
    return pytester


def write_alerts(pytester: pytest.Pytester, url: str, **replace: str) -> Path:
    text = ALERTS.format(state=pytester.path / "alert-state.sqlite", url=url)
    for old, new in replace.items():
        text = text.replace(old, new)
    return pytester.makefile(".toml", alerts=text)


def run(pytester: pytest.Pytester, *extra: str) -> pytest.RunResult:
    return inner_session.run(
        pytester, "--env", "ci", "--no-preflight", "--alerts-file", "alerts.toml", *extra
    )


def test_a_breached_rule_pages_once_across_runs(
    project: pytest.Pytester, receiver: Receiver
) -> None:
    # Given a run whose page load breaches the rule
    result = run(project)
    # Then the run passes as before, and one critical alert went out
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*= deploygate alerts =*",
            "FIRE*critical*slow-page (page.load_ms = 5200; alert when page.load_ms > 3000)",
            "    webhook channel 'qa-hook': delivered (HTTP 200; 1 attempt, *",
            "alerts: 1 firing in ci",
        ]
    )
    (body,) = receiver.bodies()
    assert (body["rule"], body["kind"], body["value"]) == ("slow-page", "firing", 5200.0)

    # When the next CI job runs minutes later, it remembers and does not re-page
    run(project).stdout.fnmatch_lines(["SUPPRESSED*slow-page*already sent; next re-send not*"])
    assert len(receiver.requests) == 1


def test_a_dead_channel_is_reported_and_leaves_the_result_alone(
    project: pytest.Pytester, closed_port: int
) -> None:
    write_alerts(project, f"http://127.0.0.1:{closed_port}/hook")
    result = run(project)
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "FIRE*slow-page*no channel took the notice; it is tried again at the next evaluation",
            "    webhook channel 'qa-hook': FAILED (ConnectError*; 2 attempts, *",
            "alerts: 1 firing in ci; 1 delivery failure(s), the run's result is unchanged",
        ]
    )


def test_a_malformed_rule_stops_the_run_before_any_test(
    project: pytest.Pytester, receiver: Receiver
) -> None:
    write_alerts(project, receiver.url, **{"threshold = 3000": 'threshold = "3 s"'})
    result = run(project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0] == (  # brackets would be patterns to fnmatch_lines
        "ERROR: alerts.toml: [[alerts.rules]] #1 ('slow-page'): threshold = '3 s' must be a number"
    )
    assert "collected" not in result.stdout.str()  # stopped before collecting a test
    assert receiver.requests == []


def test_no_alerts_and_rules_for_other_environments_stay_silent(
    project: pytest.Pytester, receiver: Receiver
) -> None:
    result = run(project, "--no-alerts")
    result.assert_outcomes(passed=1)
    assert "deploygate alerts" not in result.stdout.str()
    write_alerts(
        project,
        receiver.url,
        **{'channels = ["qa-hook"]': 'channels = ["qa-hook"]\nenvironments = ["production"]'},
    )
    assert "deploygate alerts" not in run(project).stdout.str()
    assert receiver.requests == []
