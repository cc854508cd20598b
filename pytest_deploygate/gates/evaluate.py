"""Verdicts: each configured gate's threshold against the value the run measured."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from pytest_deploygate.gates.catalog import lookup
from pytest_deploygate.gates.expressions import Threshold

Verdict = Literal["pass", "fail", "not measured"]


@dataclass(frozen=True)
class GateResult:
    """One gate: metric, threshold, measured value (``None`` = not measured) and verdict."""

    metric: str
    threshold: Threshold
    value: float | None
    verdict: Verdict
    unit: str = ""
    note: str = ""

    @property
    def breached(self) -> bool:
        return self.verdict == "fail"

    def value_text(self) -> str:
        if self.value is None:
            return "not measured"
        return format_value(self.value, self.unit)


def format_value(value: float, unit: str) -> str:
    """``12.3 ms``, ``97.5%``, ``3``: two decimals at most, the unit when it helps."""
    number = f"{value:.2f}".rstrip("0").rstrip(".")
    if unit == "%":
        return f"{number}%"
    return number if unit in ("", "count") else f"{number} {unit}"


def evaluate(
    thresholds: Mapping[str, Threshold],
    values: Mapping[str, float],
    *,
    strict: bool = False,
    notes: Mapping[str, str] | None = None,
    lenient: Collection[str] = (),
) -> list[GateResult]:
    """One result per gate, in metric-name order; unmeasured gates fail only when ``strict``
    (and never those in ``lenient``: gates that had nothing to be measured against)."""
    results = []
    for metric in sorted(thresholds):
        threshold = thresholds[metric]
        raw = values.get(metric)
        value = None if raw is None or math.isnan(raw) else float(raw)
        verdict: Verdict
        if value is None:
            verdict = "fail" if strict and metric not in lenient else "not measured"
        else:
            verdict = "pass" if threshold.holds(value) else "fail"
        entry = lookup(metric)
        results.append(
            GateResult(
                metric,
                threshold,
                value,
                verdict,
                unit=entry.unit if entry else "",
                note=(notes or {}).get(metric, ""),
            )
        )
    return results


def breached(results: list[GateResult]) -> list[GateResult]:
    return [result for result in results if result.breached]
