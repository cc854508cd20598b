"""The deploy record: what ran, what the probe saw, how verification and rollback went.

One record per ``deploygate deploy``: written with ``--json PATH``, appended to the history,
sent with rollback notices, and printed as a one-screen summary. Every string in it is masked.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pytest_deploygate.deploy.probe import Availability
from pytest_deploygate.masking import Masker

FORMAT = "deploygate-deploy/1"
Result = Literal["deployed", "rolled_back", "failed"]
#: Exit statuses of ``deploygate deploy``.
DEPLOYED, ROLLED_BACK, NOT_RESTORED, USAGE_ERROR = 0, 3, 5, 4
EXIT_CODES: Mapping[Result, int] = {
    "deployed": DEPLOYED,
    "rolled_back": ROLLED_BACK,
    "failed": NOT_RESTORED,
}


@dataclass(frozen=True)
class CommandRun:
    """The team's deploy or rollback command, as it ran."""

    argv: tuple[str, ...]
    #: None when it could not start or was stopped at its time limit.
    exit_code: int | None
    duration_s: float
    detail: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "duration_s": round(self.duration_s, 3),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Verification:
    """Health until healthy, then the verification test run, after a deploy or a rollback."""

    health: str
    health_detail: str
    health_s: float
    markexpr: str
    passed: bool
    reason: str
    #: The pytest run: None when health never got there.
    exit_code: int | None = None
    argv: tuple[str, ...] = ()
    duration_s: float = 0.0
    tests: Mapping[str, int] = field(default_factory=dict)
    gates_verdict: str | None = None
    breached: tuple[str, ...] = ()
    regressions: tuple[Mapping[str, Any], ...] = ()
    reports_dir: str = ""
    #: The run's gate metrics and bands (kept in the history as a later baseline).
    metrics: Mapping[str, float] = field(default_factory=dict)
    bands: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ran(self) -> bool:
        return self.exit_code is not None or bool(self.argv)

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "reason": self.reason,
            "health": self.health,
            "health_detail": self.health_detail,
            "health_s": round(self.health_s, 3),
            "markexpr": self.markexpr,
            "exit_code": self.exit_code,
            "argv": list(self.argv),
            "duration_s": round(self.duration_s, 3),
            "tests": dict(self.tests),
            "gates": {"verdict": self.gates_verdict, "breached": list(self.breached)},
            "regressions": [dict(r) for r in self.regressions],
            "reports_dir": self.reports_dir,
        }

    def line(self) -> str:
        if not self.ran:
            return f"not run: {self.reason}"
        tests = ", ".join(f"{n} {k}" for k, n in self.tests.items() if n) or "no tests"
        text = f"-m {self.markexpr!r}: {tests}; gates {self.gates_verdict or 'not evaluated'}"
        return text if self.passed else f"{text}; FAILED: {self.reason}"


@dataclass(frozen=True)
class RollbackRun:
    command: CommandRun
    verification: Verification | None

    @property
    def verified(self) -> bool:
        return self.command.ok and self.verification is not None and self.verification.passed

    def as_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "command": list(self.command.argv),
            **self.command.as_dict(),
            "verification": self.verification.as_dict() if self.verification else None,
        }


@dataclass
class DeployRecord:
    """One deployment of one environment, from the health check before to the last verdict."""

    id: str
    environment: str
    started: float
    result: Result
    reason: str
    duration_s: float = 0.0
    before: str = ""
    before_detail: str = ""
    refused: bool = False
    command: CommandRun | None = None
    availability: Availability | None = None
    verification: Verification | None = None
    rollback: RollbackRun | None = None
    baseline: str | None = None
    #: Alert rules that fired on the environment's health while the deploy ran.
    alerts: int = 0
    notices: list[dict[str, Any]] = field(default_factory=list)
    reports_dir: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.result]

    def as_dict(self, masker: Masker) -> dict[str, Any]:
        """The record as ``--json`` writes it, every string masked."""
        availability = self.availability.as_dict() if self.availability else None
        document = {
            "format": FORMAT,
            "id": self.id,
            "result": self.result,
            "exit_code": self.exit_code,
            "reason": self.reason,
            "environment": self.environment,
            "started": iso(self.started),
            "duration_s": round(self.duration_s, 3),
            "command": list(self.command.argv) if self.command else [],
            "command_run": self.command.as_dict() if self.command else None,
            "before": {"health": self.before, "detail": self.before_detail},
            "refused": self.refused,
            "availability": availability,
            "verification": self.verification.as_dict() if self.verification else None,
            "rollback": self.rollback.as_dict() if self.rollback else None,
            "baseline": self.baseline,
            "alerts": self.alerts,
            "notices": list(self.notices),
            "reports_dir": self.reports_dir,
        }
        masked: dict[str, Any] = masker.mask_all(document)
        return masked

    def headline(self) -> str:
        words = {
            "deployed": "DEPLOYED and verified",
            "rolled_back": "ROLLED BACK; the rollback is verified",
            "failed": "REFUSED before start" if self.refused else "FAILED and NOT RESTORED",
        }[self.result]
        return f"{self.environment}: {words} (exit {self.exit_code}) in {self.duration_s:.1f} s" + (
            "" if self.result == "deployed" else f": {self.reason}"
        )

    def summary_lines(self) -> list[str]:
        """The one-screen summary (unmasked: mask before printing or sending)."""
        lines = [f"deploygate deploy: {self.headline()}"]

        def row(label: str, text: str) -> None:
            lines.append(f"  {label:<13}{text}")

        row("before", self.before + (f" ({self.before_detail})" if self.before_detail else ""))
        if self.command is not None:
            row("command", f"{_argv(self.command.argv)}: {self.command.detail}, "
                f"{self.command.duration_s:.1f} s")  # fmt: skip
        if self.verification is not None:
            _verification_rows(self.verification, row)
        if self.rollback is not None:
            command = self.rollback.command
            row("rollback", f"{_argv(command.argv)}: {command.detail}, {command.duration_s:.1f} s")
            if self.rollback.verification is not None:
                _verification_rows(self.rollback.verification, row, "  ")
        if self.availability is not None:
            row("availability", self.availability.summary())
        if self.baseline:
            row("baseline", self.baseline)
        if self.alerts or self.notices:
            sent = "; ".join(
                f"{n['type']} {n['channel']!r} {'delivered' if n['ok'] else 'FAILED'}"
                for n in self.notices
            )
            row("alerts", f"{self.alerts} rule(s) fired" + (f"; notice: {sent}" if sent else ""))
        if self.reports_dir:
            row("reports", self.reports_dir)
        return lines


def _verification_rows(verification: Verification, row: Any, indent: str = "") -> None:
    health = f"{verification.health} after {verification.health_s:.1f} s"
    if verification.health_detail:
        health += f" ({verification.health_detail})"
    row(f"{indent}health", health)
    row(f"{indent}verify", verification.line())
    for comparison in verification.regressions[:3]:
        row(
            f"{indent}regression",
            f"{comparison['metric']} {comparison['current']:g} vs baseline "
            f"{comparison['baseline']:g}: {comparison['change_percent']:+.1f} %, "
            f"{comparison['regression_percent']:.1f} % beyond noise",
        )


def _argv(argv: Sequence[str]) -> str:
    text = shlex.join(argv)
    return text if len(text) <= 60 else text[:57] + "..."


def iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds")


def write_record(path: Path, document: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
