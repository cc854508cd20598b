"""Pool the metric entries that ride on test reports into one value per gate metric.

Everything here is order-independent: each test report adds its outcome and entries, and values
are computed from the pooled samples at the end, so a run under pytest-xdist (reports arriving
from several workers in any order) yields the same numbers as a run in one process.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_deploygate.gates.catalog import SUITES, recorded_metrics
from pytest_deploygate.gates.endpoints import (
    EndpointCoverage,
    Operation,
    endpoint_coverage,
    operations_from_openapi,
    parse_operation,
)
from pytest_deploygate.gates.expressions import Threshold
from pytest_deploygate.mismatch import is_mismatch
from pytest_deploygate.session.metrics import carried_by

_FAILED, _PASSED, _SKIPPED, _XFAILED = "failed", "passed", "skipped", "xfailed"
# A contract mismatch (the target is not shaped as configured) is neither finding nor pass.
_MISMATCHED = "mismatched"
_RANK = {_FAILED: 3, _MISMATCHED: 2, _SKIPPED: 2, _XFAILED: 2, _PASSED: 1}


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


#: A value's uncertainty interval (low, high); see gates/regression.py.
Band = tuple[float, float]
#: z of the two-sided 95 % interval used for percentile bands.
_Z95 = 1.96


def percentile_band(samples: Sequence[float], percent: float) -> Band:
    """The 95 % confidence interval of the ``percent``-th percentile, from order statistics.

    The normal approximation of the binomial rank interval (Conover): ranks
    n*q -/+ z*sqrt(n*q*(1-q)), widened outwards to whole ranks and clipped to the samples.
    """
    ordered = sorted(samples)
    n = len(ordered)
    if n == 0:
        return (math.nan, math.nan)
    q = percent / 100.0
    spread = _Z95 * math.sqrt(n * q * (1 - q))
    low_rank = max(1, math.floor(n * q - spread))
    high_rank = min(n, math.ceil(n * q + spread))
    return (ordered[low_rank - 1], ordered[high_rank - 1])


def _fold(values: Sequence[float], how: str) -> float:
    if how == "sum":
        return float(sum(values))
    if how == "min":
        return min(values)
    if how == "p95":
        return percentile(values, 95)
    return max(values)


@dataclass
class Tally:
    """Per-test outcomes of one suite (or of the whole run)."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    xfailed: int = 0
    mismatched: int = 0

    @property
    def pass_rate(self) -> float:
        """passed / (passed + failed); skips and expected failures do not count either way."""
        ran = self.passed + self.failed
        return 100.0 * self.passed / ran if ran else float("nan")


@dataclass(frozen=True)
class SuiteState:
    """A suite's tests in one run: ran (passed or failed), skipped, of which refused by the
    safety policy, and deselected by the user's ``-m``/``-k``."""

    ran: int = 0
    skipped: int = 0
    refused: int = 0
    deselected: int = 0

    def kept_from_running(self) -> str:
        """'3 tests refused by policy / 2 deselected', or '' when nothing was kept out."""
        parts = []
        if self.refused:
            parts.append(f"{self.refused} test{'s' if self.refused != 1 else ''} refused by policy")
        if self.deselected:
            noun = "" if self.refused else (" tests" if self.deselected != 1 else " test")
            parts.append(f"{self.deselected}{noun} deselected")
        return " / ".join(parts)


@dataclass
class MetricPool:
    """Every outcome and metric entry the controller saw, keyed so order does not matter."""

    _outcomes: dict[str, str] = field(default_factory=dict)
    _suites: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _recorded: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _http: list[tuple[str, str, int, float]] = field(default_factory=list)
    _operations: set[Operation] = field(default_factory=set)
    _refused: set[str] = field(default_factory=set)  # node ids the safety policy refused
    _deselected: dict[str, int] = field(default_factory=dict)  # suite ("" = all) -> tests
    #: Why the platform's OpenAPI operations were not used (then [platform.endpoints] is).
    operations_unavailable: str = ""
    _mismatches: dict[str, str] = field(default_factory=dict)  # nodeid -> the skip's reason
    _failures: dict[str, str] = field(default_factory=dict)  # nodeid -> the failure's first line

    def add_report(self, report: Any) -> None:
        """Take one ``TestReport`` (local or deserialised from an xdist worker)."""
        if report.when not in ("setup", "call", "teardown") and report.outcome != "failed":
            return  # (a worker crash arrives as a failed report with when="???")
        outcome = _outcome_of(report)
        if outcome == _MISMATCHED:
            self._mismatches[report.nodeid] = _skip_reason(report)
        elif outcome == _FAILED:
            self._failures.setdefault(report.nodeid, _failure_line(report))
        previous = self._outcomes.get(report.nodeid)
        if previous is None or _RANK[outcome] > _RANK[previous]:
            self._outcomes[report.nodeid] = outcome
        carried = carried_by(report)
        self.add_entries(carried.get("metrics", []))
        if "suites" in carried:
            self._suites[report.nodeid] = tuple(carried["suites"])
        if carried.get("policy") == "refused":
            self._refused.add(report.nodeid)

    def add_entries(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Take metric entries; malformed ones are dropped rather than failing the run."""
        for entry in entries:
            try:
                self._add_entry(entry)
            except (KeyError, TypeError, ValueError):
                continue

    def _add_entry(self, entry: Mapping[str, Any]) -> None:
        kind = entry.get("kind")
        if kind == "metric":
            self._recorded[str(entry["name"])].append(float(entry["value"]))
        elif kind == "http":
            status = entry.get("status")
            self._http.append(
                (
                    str(entry["method"]).upper(),
                    str(entry["url_path"]),
                    int(status) if status is not None else 0,
                    float(entry["ms"]),
                )
            )
        elif kind == "operations":
            self._operations.update(parse_operation(text) for text in entry["operations"])
        elif kind == "openapi":
            self._operations.update(operations_from_openapi(entry["document"]))
        elif kind == "deselected":
            # Every xdist worker collects (and deselects) the same tests: the largest count holds.
            for suite, count in dict(entry["counts"]).items():
                self._deselected[str(suite)] = max(int(count), self._deselected.get(str(suite), 0))
        elif kind == "operations_unavailable":
            self.operations_unavailable = str(entry["why"])

    def mismatches(self) -> dict[str, str]:
        """The contract mismatches of the run: test id -> the line naming the key to set."""
        return {n: r for n, r in sorted(self._mismatches.items()) if self._outcomes[n] != _FAILED}

    def findings(self) -> dict[str, list[dict[str, str]]]:
        """The failed tests grouped by suite, security first, each with its one-line summary."""
        grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
        for nodeid, line in sorted(self._failures.items()):
            suites = self._suites.get(nodeid, ())
            suite = "security" if "security" in suites else (suites[0] if suites else "other")
            grouped[suite].append({"test": nodeid, "summary": line})
        order = ("security", *SUITES)
        return dict(
            sorted(grouped.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
        )

    def tallies(self) -> dict[str, Tally]:
        """Outcome counts for the whole run (key ``""``) and for every suite seen."""
        tallies: dict[str, Tally] = defaultdict(Tally)
        for nodeid, outcome in self._outcomes.items():
            for key in ("", *self._suites.get(nodeid, ())):
                tally = tallies[key]
                setattr(tally, outcome, getattr(tally, outcome) + 1)
        return dict(tallies)

    def suite_state(self, suite: str) -> SuiteState:
        """What became of one suite's tests (``""``: every test) in this run."""
        nodeids = [n for n in self._outcomes if not suite or suite in self._suites.get(n, ())]
        tally = self.tallies().get(suite, Tally())
        return SuiteState(
            ran=tally.passed + tally.failed,
            skipped=tally.skipped + tally.xfailed,
            refused=sum(1 for n in nodeids if n in self._refused),
            deselected=self._deselected.get(suite, 0),
        )

    @property
    def openapi_missing(self) -> str:
        """Why [platform.endpoints] stands in for the OpenAPI operations ('' when it does not)."""
        return "" if self._operations else self.operations_unavailable

    def endpoints(self, configured: Iterable[Operation] = ()) -> EndpointCoverage | None:
        """Operation coverage against the OpenAPI operations a test shipped, else ``configured``."""
        operations = self._operations or set(configured)
        if not operations:
            return None
        return endpoint_coverage(operations, ((m, p) for m, p, _, _ in self._http))

    def values(self, configured_operations: Iterable[Operation] = ()) -> dict[str, float]:
        """The value of every metric this run measured (absent = not measured)."""
        values: dict[str, float] = {}
        tallies = self.tallies()
        for suite, tally in tallies.items():
            if tally.passed + tally.failed:
                values["tests.pass_rate" + (f".{suite}" if suite else "")] = tally.pass_rate
        if self._http:
            latencies = [ms for _, _, _, ms in self._http]
            errors = sum(1 for _, _, status, _ in self._http if status >= 500 or status <= 0)
            values["http.requests"] = float(len(self._http))
            values["http.error_rate"] = 100.0 * errors / len(self._http)
            for q in (50, 95, 99):
                values[f"http.p{q}_ms"] = percentile(latencies, q)
        # Covering the API is the api suite's promise: a run without it (`-m security`) leaves
        # the metric unmeasured rather than breached. Requests of every suite count towards it.
        api = tallies.get("api")
        ran_api = api is not None and api.passed + api.failed > 0
        coverage = self.endpoints(configured_operations) if ran_api else None
        if coverage is not None:
            values["api.endpoint_coverage"] = coverage.percent
        for metric in recorded_metrics():
            samples = self._recorded.get(metric.recorded_as)
            if samples:
                values[metric.name] = _fold(samples, metric.fold)
        return values

    def custom_value(self, name: str, threshold: Threshold) -> float | None:
        """A ``custom.*`` metric's value for its gate: the worst recorded sample."""
        samples = self._recorded.get(name)
        if not samples:
            return None
        if threshold.op in ("<", "<="):
            return max(samples)
        if threshold.op in (">", ">="):
            return min(samples)
        failing = [value for value in samples if not threshold.holds(value)]
        return (failing or samples)[0]

    def bands(self) -> dict[str, Band]:
        """Confidence intervals of the percentiles computed from pooled samples."""
        bands: dict[str, Band] = {}
        if self._http:
            latencies = [ms for _, _, _, ms in self._http]
            for q in (50, 95, 99):
                bands[f"http.p{q}_ms"] = percentile_band(latencies, q)
        for metric in recorded_metrics():
            samples = self._recorded.get(metric.recorded_as)
            if samples and metric.fold == "p95":
                bands[metric.name] = percentile_band(samples, 95)
        return bands

    def recorded_names(self) -> list[str]:
        return sorted(self._recorded)


def _outcome_of(report: Any) -> str:
    if report.outcome == "failed":
        return _FAILED
    if report.outcome == "skipped":
        if getattr(report, "wasxfail", None) is not None:
            return _XFAILED
        return _MISMATCHED if is_mismatch(_skip_reason(report)) else _SKIPPED
    return _PASSED


def _failure_line(report: Any) -> str:
    """The assertion's or error's first line (``reprcrash``), else the report's first line."""
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    text = str(getattr(crash, "message", "") or getattr(report, "longreprtext", "") or "failed")
    first = text.strip().splitlines()[0] if text.strip() else "failed"
    prefix = "AssertionError: "
    return (first.removeprefix(prefix) if first.startswith(prefix) else first)[:300]


def _skip_reason(report: Any) -> str:
    longrepr = getattr(report, "longrepr", None)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")
