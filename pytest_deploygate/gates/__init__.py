"""Quality gates: the metric catalogue, threshold expressions, xdist-safe pooling, verdicts."""

from __future__ import annotations

from pytest_deploygate.gates.aggregate import MetricPool, percentile
from pytest_deploygate.gates.catalog import METRICS, SUITES, Metric, known_names, lookup
from pytest_deploygate.gates.evaluate import GateResult, evaluate
from pytest_deploygate.gates.expressions import (
    GateConfigError,
    Threshold,
    parse_gate_table,
    parse_threshold,
)

__all__ = [
    "METRICS",
    "SUITES",
    "GateConfigError",
    "GateResult",
    "Metric",
    "MetricPool",
    "Threshold",
    "evaluate",
    "known_names",
    "lookup",
    "parse_gate_table",
    "parse_threshold",
    "percentile",
]
