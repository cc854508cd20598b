"""``deploygate watch``: health as metrics, a bounded loop on an injected clock, and the local
reference platform with and without ``REFERENCE_APP_FAULTS=database-down``."""

from __future__ import annotations

from pathlib import Path

import pytest
from alerting_support import Receiver

from pytest_deploygate.alerting import AlertManager, AlertsConfig, AlertStateStore, ManualClock
from pytest_deploygate.alerting.rules import AlertRule
from pytest_deploygate.alerting.watch import health_metrics, watch
from pytest_deploygate.cli.watch import build_watch_parser, run_watch_command

ALERTS = """
[alerts]
state_file = "{state}"

[alerts.channels.ops-hook]
type = "webhook"
url = "{url}/hooks/${{OPS_HOOK_TOKEN}}"

[[alerts.rules]]
name = "database-down"
metric = "health.database.status"
operator = ">="
threshold = 2
severity = "critical"
channels = ["ops-hook"]
recipients = ["oncall@example.test"]
"""


def test_health_json_becomes_metrics() -> None:
    document = {
        "status": "fail",
        "checks": {
            "database": [
                {"status": "pass", "observedValue": 3.5, "observedUnit": "ms"},
                {"status": "fail", "output": "database unavailable"},
            ],
            "payment:responseTime": [
                {"status": "warn", "observedValue": 900, "observedUnit": "ms"}
            ],
            "sms": [{"status": "mystery"}],
        },
    }
    assert health_metrics(document) == {
        "health.status": 2.0,
        "health.database.status": 2.0,  # the worst probe of the component
        "health.database.latency_ms": 3.5,
        "health.payment.status": 1.0,
        "health.payment.latency_ms": 900.0,
        "health.sms.status": 2.0,  # an unknown status is not taken for healthy
    }


def test_the_loop_is_bounded_by_count_or_duration_on_the_injected_clock(tmp_path: Path) -> None:
    rule = AlertRule("slow", "health.api.latency_ms", ">", 500, "info", channels=())
    manager = AlertManager(AlertsConfig(rules=(rule,)), AlertStateStore(tmp_path / "s.db"), {})
    clock = ManualClock()
    start = clock.now()
    seen: list[float] = []

    def probe() -> dict[str, float]:
        seen.append(clock.now() - start)
        return {"health.api.latency_ms": 100.0}

    result = watch(manager, probe, "staging", interval=30, count=4, clock=clock)
    assert len(result.reports) == 4 and seen == [0, 30, 60, 90] and not result.firing

    seen.clear()
    start = clock.now()
    watch(manager, probe, "staging", interval=60, duration=300, clock=clock)
    assert seen == [0, 60, 120, 180, 240, 300]
    with pytest.raises(ValueError, match="needs a count or a duration"):
        watch(manager, probe, "staging", interval=1, clock=clock)


def _files(tmp_path: Path, receiver: Receiver) -> list[str]:
    environments = tmp_path / "environments.toml"
    environments.write_text('[environments.local]\nlaunch = "reference"\n')
    alerts = tmp_path / "alerts.toml"
    alerts.write_text(ALERTS.format(state=tmp_path / "state.sqlite", url=receiver.url))
    return [
        "--env",
        "local",
        "--environments-file",
        str(environments),
        "--alerts-file",
        str(alerts),
    ]


@pytest.mark.parametrize("fault", ["database-down", ""])
def test_watch_the_local_platform_pages_only_when_its_database_is_down(
    fault: str,
    tmp_path: Path,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the local reference platform, with or without the database-down fault
    monkeypatch.setenv("REFERENCE_APP_FAULTS", fault)
    token = "hook-T0KEN-s3cret"
    args = build_watch_parser().parse_args(
        [*_files(tmp_path, receiver), "--interval", "30s", "--count", "3"]
    )
    lines: list[str] = []
    # When deploygate watch polls it three times, 30 s apart (on a manual clock)
    status = run_watch_command(
        args, clock=ManualClock(), environ={"OPS_HOOK_TOKEN": token}, out=lines.append
    )
    output = "\n".join(lines) + capsys.readouterr().err
    if fault:
        # Then one critical alert reaches the receiver (not one per poll), and it says why
        assert status == 1, output
        (body,) = receiver.bodies()
        assert (body["kind"], body["severity"], body["rule"]) == (
            "firing",
            "critical",
            "database-down",
        )
        assert body["environment"] == "local" and body["value"] == 2.0
        assert receiver.requests[0].path == f"/hooks/{token}"
        assert output.count("local: unhealthy (") == 3
        assert "FIRE" in output and "SUPPRESSED" in output
    else:
        # Then nothing is sent
        assert status == 0, output
        assert receiver.requests == []
        assert "0 alert(s) firing" in output
    assert token not in output


def test_watch_needs_a_bound_and_names_a_bad_rule(
    tmp_path: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _files(tmp_path, receiver)
    assert run_watch_command(build_watch_parser().parse_args(files)) == 4
    assert "give --count N or --duration D" in capsys.readouterr().err

    alerts = tmp_path / "alerts.toml"
    alerts.write_text(alerts.read_text().replace('operator = ">="', 'operator = "=>"'))
    args = build_watch_parser().parse_args([*files, "--count", "1"])
    assert run_watch_command(args, environ={"OPS_HOOK_TOKEN": "x"}) == 4
    assert capsys.readouterr().err.strip() == (
        "deploygate watch: alerts.toml: [[alerts.rules]] #1 ('database-down'): "
        "operator = '=>' is not one of > >= < <= == !="
    )
