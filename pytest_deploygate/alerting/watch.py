"""``deploygate watch``: poll an environment's health, evaluate alert rules, repeat a bounded
number of times. Health becomes metrics: ``health.status`` (0 healthy, 1 degraded, 2 unhealthy),
``health.<component>.status`` and ``health.<component>.latency_ms`` for the components of
``deploygate health`` (database, api_endpoints, external_services)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_deploygate.alerting.clock import Clock
from pytest_deploygate.alerting.manager import AlertManager, AlertReport
from pytest_deploygate.config import Environment
from pytest_deploygate.health import check_health

#: health+json (pass/warn/fail) and the seed's words (healthy/degraded/unhealthy) as numbers.
STATUS_LEVELS: dict[str, float] = {
    "pass": 0.0,
    "ok": 0.0,
    "up": 0.0,
    "healthy": 0.0,
    "warn": 1.0,
    "degraded": 1.0,
    "fail": 2.0,
    "down": 2.0,
    "error": 2.0,
    "unhealthy": 2.0,
}
STATUS_NAMES = {0.0: "healthy", 1.0: "degraded", 2.0: "unhealthy"}

MetricsProbe = Callable[[], Mapping[str, float]]
#: The longest single sleep between polls when someone is shown the wait (progress lines).
WAIT_SLICE_S = 1.0


def health_metrics(document: Mapping[str, Any]) -> dict[str, float]:
    """Metrics from an ``application/health+json`` document; unknown statuses count as failing."""
    metrics = {"health.status": _level(document.get("status"))}
    checks = document.get("checks")
    if isinstance(checks, Mapping):
        for key, entries in checks.items():
            component = str(key).split(":", 1)[0]
            entries = entries if isinstance(entries, list) else [entries]
            for entry in entries:
                if not isinstance(entry, Mapping):
                    continue
                name = f"health.{component}.status"
                metrics[name] = max(metrics.get(name, 0.0), _level(entry.get("status")))
                observed = entry.get("observedValue")
                if entry.get("observedUnit") == "ms" and isinstance(observed, int | float):
                    latency = f"health.{component}.latency_ms"
                    metrics[latency] = max(metrics.get(latency, 0.0), float(observed))
    return metrics


def _level(status: object) -> float:
    return STATUS_LEVELS.get(str(status).lower(), 2.0)


def health_probe(env: Environment, timeout: float = 5.0) -> MetricsProbe:
    """The deploygate health checks of ``env`` (which must have a base_url), as metrics."""

    def probe() -> dict[str, float]:
        return health_metrics(check_health(env, timeout=timeout).health_json())

    return probe


@dataclass(frozen=True)
class WatchResult:
    """Every evaluation of a watch, in order."""

    reports: tuple[AlertReport, ...]

    @property
    def firing(self) -> bool:
        """Whether any rule was still firing at the last evaluation."""
        return bool(self.reports and self.reports[-1].firing)


def watch(
    manager: AlertManager,
    probe: MetricsProbe,
    environment: str,
    *,
    interval: float,
    count: int | None = None,
    duration: float | None = None,
    clock: Clock | None = None,
    on_report: Callable[[Mapping[str, float], AlertReport], None] | None = None,
    waiting: Callable[[int, float], None] | None = None,
) -> WatchResult:
    """Probe, evaluate, wait ``interval``; stop after ``count`` rounds or ``duration`` seconds.
    ``waiting(polls_done, seconds_to_next)`` is called at least every second of a wait."""
    if count is None and duration is None:
        raise ValueError("watch needs a count or a duration, so that it ends")
    clock = clock or manager.clock
    start = clock.now()
    reports: list[AlertReport] = []
    while True:
        metrics = probe()
        report = manager.evaluate(metrics, environment)
        reports.append(report)
        if on_report is not None:
            on_report(metrics, report)
        if count is not None and len(reports) >= count:
            break
        if duration is not None and clock.now() + interval - start > duration:
            break
        if waiting is None:
            clock.sleep(interval)
            continue
        deadline = clock.now() + interval
        while (remaining := deadline - clock.now()) > 0:
            waiting(len(reports), remaining)
            clock.sleep(min(remaining, WAIT_SLICE_S))
    return WatchResult(tuple(reports))
