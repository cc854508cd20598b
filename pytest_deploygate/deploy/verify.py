"""Verification after a deploy or a rollback: health until healthy, then a test run with gates.

The test run is ``pytest --env NAME -m MARKEXPR`` in a subprocess (the hosted suites and the
team's own tests, with the environment's gates), its reports in their own folder. It passes
when pytest exits 0: a failed test, a breached gate (99) or no test selected (5) fail it.
On a ``sensitive`` environment the run keeps the policy: destructive tests are skipped unless
``--allow-destructive`` is passed through (and ``--allow-load`` for load tests).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_deploygate.config import Environment
from pytest_deploygate.deploy.commands import stop_group
from pytest_deploygate.deploy.progress import Stage
from pytest_deploygate.deploy.record import Verification
from pytest_deploygate.health import DEGRADED, HEALTHY, HealthReport, wait_for_health

#: Seconds between health checks while waiting for a release to become healthy.
HEALTH_POLL_S = 1.0

_EXIT_REASONS = {
    2: "the run was interrupted or the environment is unreachable (pytest exit 2)",
    3: "pytest hit an internal error (exit 3)",
    4: "pytest could not start the run (exit 4: usage or configuration error)",
}


@dataclass(frozen=True)
class VerifyPlan:
    """How every verification of one deploy runs."""

    env: Environment
    environments_file: Path
    markexpr: str
    health_wait: float
    timeout: float
    run_id: str
    accept_degraded: bool = False
    allow_destructive: bool = False
    allow_load: bool = False
    extra_args: tuple[str, ...] = ()

    def pytest_argv(self, reports_dir: Path, baseline: Path | None) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "pytest",
            "--env",
            self.env.name,
            # One argument: as two, pytest would take the file's folder as its rootdir.
            f"--environments-file={self.environments_file}",
            "-m",
            self.markexpr,
            "--reports-dir",
            str(reports_dir),
            "--run-id",
            self.run_id,
            "-p",
            "no:cacheprovider",
            "-rfE",
        ]
        if self.allow_destructive:
            argv.append("--allow-destructive")
        if self.allow_load:
            argv.append("--allow-load")
        if baseline is not None:
            argv += ["--baseline", str(baseline)]
        return argv + list(self.extra_args)


def verify(
    plan: VerifyPlan, reports_dir: Path, baseline: Path | None = None, stage: Stage | None = None
) -> tuple[Verification, HealthReport]:
    """Wait for health, then run the verification tests; the verdict and the last health.
    ``stage`` follows along, for progress lines."""
    stage = stage or Stage()
    stage.enter("health", plan.health_wait)
    started = time.monotonic()
    health = wait_for_health(plan.env, plan.health_wait, interval=HEALTH_POLL_S)
    health_s = time.monotonic() - started
    acceptable = {HEALTHY, DEGRADED} if plan.accept_degraded else {HEALTHY}
    detail = health_problems(health)
    if health.overall not in acceptable:
        reason = f"health is {health.overall} after waiting up to {plan.health_wait:g} s"
        return (
            Verification(health.overall, detail, health_s, plan.markexpr, False, reason),
            health,
        )

    reports_dir.mkdir(parents=True, exist_ok=True)
    argv = plan.pytest_argv(reports_dir, baseline)
    log = reports_dir / "pytest.log"
    stage.enter("tests", plan.timeout, log)
    run_started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            exit_code: int | None = process.wait(plan.timeout)
        except subprocess.TimeoutExpired:
            stop_group(process)
            exit_code = None
        except BaseException:
            stop_group(process)
            raise
    duration = time.monotonic() - run_started
    gates = _read_gates(reports_dir / "gates.json")
    tests = gates.get("tests", {}).get("all", {})
    breached = tuple(g["metric"] for g in gates.get("gates", []) if g.get("verdict") == "fail")
    reason = _reason(exit_code, tests, breached, plan, log)
    return (
        Verification(
            health=health.overall,
            health_detail=detail,
            health_s=health_s,
            markexpr=plan.markexpr,
            passed=exit_code == 0,
            reason=reason,
            exit_code=exit_code,
            argv=tuple(argv),
            duration_s=duration,
            tests={k: int(v) for k, v in tests.items() if isinstance(v, int)},
            gates_verdict=("fail" if breached else "pass") if gates else None,
            breached=breached,
            regressions=tuple(gates.get("baseline", {}).get("comparisons", [])),
            reports_dir=str(reports_dir),
            metrics=dict(gates.get("metrics", {})),
            bands=dict(gates.get("bands", {})),
        ),
        health,
    )


def health_problems(report: HealthReport, shown: int = 3) -> str:
    """The components that are not healthy, in one line ("" when all are)."""
    problems = [
        f"{probe.name}: {probe.output or probe.status}"
        for result in report.results
        for probe in result.probes
        if probe.status != HEALTHY
    ]
    more = len(problems) - shown
    return "; ".join(problems[:shown]) + (f"; and {more} more" if more > 0 else "")


def _read_gates(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # the run ended before its gates: the exit status says why
    return document if isinstance(document, dict) else {}


def _reason(
    exit_code: int | None,
    tests: dict[str, Any],
    breached: tuple[str, ...],
    plan: VerifyPlan,
    log: Path,
) -> str:
    if exit_code == 0:
        return ""
    if exit_code is None:
        reason = f"the test run was stopped at its {plan.timeout:g} s time limit"
    elif exit_code == 1:
        reason = f"{tests.get('failed', 'some')} test(s) failed"
    elif exit_code == 99:
        reason = "quality gate(s) breached: " + ", ".join(breached)
    elif exit_code == 5:
        reason = f"no test matched -m {plan.markexpr!r}"
    else:
        reason = _EXIT_REASONS.get(exit_code, f"pytest exited {exit_code}")
    return f"{reason} (log: {log})"
