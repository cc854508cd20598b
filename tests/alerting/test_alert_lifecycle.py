"""The alert lifecycle against a real webhook receiver, with time driven by a ManualClock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from alerting_support import FAST_RETRY, Receiver

from pytest_deploygate.alerting import (
    AlertManager,
    AlertStateError,
    AlertStateStore,
    ManualClock,
    parse_alerts,
)


def alerts_table(url: str, **rule: Any) -> dict[str, Any]:
    return {
        "channels": {"ops-hook": {"type": "webhook", "url": url}},
        "rules": [
            {
                "name": "p95-latency",
                "metric": "http.p95_ms",
                "operator": ">",
                "threshold": 200,
                "severity": "critical",
                "channels": ["ops-hook"],
                "recipients": ["oncall@example.test"],
                **rule,
            }
        ],
    }


def manager_for(
    table: dict[str, Any], state_file: Path, clock: ManualClock, env: str = "staging"
) -> AlertManager:
    config = parse_alerts({**table, "state_file": str(state_file)})
    manager = AlertManager.for_environment(config, env, clock=clock, environ={})
    for channel in manager.channels.values():
        channel.retry = FAST_RETRY
    return manager


def kinds(receiver: Receiver) -> list[str]:
    return [body["kind"] for body in receiver.bodies()]


def test_fire_suppress_resend_stop_after_three_then_resolve(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    # Given a critical rule (re-send every 15 minutes, at most 3 re-sends)
    manager = manager_for(alerts_table(receiver.url), tmp_path / "state.sqlite", clock)
    slow = {"http.p95_ms": 450.0}

    # When the condition is first seen, one notice goes out
    report = manager.evaluate(slow, "staging")
    assert [o.decision for o in report.outcomes] == ["fire"]
    assert kinds(receiver) == ["firing"]
    first = receiver.bodies()[0]
    assert first["rule"] == "p95-latency" and first["severity"] == "critical"
    assert first["value"] == 450.0 and first["environment"] == "staging"
    assert first["recipients"] == ["oncall@example.test"]

    # Inside the interval: nothing more, however often we evaluate
    for _ in range(3):
        clock.advance(5 * 60 - 1)
        assert manager.evaluate(slow, "staging").outcomes[0].decision == "suppressed"
    assert kinds(receiver) == ["firing"]

    # After 15 minutes since the last notice: one re-send each time, three at most
    for number in (1, 2, 3):
        clock.advance(15 * 60)
        assert manager.evaluate(slow, "staging").outcomes[0].decision == "resend"
        assert receiver.bodies()[-1]["resend"] == number
    clock.advance(15 * 60)
    outcome = manager.evaluate(slow, "staging").outcomes[0]
    assert outcome.decision == "exhausted" and "all 3 re-sends used" in outcome.note
    clock.advance(4 * 3600)
    assert manager.evaluate(slow, "staging").outcomes[0].decision == "exhausted"
    assert kinds(receiver) == ["firing", "resend", "resend", "resend"]

    # When the condition clears: one resolved notice, then quiet
    assert manager.evaluate({"http.p95_ms": 120.0}, "staging").outcomes[0].decision == "resolve"
    assert kinds(receiver) == ["firing", "resend", "resend", "resend", "resolved"]
    assert receiver.bodies()[-1]["status"] == "resolved"
    assert manager.evaluate({"http.p95_ms": 120.0}, "staging").outcomes[0].decision == "ok"
    assert manager.store.all() == []
    assert len(receiver.requests) == 5


def test_resend_interval_is_per_severity_and_configurable(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    table = alerts_table(receiver.url, severity="warning")
    table["resend"] = {"warning": "2h"}
    manager = manager_for(table, tmp_path / "state.sqlite", clock)
    manager.evaluate({"http.p95_ms": 300.0}, "staging")
    clock.advance(3600 + 1)  # the default warning interval, overridden to 2 h
    assert manager.evaluate({"http.p95_ms": 300.0}, "staging").outcomes[0].decision == "suppressed"
    clock.advance(3600)
    assert manager.evaluate({"http.p95_ms": 300.0}, "staging").outcomes[0].decision == "resend"


def test_for_duration_holds_the_alert_until_the_condition_has_lasted(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    manager = manager_for(alerts_table(receiver.url, **{"for": "10m"}), tmp_path / "s.db", clock)
    outcome = manager.evaluate({"http.p95_ms": 300.0}, "staging").outcomes[0]
    assert outcome.decision == "pending" and "firing once it holds until" in outcome.note
    # A breach that clears before 10 minutes never pages.
    clock.advance(5 * 60)
    assert manager.evaluate({"http.p95_ms": 100.0}, "staging").outcomes[0].decision == "cleared"
    clock.advance(60)
    assert manager.evaluate({"http.p95_ms": 300.0}, "staging").outcomes[0].decision == "pending"
    clock.advance(10 * 60)
    assert manager.evaluate({"http.p95_ms": 300.0}, "staging").outcomes[0].decision == "fire"
    assert kinds(receiver) == ["firing"]


def test_unmeasured_disabled_and_other_environment_rules_send_nothing(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    table = alerts_table(receiver.url, environments=["production"])
    table["rules"].append({**table["rules"][0], "name": "off", "enabled": False})
    table["rules"].append({**table["rules"][0], "name": "other-metric", "metric": "load.p95_ms"})
    manager = manager_for(table, tmp_path / "state.sqlite", clock, env="production")
    outcomes = manager.evaluate({"http.p95_ms": 900.0}, "staging").outcomes
    assert outcomes == ()  # neither rule applies to staging
    outcomes = manager.evaluate({"http.p95_ms": 900.0}, "production").outcomes
    assert [(o.rule.name, o.decision) for o in outcomes] == [
        ("p95-latency", "fire"),
        ("other-metric", "not-measured"),
    ]
    assert len(receiver.requests) == 1


def test_state_survives_a_process_restart(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    # Given a first run in another process, at the clock's current time
    state_file = tmp_path / "alert-state.sqlite"
    script = textwrap.dedent(
        f"""
        from pytest_deploygate.alerting import AlertManager, ManualClock, parse_alerts
        table = {alerts_table(receiver.url)!r}
        config = parse_alerts({{**table, "state_file": {str(state_file)!r}}})
        manager = AlertManager.for_environment(
            config, "staging", clock=ManualClock({clock.now()!r}), environ={{}}
        )
        print(manager.evaluate({{"http.p95_ms": 500.0}}, "staging").outcomes[0].decision)
        """
    )
    first = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert first.stdout.strip() == "fire"
    assert kinds(receiver) == ["firing"]

    # When this process evaluates five minutes later (the next CI job), it does not re-page
    clock.advance(5 * 60)
    manager = manager_for(alerts_table(receiver.url), state_file, clock)
    assert manager.evaluate({"http.p95_ms": 500.0}, "staging").outcomes[0].decision == "suppressed"
    assert kinds(receiver) == ["firing"]
    # ...and the interval still counts from the other process's notice
    clock.advance(10 * 60)
    assert manager.evaluate({"http.p95_ms": 500.0}, "staging").outcomes[0].decision == "resend"
    assert kinds(receiver) == ["firing", "resend"]


def test_concurrent_jobs_sharing_the_state_file_page_once(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    state_file = tmp_path / "state.sqlite"
    managers = [manager_for(alerts_table(receiver.url), state_file, clock) for _ in range(6)]
    start = threading.Barrier(len(managers))
    decisions: list[str] = []

    def job(manager: AlertManager) -> None:
        start.wait()
        decisions.append(manager.evaluate({"http.p95_ms": 999.0}, "staging").outcomes[0].decision)

    threads = [threading.Thread(target=job, args=(m,)) for m in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(decisions) == ["fire"] + ["suppressed"] * 5
    assert kinds(receiver) == ["firing"]


def test_a_notice_no_channel_took_is_tried_again_at_the_next_evaluation(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    manager = manager_for(alerts_table(receiver.url), tmp_path / "state.sqlite", clock)
    receiver.status = 503
    outcome = manager.evaluate({"http.p95_ms": 400.0}, "staging").outcomes[0]
    assert outcome.decision == "fire" and not outcome.deliveries[0].ok
    assert "tried again at the next evaluation" in outcome.note
    (state,) = AlertStateStore(tmp_path / "state.sqlite").all()
    assert state.firing_since is not None and state.last_sent is None and state.sends == 0

    # The receiver is back five minutes later: the first notice goes out then, not in 15 min.
    receiver.status = 200
    clock.advance(5 * 60)
    assert manager.evaluate({"http.p95_ms": 400.0}, "staging").outcomes[0].decision == "fire"
    assert receiver.status == 200 and receiver.requests[-1].json()["kind"] == "firing"
    assert manager.evaluate({"http.p95_ms": 400.0}, "staging").outcomes[0].decision == "suppressed"


def test_a_resolved_notice_nobody_took_is_sent_again_next_time(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    manager = manager_for(alerts_table(receiver.url), tmp_path / "state.sqlite", clock)
    manager.evaluate({"http.p95_ms": 400.0}, "staging")
    receiver.status = 500
    assert manager.evaluate({"http.p95_ms": 90.0}, "staging").outcomes[0].decision == "resolve"
    receiver.status = 200
    clock.advance(300)
    assert manager.evaluate({"http.p95_ms": 90.0}, "staging").outcomes[0].decision == "resolve"
    assert kinds(receiver)[0] == "firing" and kinds(receiver)[-1] == "resolved"
    assert manager.evaluate({"http.p95_ms": 90.0}, "staging").outcomes[0].decision == "ok"


def test_alertmanager_hears_of_a_firing_alert_at_every_evaluation(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    # Alertmanager expires an alert that is not posted again; people are paged by its own rules.
    table = alerts_table(receiver.url)
    table["channels"]["am"] = {"type": "alertmanager", "url": receiver.url}
    table["rules"][0]["channels"] = ["ops-hook", "am"]
    manager = manager_for(table, tmp_path / "state.sqlite", clock)
    for _ in range(3):
        manager.evaluate({"http.p95_ms": 400.0}, "staging")
        clock.advance(60)
    paths = [r.path for r in receiver.requests]
    assert paths.count("/api/v2/alerts") == 3 and paths.count("/") == 1


def test_the_public_names_do_not_change_by_accident() -> None:
    import pytest_deploygate.alerting as alerting

    assert sorted(alerting.__all__) == sorted(
        ["AlertConfigError", "AlertManager", "AlertReport", "AlertRule", "AlertState",
         "AlertStateError", "AlertStateStore", "AlertsConfig", "Channel", "Clock",
         "DeliveryResult", "ManualClock", "Notice", "RetryPolicy", "RuleOutcome", "SystemClock",
         "decide", "parse_alerts", "parse_duration"]
    )  # fmt: skip


def test_a_state_file_that_is_not_a_database_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "alert-state.sqlite"
    bad.write_text("this is a CI log, not SQLite\n" * 100)
    store = AlertStateStore(bad)
    with pytest.raises(AlertStateError) as caught:
        store.prepare()
    assert str(caught.value) == (
        f"{bad}: cannot use it as the alert state file (file is not a database); delete it or "
        "set [alerts] state_file to another path"
    )
