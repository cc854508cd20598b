"""Why a gate was not measured, in words a reader can act on (DESIGN §8): the suite that measures
it was not selected or was deselected, its tests were refused by the policy or skipped, no test
carries the marker, the input file was not given. A silent "not measured" reads as a pass."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pytest_deploygate import markers
from pytest_deploygate.gates.aggregate import MetricPool
from pytest_deploygate.gates.catalog import CUSTOM_PREFIX, lookup
from pytest_deploygate.gates.coverage_reports import CoverageSummary

#: The suites whose tests record each family of metrics (with ``record_metric``).
_RECORDED_BY: dict[str, tuple[str, ...]] = {
    "page.": ("e2e", "performance", "features"),
    "accessibility.": ("accessibility",),
    "load.": ("load",),
    "stress.": ("stress",),
    "db.": ("database",),
    "health.": ("health",),
}


def suite_reason(pool: MetricPool, suite: str) -> str:
    """Why no test of ``suite`` counted: what became of its tests, or why there were none."""
    state = pool.suite_state(suite)
    kept = state.kept_from_running()
    if state.ran:
        return f"the {suite} suite ran" + (f" ({kept})" if kept else "")
    if state.skipped:
        return f"all {state.skipped} tests of the {suite} suite were skipped" + (
            f" ({kept})" if kept else ""
        )
    if state.deselected:
        return f"the {suite} suite was deselected ({kept})"
    if suite in markers.SUITES:
        return f"the {suite} suite was not selected"
    return f"no test carries the {suite} marker"


def reasons(
    metrics: Iterable[str],
    values: Mapping[str, float],
    pool: MetricPool,
    *,
    coverage: CoverageSummary | None,
    vuln_report_given: bool,
) -> dict[str, str]:
    """A note for every metric in ``metrics`` that has no value."""
    found = {}
    for metric in metrics:
        if metric in values:
            continue
        why = _reason(metric, pool, coverage, vuln_report_given)
        if why:
            found[metric] = "not measured: " + why
    return found


def _reason(
    metric: str, pool: MetricPool, coverage: CoverageSummary | None, vuln_report_given: bool
) -> str:
    entry = lookup(metric)
    source = entry.source if entry is not None else ""
    if source == "tests":
        suite = metric.removeprefix("tests.pass_rate").removeprefix(".")
        return suite_reason(pool, suite) if suite else "no test ran"
    if source == "coverage":
        if coverage is None:
            return "input file not given (--coverage-report PATH)"
        kind = metric.removeprefix("coverage.")
        return f"the {coverage.format} report carries no {kind} counts"
    if source == "vulnerabilities":
        return "" if vuln_report_given else "input file not given (--vuln-report PATH)"
    if source == "endpoints":
        if pool.suite_state("api").ran:
            return "no API operations known (no OpenAPI document, no /api [platform.endpoints])"
        return suite_reason(pool, "api")
    if source == "http":
        return "no request went through the instrumented client (api fixtures, record_http)"
    if metric.startswith(CUSTOM_PREFIX):
        return f"no test recorded {metric}"
    for prefix, suites in _RECORDED_BY.items():
        if metric.startswith(prefix):
            recorded_as = entry.recorded_as if entry is not None else metric
            said = "; ".join(suite_reason(pool, suite) for suite in suites)
            return f"{said} (no test recorded {recorded_as})"
    return ""
