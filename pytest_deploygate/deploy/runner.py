"""The deploy state machine: health before, the command under an availability probe,
verification, and on failure the rollback and its own verification.

    before: health ──unhealthy──> refused (exit 5; nothing runs)
       │ healthy or degraded
    COMMAND ──fails──────────────┐            (the probe runs from here ...)
       │ exit 0                  │
    verify: health --wait, pytest -m MARKEXPR with its gates
       │ passed         │ failed │
    deployed (0)        └────────┴──> ROLLBACK ──> verify again
                                      passed: rolled_back (3); failed or no --rollback: failed (5)
                                                  (... to the end of the last verification)
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pytest_deploygate.config import Environment
from pytest_deploygate.deploy.commands import run_command
from pytest_deploygate.deploy.notify import DeployAlerts
from pytest_deploygate.deploy.probe import AvailabilityProbe
from pytest_deploygate.deploy.progress import DeployProgress, Stage
from pytest_deploygate.deploy.record import DeployRecord, Result, RollbackRun
from pytest_deploygate.deploy.settings import DeploySettings
from pytest_deploygate.deploy.verify import VerifyPlan, health_problems, verify
from pytest_deploygate.health import UNHEALTHY, check_health
from pytest_deploygate.session.http import platform_tls


@dataclass(frozen=True)
class DeployPlan:
    """Everything one deploy needs, checked before anything runs."""

    env: Environment
    settings: DeploySettings
    command: tuple[str, ...]
    rollback: tuple[str, ...] | None
    verify: VerifyPlan
    probe_targets: tuple[str, ...]
    reports_dir: Path
    baseline: Path | None = None

    @property
    def base_url(self) -> str:
        assert self.env.base_url, "a deploy needs an environment with a base_url"
        return self.env.base_url


def run_deploy(
    plan: DeployPlan,
    alerts: DeployAlerts,
    out: Callable[[str], None],
    progress: DeployProgress | None = None,
) -> DeployRecord:
    """Run one deploy to its verdict; ``out`` gets a line per step and ``progress`` the live
    state while a step blocks (the caller masks both)."""
    env, settings = plan.env, plan.settings
    progress = progress or DeployProgress(env.name, lambda text: None, live=False)
    clock = time.monotonic()
    record = DeployRecord(
        plan.verify.run_id, env.name, time.time(), "failed", "", reports_dir=str(plan.reports_dir)
    )
    before = check_health(env)
    record.before, record.before_detail = before.overall, health_problems(before)
    if before.overall == UNHEALTHY:
        record.refused = True
        record.reason = "the environment was unhealthy before the deploy; nothing was run"
        record.duration_s = time.monotonic() - clock
        return record

    probe = AvailabilityProbe(
        plan.base_url,
        plan.probe_targets,
        interval=settings.probe_interval,
        timeout=settings.probe_timeout,
        max_duration=settings.probe_max_duration,
        verify=platform_tls(env.platform),
    )
    out(
        f"{env.name} is {before.overall}; probing {', '.join(plan.probe_targets)} every "
        f"{settings.probe_interval:g} s; running: {shlex.join(plan.command)}"
    )
    failure = ""
    probe.start()
    try:
        probe.mark("command")
        with progress.command("command", probe, settings.command_timeout):
            record.command = run_command(
                plan.command, settings.command_timeout, _env_vars(env, "deploy")
            )
        if record.command.ok:
            probe.mark("verification")
            out(_verifying(plan, "the release"))
            stage = Stage("health", plan.verify.health_wait)
            with progress.verification("the release", probe, stage):
                record.verification, health = verify(
                    plan.verify, plan.reports_dir / "verification", plan.baseline, stage
                )
            alerts.observe(health)
            if not record.verification.passed:
                failure = f"verification failed: {record.verification.reason}"
        else:
            failure = f"the deploy command failed ({record.command.detail})"
        if failure and plan.rollback:
            out(f"{failure}; rolling back: {shlex.join(plan.rollback)}")
            probe.mark("rollback")
            with progress.command("rollback", probe, settings.command_timeout):
                command = run_command(
                    plan.rollback, settings.command_timeout, _env_vars(env, "rollback")
                )
            probe.mark("rollback verification")
            out(_verifying(plan, "the rollback"))
            stage = Stage("health", plan.verify.health_wait)
            with progress.verification("the rollback", probe, stage):
                verification, health = verify(
                    plan.verify, plan.reports_dir / "rollback-verification", stage=stage
                )
            alerts.observe(health)
            record.rollback = RollbackRun(command, verification)
    finally:
        record.availability = probe.stop()

    record.alerts = alerts.fired
    record.duration_s = time.monotonic() - clock
    record.result, record.reason = _verdict(failure, record.rollback)
    return record


def _verdict(failure: str, rollback: RollbackRun | None) -> tuple[Result, str]:
    if not failure:
        return "deployed", ""
    if rollback is None:
        return "failed", f"{failure}; no --rollback was given"
    if rollback.verified:
        return "rolled_back", failure
    if not rollback.command.ok:
        return "failed", f"{failure}; the rollback command failed ({rollback.command.detail})"
    reason = rollback.verification.reason if rollback.verification else "not verified"
    return "failed", f"{failure}; the rollback failed its verification: {reason}"


def _verifying(plan: DeployPlan, what: str) -> str:
    return (
        f"verifying {what}: health (waiting up to {plan.settings.health_wait:g} s), then "
        f"pytest -m {plan.verify.markexpr!r}"
    )


def _env_vars(env: Environment, phase: str) -> dict[str, str]:
    return {"DEPLOYGATE_ENV": env.name, "DEPLOYGATE_PHASE": phase}
