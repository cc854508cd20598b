"""``deploygate deploy`` against the reference platform as a real process whose "deploy" command
restarts it (tests/deploy/release_supervisor.py), then ``deploygate history`` over the lot.

The four deploys run once, in order, against one platform, one history and one webhook
receiver (each takes seconds; the order is the story): a clean release restarted without
downtime protection, a faulty release rolled back, a faulty release whose rollback starts the
faulty release again, and a deploy into the broken environment that this leaves behind.
"""

from __future__ import annotations

import json
import math
import sqlite3
import statistics
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from deploy_support import (
    PROBE_INTERVAL,
    Platform,
    Run,
    command_line,
    deploygate,
    environments_toml,
    supervised_platform,
    webhook_receiver,
)
from prometheus_client.parser import text_string_to_metric_families

SECRET = "Qa-Deploy-Token-5521"
ALERTS = """
[gates]
"deploy.success_rate" = "> 99"
"deploy.rollback_rate" = "< 1"
"deploy.alerts" = "< 5"
"regression.http.p95_ms" = "< 1000"  # loose: it proves the wiring, not the platform's speed

[environments.qa.credentials.admin]
username = "admin@test.com"
password = "${{QA_DEPLOY_TOKEN}}"

[metrics]
textfile = "metrics/deploygate.prom"

[alerts.channels.ops]
type = "webhook"
url = "{url}"

[[alerts.rules]]
name = "database-down"
metric = "health.database.status"
operator = ">="
threshold = 2
severity = "critical"
channels = ["ops"]
"""


@dataclass
class Scenario:
    folder: Path
    platform: Platform
    runs: dict[str, Run]
    webhooks: list[Any]
    restarts: list[dict[str, Any]]

    def record(self, name: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((self.folder / f"{name}.json").read_text())
        return document


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    folder = tmp_path_factory.mktemp("deploys")
    env = {"QA_DEPLOY_TOKEN": SECRET}
    with webhook_receiver() as receiver, supervised_platform(folder / "platform") as platform:
        (folder / "environments.toml").write_text(
            environments_toml(platform.url, extra=ALERTS.format(url=receiver.url))
        )

        def deploy(name: str, *args: str) -> Run:
            return deploygate("deploy", "--env", "qa", "--json", f"{name}.json", *args,
                              cwd=folder, env=env)  # fmt: skip

        runs = {
            # a clean release, restarted with 2 s in which nothing listens
            "restart": deploy(
                "restart", "--", *platform.release("--downtime", "2", "--token", SECRET)
            ),
            # a release whose database is down; the rollback starts a clean one
            "rollback": deploy(
                "rollback",
                "--allow-destructive",
                "--rollback",
                command_line(platform.release()),
                "--",
                *platform.release("--faults", "database-down"),
            ),
            # the same faulty release, and a "rollback" that starts it again
            "bad-rollback": deploy(
                "bad-rollback",
                "--rollback",
                command_line(platform.release("--faults", "database-down")),
                "--",
                *platform.release("--faults", "database-down"),
            ),
            # the environment is now unhealthy: the next deploy must not start
            "refused": deploy(
                "refused", "--", sys.executable, "-c", "open('command-ran', 'w').close()"
            ),
        }
        runs["history"] = deploygate("history", "--env", "qa", "--json", cwd=folder, env=env)
        runs["history-text"] = deploygate("history", "--env", "qa", cwd=folder, env=env)
        runs["gate"] = deploygate("gate", "--history", "--env", "qa", cwd=folder, env=env)
        yield Scenario(folder, platform, runs, list(receiver.bodies), platform.restarts())


def test_a_restart_without_downtime_protection_is_an_outage_of_its_length(
    scenario: Scenario,
) -> None:
    run = scenario.runs["restart"]
    assert run.returncode == 0, run.stdout + run.stderr
    record = scenario.record("restart")
    assert record["result"] == "deployed" and record["rollback"] is None
    assert record["baseline"] is None  # nothing passed before it
    assert record["verification"]["passed"] and record["verification"]["tests"]["passed"] == 5
    # The supervisor's own clock of that restart: refused from closing the old socket until the
    # new one listened; down, from the old release's SIGTERM on.
    restart = scenario.restarts[0]
    refused = restart["listening_at"] - restart["refused_at"]
    down = restart["listening_at"] - restart["stopped_at"]
    availability = record["availability"]
    slack = 3 * PROBE_INTERVAL  # an outage is exact to about one probe interval each side
    outage = availability["longest_outage_s"]
    assert refused - slack <= outage <= down + slack, (availability, restart)
    assert [o["phase"] for o in availability["outages"]] == ["command"]
    expected = (math.floor(refused / PROBE_INTERVAL) - 3, math.ceil(down / PROBE_INTERVAL) + 3)
    assert expected[0] <= availability["failed_probes"] <= expected[1], availability
    assert availability["uptime_percent"] < 100
    assert availability["probes"] > availability["failed_probes"]
    assert availability["interval_s"] == PROBE_INTERVAL
    # and it says so on one screen
    lines = run.stdout.splitlines()
    assert len(lines) <= 20, run.stdout
    assert any(line.startswith("  availability ") and "longest outage" in line for line in lines)


def test_a_faulty_release_is_rolled_back_and_the_rollback_verified_exit_3(
    scenario: Scenario,
) -> None:
    run = scenario.runs["rollback"]
    assert run.returncode == 3, run.stdout + run.stderr
    record = scenario.record("rollback")
    assert record["result"] == "rolled_back"
    verification = record["verification"]
    assert not verification["passed"] and verification["health"] == "unhealthy"
    assert "database unavailable" in verification["health_detail"]
    assert record["reason"].startswith("verification failed: health is unhealthy")
    rollback = record["rollback"]
    assert rollback["verified"] and rollback["exit_code"] == 0
    assert rollback["verification"]["passed"]
    assert rollback["verification"]["tests"]["passed"] == 5
    # the faulty release's failed health probes are counted, and in which phase they started
    assert record["availability"]["failed_probes"] > 0
    assert {o["phase"] for o in record["availability"]["outages"]} <= {"command", "verification"}
    # the rule over the health the deploy checked fired once
    assert record["alerts"] == 1
    # the first deploy passed, so it is this one's baseline
    assert record["baseline"].startswith(f"deploy {scenario.record('restart')['id']} of qa (")


def test_a_rollback_that_restarts_the_faulty_release_is_not_restored_exit_5(
    scenario: Scenario,
) -> None:
    run = scenario.runs["bad-rollback"]
    assert run.returncode == 5, run.stdout + run.stderr
    record = scenario.record("bad-rollback")
    assert record["result"] == "failed" and not record["refused"]
    assert not record["rollback"]["verified"]
    assert "the rollback failed its verification: health is unhealthy" in record["reason"]
    assert "FAILED and NOT RESTORED (exit 5)" in run.stdout


def test_an_unhealthy_environment_refuses_the_deploy_and_runs_nothing(
    scenario: Scenario,
) -> None:
    run = scenario.runs["refused"]
    assert run.returncode == 5
    record = scenario.record("refused")
    assert record["refused"] and record["result"] == "failed"
    assert record["before"]["health"] == "unhealthy"
    assert record["command"] == [] and record["availability"] is None
    assert not (scenario.folder / "command-ran").exists()
    assert "REFUSED before start (exit 5)" in run.stdout


def test_rollback_notices_reach_the_webhook_with_their_record(scenario: Scenario) -> None:
    notices = [body for body in scenario.webhooks if body["kind"] == "deploy"]
    assert [(n["rule"], n["severity"]) for n in notices] == [
        ("deploy-rolled-back", "warning"),
        ("deploy-not-restored", "critical"),
    ]
    assert [n["record"]["id"] for n in notices] == [
        scenario.record(name)["id"] for name in ("rollback", "bad-rollback")
    ]
    assert notices[0]["record"]["result"] == "rolled_back"
    assert "ROLLED BACK" in notices[0]["message"]
    for name in ("rollback", "bad-rollback"):
        sent = scenario.record(name)["notices"]
        assert [(n["type"], n["channel"], n["ok"]) for n in sent] == [("webhook", "ops", True)]
    # the alert rule's own notices went through the same channel
    assert [b["rule"] for b in scenario.webhooks if b["kind"] == "firing"] == ["database-down"] * 2


def test_history_counts_every_deploy_and_computes_the_kpis(scenario: Scenario) -> None:
    run = scenario.runs["history"]
    assert run.returncode == 0, run.stderr
    history = json.loads(run.stdout)
    assert [d["result"] for d in history["deployments"]] == [
        "refused",
        "failed",
        "rolled_back",
        "deployed",
    ]
    kpis = history["kpis"]
    assert (kpis["deployments"], kpis["started"], kpis["refused"]) == (4, 3, 1)
    counts = (kpis["deployed"], kpis["rolled_back"], kpis["failed"], kpis["rollbacks"])
    assert counts == (1, 1, 1, 2)
    records = [scenario.record(name) for name in ("restart", "rollback", "bad-rollback")]
    metrics = kpis["metrics"]
    assert metrics["deploy.success_rate"] == pytest.approx(100 / 3, abs=0.001)
    assert metrics["deploy.rollback_rate"] == pytest.approx(200 / 3, abs=0.001)
    assert metrics["deploy.alerts"] == pytest.approx(2 / 3, abs=0.001)
    assert metrics["deploy.uptime_percent"] == pytest.approx(
        statistics.fmean(r["availability"]["uptime_percent"] for r in records), abs=0.01
    )
    durations = sorted(r["duration_s"] for r in records)
    assert kpis["duration_median_s"] == pytest.approx(durations[1], abs=0.01)
    # SQLite beside the alert state by default
    assert history["store"].endswith("/reports/deploy-history.sqlite")
    assert "KPIs: 4 deployment(s): 1 deployed, 1 rolled back, 1 failed, 1 refused before start" in (
        scenario.runs["history-text"].stdout
    )


def test_each_deploy_publishes_its_result_and_the_kpis_for_monitoring(
    scenario: Scenario,
) -> None:
    # The deploys' own textfile, beside the verification runs' (each producer has its own).
    exposition = (scenario.folder / "metrics" / "deploygate-deploy.prom").read_text()
    samples = {
        sample.name: (sample.labels, sample.value)
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }
    labels, value = samples["deploygate_deploy_success_rate"]
    assert value == pytest.approx(100 / 3, abs=0.001) and labels["environment"] == "qa"
    assert samples["deploygate_deploy_rollback_rate"][1] == pytest.approx(200 / 3, abs=0.001)
    assert samples["deploygate_deploy_last_success"][1] == 0.0  # the last one was refused
    assert (scenario.folder / "metrics" / "deploygate.prom").is_file()  # a verification run's
    assert SECRET not in exposition


def test_gate_history_evaluates_the_kpis_as_gates(scenario: Scenario) -> None:
    run = scenario.runs["gate"]
    assert run.returncode == 99, run.stdout + run.stderr
    rows = {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines() if line}
    assert rows["deploy.success_rate"] == [">", "99", "33.33%", "FAIL"]
    assert rows["deploy.rollback_rate"] == ["<", "1", "66.67%", "FAIL"]
    assert "gates: 1 passed, 2 breached, 0 not measured" in run.stdout  # alerts < 5 passes


def test_the_verification_gets_allow_destructive_only_when_given(scenario: Scenario) -> None:
    # qa is sensitive: the deploy runs as given, the verification keeps the policy
    plain = scenario.record("restart")["verification"]["argv"]
    allowed = scenario.record("rollback")["rollback"]["verification"]["argv"]
    assert "--allow-destructive" not in plain and "--allow-destructive" in allowed


def test_secrets_reach_no_output(scenario: Scenario) -> None:
    assert "***" in scenario.record("restart")["command"]
    outputs = [run.stdout + run.stderr for run in scenario.runs.values()]
    deploys = ("restart", "rollback", "bad-rollback", "refused")
    outputs += [(scenario.folder / f"{name}.json").read_text() for name in deploys]
    outputs.append(json.dumps(scenario.webhooks))
    with sqlite3.connect(scenario.folder / "reports" / "deploy-history.sqlite") as db:
        outputs += [row[0] for row in db.execute("SELECT record FROM deploygate_deployments")]
    leaks = [text for text in outputs if SECRET in text]
    assert not leaks
