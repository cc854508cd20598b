"""The seed's deployment KPIs over one environment's deployments in a window.

- ``deploy.success_rate``  deployed and verified / deploys started, in % (seed: > 99)
- ``deploy.rollback_rate`` deploys that ran their rollback / deploys started, in % (seed: < 1)
- ``deploy.duration_s``    95th percentile of the deploys' durations (seed: < 30 min)
- ``deploy.uptime_percent`` mean availability the probe saw during deploys (seed: > 99.5)
- ``deploy.alerts``        mean alert rules fired per deploy (seed: < 5)

A deploy refused before it started (the environment was already unhealthy) is listed and
counted, but changed nothing, so it is in none of the rates.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_deploygate.deploy.record import iso
from pytest_deploygate.gates.aggregate import percentile


@dataclass(frozen=True)
class Deployment:
    """One row of the history."""

    deploy_id: str
    environment: str
    started: float
    duration_s: float
    result: str
    exit_code: int
    refused: bool
    rolled_back: bool
    uptime_percent: float | None
    longest_outage_s: float | None
    alerts: int
    metrics: Mapping[str, Any] | None
    record: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.deploy_id,
            "started": iso(self.started),
            "result": "refused" if self.refused else self.result,
            "exit_code": self.exit_code,
            "duration_s": round(self.duration_s, 3),
            "rolled_back": self.rolled_back,
            "uptime_percent": self.uptime_percent,
            "longest_outage_s": self.longest_outage_s,
            "alerts": self.alerts,
            "reason": self.record.get("reason", ""),
        }


@dataclass(frozen=True)
class Kpis:
    """The seed's deployment KPIs over one environment's deploys in a window."""

    environment: str
    since: float | None
    deployments: int
    refused: int
    deployed: int
    rolled_back: int
    failed: int
    rollbacks: int
    durations: tuple[float, ...]
    uptimes: tuple[float, ...]
    alerts: tuple[int, ...]

    @property
    def started(self) -> int:
        """Deploys whose command ran (refused ones changed nothing)."""
        return self.deployments - self.refused

    def metrics(self) -> dict[str, float]:
        """The ``deploy.*`` gate metrics; a KPI without data is left out (not measured)."""
        values: dict[str, float] = {}
        if self.started:
            values["deploy.success_rate"] = 100.0 * self.deployed / self.started
            values["deploy.rollback_rate"] = 100.0 * self.rollbacks / self.started
            values["deploy.alerts"] = statistics.fmean(self.alerts)
        if self.durations:
            values["deploy.duration_s"] = percentile(self.durations, 95)
        if self.uptimes:
            values["deploy.uptime_percent"] = statistics.fmean(self.uptimes)
        return values

    def as_dict(self) -> dict[str, Any]:
        durations = self.durations
        return {
            "environment": self.environment,
            "since": iso(self.since) if self.since is not None else None,
            "deployments": self.deployments,
            "started": self.started,
            "deployed": self.deployed,
            "rolled_back": self.rolled_back,
            "failed": self.failed,
            "refused": self.refused,
            "rollbacks": self.rollbacks,
            "duration_median_s": round(statistics.median(durations), 3) if durations else None,
            "duration_p95_s": round(percentile(durations, 95), 3) if durations else None,
            "metrics": {name: round(value, 3) for name, value in self.metrics().items()},
        }

    def lines(self) -> list[str]:
        if not self.deployments:
            return [f"no deployments of {self.environment} recorded in this window"]
        facts = self.as_dict()
        metrics = facts["metrics"]
        lines = [
            f"{self.deployments} deployment(s): {self.deployed} deployed, {self.rolled_back} "
            f"rolled back, {self.failed} failed, {self.refused} refused before start",
        ]
        if self.started:
            lines.append(
                f"success rate {metrics['deploy.success_rate']:.1f}%, rollback rate "
                f"{metrics['deploy.rollback_rate']:.1f}%, alerts per deployment "
                f"{metrics['deploy.alerts']:.2f}"
            )
        if self.durations:
            lines.append(
                f"duration median {facts['duration_median_s']:.1f} s, p95 "
                f"{facts['duration_p95_s']:.1f} s"
            )
        if self.uptimes:
            lines.append(
                f"uptime during deployments {metrics['deploy.uptime_percent']:.2f}% (mean)"
            )
        return lines

    @classmethod
    def of(cls, environment: str, since: float | None, rows: Sequence[Deployment]) -> Kpis:
        started = [row for row in rows if not row.refused]
        return cls(
            environment=environment,
            since=since,
            deployments=len(rows),
            refused=len(rows) - len(started),
            deployed=sum(row.result == "deployed" for row in started),
            rolled_back=sum(row.result == "rolled_back" for row in started),
            failed=sum(row.result == "failed" for row in started),
            rollbacks=sum(row.rolled_back for row in started),
            durations=tuple(row.duration_s for row in started),
            uptimes=tuple(
                row.uptime_percent
                for row in started
                if row.uptime_percent is not None and not math.isnan(row.uptime_percent)
            ),
            alerts=tuple(row.alerts for row in started),
        )
