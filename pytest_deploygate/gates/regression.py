"""Regression gates: this run's metrics against a baseline run's, noise-aware.

``regression.<metric>`` is how much worse ``<metric>`` got than in the baseline run, in percent
of the baseline value (the seed: "performance impact < 5 % degradation" is
``"regression.http.p95_ms" = "< 5"``). Worse is higher for times, lower for ``load.rps``.

The noise rule. Every value is compared as an interval, and only the part of a change that lies
beyond both intervals counts as a regression:

- Locust's times (``load.*_ms``) are read from a histogram that rounds to about two significant
  digits (``load.results.resolution_ms``): a p95 of "200 ms" is somewhere in 195-205 ms. Its
  interval is the value plus and minus that rounding, so 200 ms -> 210 ms is no regression
  (205 and 205 touch), while 200 -> 230 ms counts 225 - 205 = 20 ms = 10 %.
- Percentiles the gate engine computes from pooled samples (``http.p50/p95/p99_ms``,
  ``db.query_p95_ms``) carry the distribution-free 95 % confidence interval of that percentile
  (order statistics of the run's own samples), so a p95 from ten requests, which is nearly the
  maximum, is compared with the width it really has.
- Every time is at least +/- 0.5 ms wide (the timer and Locust's exact-millisecond buckets).

The regression value is ``max(0, current_low - baseline_high) / baseline * 100`` (mirrored for
lower-is-worse metrics); the report shows both values, the plain change and the part beyond
noise. Intervals are written into gates.json (``bands``), so a run used as a later baseline
brings its own. Without a baseline a regression gate is "not measured" and, having nothing to
compare, is not failed by ``--gate-strict`` either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_deploygate.gates.aggregate import Band
from pytest_deploygate.gates.catalog import REGRESSION_DIRECTIONS, REGRESSION_PREFIX
from pytest_deploygate.gates.report import load_document
from pytest_deploygate.load.results import resolution_ms

#: The least uncertainty of any time: the timer, and Locust's 1 ms buckets below 100 ms.
TIMER_RESOLUTION_MS = 0.5


def band_of(metric: str, value: float, measured: Band | None = None) -> Band:
    """The interval a value of ``metric`` stands for (see the module's noise rule)."""
    low, high = measured if measured is not None else (value, value)
    if metric.endswith("_ms"):
        rounding = TIMER_RESOLUTION_MS
        if metric.startswith("load."):
            rounding = max(rounding, resolution_ms(value))
        low, high = min(low, value - rounding), max(high, value + rounding)
    return (low, high)


@dataclass(frozen=True)
class Baseline:
    """The run compared against: its metric values and bands, and where it came from."""

    source: str
    metrics: Mapping[str, float]
    bands: Mapping[str, Band] = field(default_factory=dict)

    @classmethod
    def from_document(cls, document: Mapping[str, Any], source: str) -> Baseline:
        metrics = {
            str(name): float(value)
            for name, value in document.get("metrics", {}).items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }
        bands = {
            str(name): (float(pair[0]), float(pair[1]))
            for name, pair in document.get("bands", {}).items()
            if isinstance(pair, list | tuple) and len(pair) == 2
        }
        return cls(source, metrics, bands)


def load_baseline(path: Path) -> Baseline:
    """A stored gates.json as a baseline; ValueError with one line when it cannot be one."""
    return Baseline.from_document(load_document(path), str(path))


@dataclass(frozen=True)
class Comparison:
    """One metric in both runs."""

    metric: str
    baseline: float
    current: float
    baseline_band: Band
    current_band: Band
    #: Plain change, positive = worse, in percent of the baseline.
    change_percent: float
    #: The part of the change beyond both bands (0 when they overlap): the gate's value.
    regression_percent: float

    def note(self, unit: str) -> str:
        direction = "worse" if self.change_percent > 0 else "better"
        text = (
            f"{_fmt(self.current)}{unit} vs baseline {_fmt(self.baseline)}{unit}: "
            f"{abs(self.change_percent):.1f} % {direction}"
        )
        if self.change_percent > 0:
            text += (
                f", {self.regression_percent:.1f} % beyond noise (bands "
                f"{_fmt(self.current_band[0])}-{_fmt(self.current_band[1])} and "
                f"{_fmt(self.baseline_band[0])}-{_fmt(self.baseline_band[1])})"
            )
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "baseline": self.baseline,
            "current": self.current,
            "baseline_band": list(self.baseline_band),
            "current_band": list(self.current_band),
            "change_percent": round(self.change_percent, 3),
            "regression_percent": round(self.regression_percent, 3),
        }


def compare(
    metric: str, baseline: float, current: float, baseline_band: Band, current_band: Band
) -> Comparison | None:
    """The comparison of one metric (None when the baseline value makes a ratio meaningless)."""
    if baseline <= 0:
        return None
    if REGRESSION_DIRECTIONS[metric] == "higher":
        change = current - baseline
        beyond = current_band[0] - baseline_band[1]
    else:
        change = baseline - current
        beyond = baseline_band[0] - current_band[1]
    return Comparison(
        metric,
        baseline,
        current,
        baseline_band,
        current_band,
        100.0 * change / baseline,
        100.0 * max(0.0, beyond) / baseline,
    )


@dataclass
class RegressionOutcome:
    """What the gate engine merges into a run: values, notes, gates.json details."""

    values: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    #: Intervals of this run's comparable metrics (gates.json ``bands``).
    bands: dict[str, list[float]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    #: Regression gates that cannot be measured for want of a baseline: never strict failures.
    lenient: set[str] = field(default_factory=set)


def evaluate_regressions(
    gates: Iterable[str],
    values: Mapping[str, float],
    measured_bands: Mapping[str, Band],
    baseline: Baseline | None,
) -> RegressionOutcome:
    """Values and notes of the ``regression.*`` gates among ``gates``, against ``baseline``."""
    outcome = RegressionOutcome()
    for metric in REGRESSION_DIRECTIONS:
        value = values.get(metric)
        if value is not None and not math.isnan(value):
            low, high = band_of(metric, value, measured_bands.get(metric))
            outcome.bands[metric] = [round(low, 3), round(high, 3)]
    wanted = sorted(g for g in gates if g.startswith(REGRESSION_PREFIX))
    if baseline is not None:
        outcome.details = {"source": baseline.source, "comparisons": []}
    for gate in wanted:
        metric = gate.removeprefix(REGRESSION_PREFIX)
        unit = " ms" if metric.endswith("_ms") else ""
        if baseline is None:
            outcome.notes[gate] = "no baseline to compare with (--baseline PATH)"
            outcome.lenient.add(gate)
            continue
        current, before = values.get(metric), baseline.metrics.get(metric)
        if current is None or math.isnan(current):
            outcome.notes[gate] = f"{metric} was not measured in this run"
            continue
        if before is None:
            outcome.notes[gate] = f"the baseline ({baseline.source}) has no {metric}"
            continue
        comparison = compare(
            metric,
            before,
            current,
            band_of(metric, before, baseline.bands.get(metric)),
            band_of(metric, current, measured_bands.get(metric)),
        )
        if comparison is None:
            outcome.notes[gate] = f"the baseline's {metric} is {before:g}: no relative change"
            continue
        outcome.values[gate] = comparison.regression_percent
        outcome.notes[gate] = comparison.note(unit)
        outcome.details["comparisons"].append(comparison.as_dict())
    return outcome


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")
