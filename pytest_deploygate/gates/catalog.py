"""The fixed, documented catalogue of gate metrics: what each name means and how it is pooled."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from pytest_deploygate import markers

#: How many values of one metric recorded by several tests fold into one gate value.
Fold = Literal["max", "min", "sum", "p95"]

#: Suites a test can belong to (its folder under ``suites/`` or its marker).
SUITES = (*markers.SUITES, "unit", "integration")

SEVERITIES = ("critical", "high", "medium", "low", "unknown")


@dataclass(frozen=True)
class Metric:
    """One gate metric: its name, unit and where its value comes from."""

    name: str
    unit: str
    description: str
    #: ``recorded`` metrics come from ``record_metric``; the others are computed by the engine.
    source: Literal[
        "tests",
        "http",
        "endpoints",
        "recorded",
        "coverage",
        "vulnerabilities",
        "baseline",
        "history",
    ]
    #: For recorded metrics: the name suites record (samples) and how the samples fold.
    recorded_as: str = ""
    fold: Fold = "max"


def _recorded(name: str, unit: str, fold: Fold, description: str, recorded_as: str = "") -> Metric:
    return Metric(name, unit, description, "recorded", recorded_as or name, fold)


METRICS: tuple[Metric, ...] = (
    Metric(
        "tests.pass_rate", "%", "passed / (passed + failed) over every test of the run", "tests"
    ),
    Metric("http.p50_ms", "ms", "median latency of the instrumented client's requests", "http"),
    Metric("http.p95_ms", "ms", "95th percentile latency of the instrumented client", "http"),
    Metric("http.p99_ms", "ms", "99th percentile latency of the instrumented client", "http"),
    Metric("http.requests", "count", "requests made through the instrumented client", "http"),
    Metric("http.error_rate", "%", "share of requests answered 5xx or failed in transport", "http"),
    Metric(
        "api.endpoint_coverage",
        "%",
        "share of the platform's API operations the run exercised (seed: API Endpoints 100 %)",
        "endpoints",
    ),
    Metric("coverage.lines", "%", "line coverage over every --coverage-report", "coverage"),
    Metric("coverage.functions", "%", "function coverage (LCOV, coverage.py JSON)", "coverage"),
    Metric("coverage.branches", "%", "branch coverage over every --coverage-report", "coverage"),
    *(
        Metric(
            f"vulnerabilities.{severity}",
            "count",
            f"{severity}-severity findings over every --vuln-report",
            "vulnerabilities",
        )
        for severity in SEVERITIES
    ),
    Metric("vulnerabilities.total", "count", "findings of any severity", "vulnerabilities"),
    _recorded("page.load_ms", "ms", "max", "slowest page load (Navigation Timing loadEventEnd)"),
    _recorded("page.dom_content_loaded_ms", "ms", "max", "slowest DOMContentLoaded"),
    *(
        _recorded(f"accessibility.{impact}", "count", "sum", f"axe violations of {impact} impact")
        for impact in ("critical", "serious", "moderate", "minor")
    ),
    _recorded("load.p50_ms", "ms", "max", "Locust median response time (worst run)"),
    _recorded("load.p95_ms", "ms", "max", "Locust 95th percentile response time (worst run)"),
    _recorded("load.p99_ms", "ms", "max", "Locust 99th percentile response time (worst run)"),
    _recorded("load.avg_ms", "ms", "max", "Locust average response time (worst run)"),
    _recorded("load.error_rate", "%", "max", "Locust failed requests in percent (worst run)"),
    _recorded("load.rps", "req/s", "min", "Locust requests per second (weakest run)"),
    _recorded("load.requests", "count", "sum", "requests made by every Locust run"),
    _recorded("stress.breaking_point_users", "users", "min", "users at which a stress step broke"),
    _recorded("stress.max_ok_users", "users", "min", "most users a stress step held within gates"),
    _recorded(
        "db.query_p95_ms", "ms", "p95", "95th percentile of db.query_ms samples", "db.query_ms"
    ),
    _recorded("db.query_max_ms", "ms", "max", "slowest db.query_ms sample", "db.query_ms"),
    _recorded(
        "health.database_ms", "ms", "max", "database latency the platform's health document reports"
    ),
)

#: A team's own metrics: ``record_metric("custom.<name>", v)``, gated as ``"custom.<name>"``;
#: the gate judges the worst sample (the largest for ``<``/``<=``, the smallest for ``>``/``>=``).
CUSTOM_PREFIX = "custom."
_CUSTOM = re.compile(r"^custom\.[A-Za-z0-9_][A-Za-z0-9_.-]*$")

#: The seed's deployment KPIs, computed from the deployment history (``deploygate history``) and
#: evaluated by ``deploygate gate --history``; a pytest run never measures them, so it skips them.
DEPLOY_METRICS: tuple[Metric, ...] = (
    Metric("deploy.success_rate", "%", "deployments deployed and verified / started", "history"),
    Metric("deploy.rollback_rate", "%", "deployments that needed a rollback / started", "history"),
    Metric("deploy.duration_s", "s", "95th percentile of the deployments' durations", "history"),
    Metric("deploy.uptime_percent", "%", "mean availability probed during deployments", "history"),
    Metric("deploy.alerts", "count", "alert rules fired per deployment (mean)", "history"),
)

#: Metrics a ``regression.<metric>`` gate can compare with a baseline run, and which way is worse.
REGRESSION_PREFIX = "regression."
REGRESSION_DIRECTIONS: Mapping[str, Literal["higher", "lower"]] = {
    **{
        name: "higher"
        for name in (
            "http.p50_ms",
            "http.p95_ms",
            "http.p99_ms",
            "page.load_ms",
            "page.dom_content_loaded_ms",
            "load.p50_ms",
            "load.p95_ms",
            "load.p99_ms",
            "load.avg_ms",
            "db.query_p95_ms",
        )
    },
    "load.rps": "lower",
}

_BY_NAME = {metric.name: metric for metric in (*METRICS, *DEPLOY_METRICS)}
_PASS_RATE = re.compile(r"^tests\.pass_rate\.(\w+)$")


def lookup(name: str) -> Metric | None:
    """The catalogue entry of a metric name, including ``tests.pass_rate.<suite>``."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    base = name.removeprefix(REGRESSION_PREFIX)
    if base != name and base in REGRESSION_DIRECTIONS:
        return Metric(
            name,
            "%",
            f"how much worse {base} is than in the baseline run, beyond noise",
            "baseline",
        )
    if _CUSTOM.match(name):
        return Metric(name, "", "a metric of your own (record_metric)", "recorded", name)
    match = _PASS_RATE.match(name)
    if match and match.group(1) in SUITES:
        suite = match.group(1)
        return Metric(name, "%", f"pass rate of the {suite} suite", "tests")
    return None


def recorded_metrics() -> Iterator[Metric]:
    """Metrics that fold values recorded by tests with ``record_metric``."""
    return (metric for metric in METRICS if metric.source == "recorded")


def recordable_names() -> list[str]:
    """What ``record_metric`` accepts: the names the catalogue's metrics are recorded as."""
    return sorted({metric.recorded_as for metric in recorded_metrics()})


def is_recordable(name: str) -> bool:
    return name in recordable_names() or _CUSTOM.match(name) is not None


def known_names() -> list[str]:
    """Every metric name, with the suite pattern, for error messages and documentation."""
    return [
        *_BY_NAME,
        f"tests.pass_rate.<{'|'.join(SUITES)}>",
        f"regression.<{'|'.join(REGRESSION_DIRECTIONS)}>",
        "custom.<name>",
    ]


def measured_by_history(name: str) -> bool:
    """Whether ``name`` is a deployment KPI (``deploy.*``), which only the history measures."""
    metric = lookup(name)
    return metric is not None and metric.source == "history"
