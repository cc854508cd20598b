"""Gate, load and health results as Prometheus samples, rendered in the text exposition format.

Metric names are ``deploygate_`` plus the gate metric with every other character than
``[a-zA-Z0-9_]`` turned into ``_`` (``http.p95_ms`` → ``deploygate_http_p95_ms``); every sample
carries the ``environment`` and ``run_id`` labels, so one Pushgateway group or textfile holds
one environment's latest run.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PREFIX = "deploygate_"
_INVALID = re.compile(r"[^a-zA-Z0-9_]")
_HELP: dict[str, str] = {
    "run_passed": "1 when the run passed: every test and every gate",
    "gates_passed": "1 when every measured gate passed",
    "gate_breached": "1 when the gate breached, 0 when it passed (absent: not measured)",
    "gate_threshold": "the threshold's limit, with its operator as a label",
    "tests": "tests of the run by outcome",
    "run_duration_seconds": "wall time of the run",
    "run_timestamp_seconds": "when the run finished (Unix time)",
    "deploy_last_success": "1 when the last deploy was deployed and verified",
    "deploy_last_rolled_back": "1 when the last deploy was rolled back (and the rollback verified)",
    "deploy_last_duration_seconds": "wall time of the last deploy",
    "deploy_last_uptime_percent": "availability probed during the last deploy",
    "deploy_last_longest_outage_seconds": "longest outage probed during the last deploy",
    "health_overall": "0 healthy, 1 degraded, 2 unhealthy",
    "health_status": "per component: 0 healthy, 1 degraded, 2 unhealthy",
    "health_latency_ms": "per component: the slowest probe of the last health check",
}


#: The names of the samples that are not gate metrics (without the prefix).
FIXED_NAMES = tuple(_HELP)


@dataclass(frozen=True)
class Sample:
    """One line of the exposition: a metric name, labels and a value."""

    name: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)
    help: str = ""


def metric_name(name: str) -> str:
    """``deploygate_`` plus the name with anything Prometheus does not allow replaced by ``_``."""
    return PREFIX + _INVALID.sub("_", name)


def samples_from_gates(document: Mapping[str, Any], finished: float) -> list[Sample]:
    """The samples of one gates.json document (run verdict, tests, metric values, gates)."""
    samples: list[Sample] = []
    run = document.get("run", {})
    verdict = document.get("verdict")
    gates_verdict = document.get("gates_verdict", verdict)
    samples.append(Sample(metric_name("run_passed"), float(verdict == "pass")))
    samples.append(Sample(metric_name("gates_passed"), float(gates_verdict == "pass")))
    if isinstance(run.get("duration_s"), int | float):
        samples.append(Sample(metric_name("run_duration_seconds"), float(run["duration_s"])))
    samples.append(Sample(metric_name("run_timestamp_seconds"), round(finished, 3)))
    totals = document.get("tests", {}).get("all", {})
    for outcome in ("passed", "failed", "skipped", "xfailed", "mismatched"):
        if isinstance(totals.get(outcome), int):
            samples.append(
                Sample(metric_name("tests"), float(totals[outcome]), {"outcome": outcome})
            )
    for name, value in sorted(document.get("metrics", {}).items()):
        if isinstance(value, int | float) and not math.isnan(value):
            samples.append(Sample(metric_name(name), float(value), help=f"gate metric {name}"))
    for gate in document.get("gates", []):
        labels = {"metric": str(gate.get("metric", ""))}
        threshold = str(gate.get("threshold", ""))
        operator, _, limit = threshold.partition(" ")
        with contextlib.suppress(ValueError):  # a threshold that is not "<op> <number>"
            samples.append(
                Sample(metric_name("gate_threshold"), float(limit), {**labels, "op": operator})
            )
        if gate.get("verdict") in ("pass", "fail"):
            breached = float(gate["verdict"] == "fail")
            samples.append(Sample(metric_name("gate_breached"), breached, labels))
    return samples


def samples_from_deploy(
    result: str,
    duration_s: float,
    uptime_percent: float | None,
    longest_outage_s: float | None,
    kpis: Mapping[str, float],
) -> list[Sample]:
    """The last deploy (its result, duration, availability) and the history's KPIs."""
    samples = [
        Sample(metric_name("deploy_last_success"), float(result == "deployed")),
        Sample(metric_name("deploy_last_rolled_back"), float(result == "rolled_back")),
        Sample(metric_name("deploy_last_duration_seconds"), duration_s),
    ]
    if uptime_percent is not None:
        samples.append(Sample(metric_name("deploy_last_uptime_percent"), uptime_percent))
    if longest_outage_s is not None:
        samples.append(Sample(metric_name("deploy_last_longest_outage_seconds"), longest_outage_s))
    for name, value in sorted(kpis.items()):
        samples.append(Sample(metric_name(name), value, help=f"deployment KPI {name}"))
    return samples


def samples_from_health(metrics: Mapping[str, float]) -> list[Sample]:
    """A health check, as ``alerting.watch.health_metrics`` reads it (``health.status``,
    ``health.<component>.status``, ``health.<component>.latency_ms``): 0 healthy, 1 degraded,
    2 unhealthy, overall and per component, and each component's slowest probe."""
    samples = [Sample(metric_name("health_overall"), float(metrics.get("health.status", 2.0)))]
    for name, value in sorted(metrics.items()):
        parts = name.split(".")
        if len(parts) != 3 or parts[0] != "health":
            continue
        if parts[2] == "status":
            samples.append(Sample(metric_name("health_status"), value, {"component": parts[1]}))
        elif parts[2] == "latency_ms":
            samples.append(Sample(metric_name("health_latency_ms"), value, {"component": parts[1]}))
    return samples


def render(samples: Iterable[Sample], labels: Mapping[str, str]) -> str:
    """The text exposition format (version 0.0.4), ``labels`` added to every sample."""
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        by_name.setdefault(sample.name, []).append(sample)
    lines: list[str] = []
    for name, group in by_name.items():
        helps = [s.help for s in group if s.help] or [_HELP.get(name.removeprefix(PREFIX), "")]
        if helps[0]:
            lines.append(f"# HELP {name} {_escape_help(helps[0])}")
        lines.append(f"# TYPE {name} gauge")
        for sample in group:
            merged = {**labels, **sample.labels}
            body = ",".join(f'{key}="{_escape_label(value)}"' for key, value in merged.items())
            lines.append(f"{name}{{{body}}} {_number(sample.value)}")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")
