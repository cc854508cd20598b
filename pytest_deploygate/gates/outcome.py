"""A run's gate outcome: every source of metric values put together, evaluated, documented."""

from __future__ import annotations

import platform as python_platform
import time
from collections.abc import Mapping
from typing import Any

import pytest

from pytest_deploygate.config import Environment
from pytest_deploygate.gates import coverage_reports, report, unmeasured, vuln_reports
from pytest_deploygate.gates.aggregate import MetricPool
from pytest_deploygate.gates.catalog import CUSTOM_PREFIX
from pytest_deploygate.gates.endpoints import ANY, Operation
from pytest_deploygate.gates.evaluate import GateResult, evaluate
from pytest_deploygate.gates.expressions import Threshold, parse_gate_table
from pytest_deploygate.gates.regression import Baseline, evaluate_regressions
from pytest_deploygate.masking import Masker
from pytest_deploygate.mismatch import PREFIX as MISMATCH_PREFIX
from pytest_deploygate.session.state import ENVIRONMENT_KEY, MASKER_KEY, SESSION_KEY

_MISSED_SHOWN = 15


def thresholds_of(env: Environment | None) -> dict[str, Threshold]:
    """The environment's gates ([gates] under [environments.X.gates]), checked at load time."""
    if env is None:
        return {}
    return parse_gate_table(env.gates, f"{env.source.name}: gates of {env.name}")


def platform_operations(env: Environment | None) -> list[Operation]:
    """``[platform.endpoints]`` paths under ``/api`` (any method): the fallback operation list."""
    if env is None:
        return []
    # Endpoints of features the platform declares absent are not operations it lacks tests for.
    absent = env.platform.features.absent_paths(env.platform.endpoints)
    return [
        Operation(ANY, path)
        for path in sorted(set(env.platform.endpoints.values()) - absent)
        if path.startswith("/api")
    ]


def evaluate_run(
    config: pytest.Config,
    pool: MetricPool,
    thresholds: Mapping[str, Threshold],
    *,
    coverage: coverage_reports.CoverageSummary | None,
    vulns: vuln_reports.VulnSummary | None,
    strict: bool,
    started: float,
    exitstatus: int,
    baseline: Baseline | None = None,
) -> tuple[list[GateResult], dict[str, Any]]:
    """The verdict of every gate and the (masked) gates.json document."""
    env = config.stash.get(ENVIRONMENT_KEY, None)
    operations = platform_operations(env)
    values = pool.values(operations)
    for metric, threshold in thresholds.items():
        custom = pool.custom_value(metric, threshold) if metric.startswith(CUSTOM_PREFIX) else None
        if custom is not None:
            values[metric] = custom
    notes: dict[str, str] = {}
    details: dict[str, Any] = {"tests": _tests(pool)}
    if pool.findings():
        details["findings"] = pool.findings()
    if pool.mismatches():
        details["contract_mismatches"] = pool.mismatches()

    endpoints = pool.endpoints(operations)
    if endpoints is not None:
        details["endpoints"] = {
            "covered": list(endpoints.covered),
            "missed": list(endpoints.missed),
            **({"openapi": pool.openapi_missing} if pool.openapi_missing else {}),
        }
        said = []
        if pool.openapi_missing:
            said.append(f"operations from [platform.endpoints]: {pool.openapi_missing}")
        if endpoints.missed:
            shown = ", ".join(endpoints.missed[:_MISSED_SHOWN])
            more = len(endpoints.missed) - _MISSED_SHOWN
            said.append("missed " + shown + (f" and {more} more" if more > 0 else ""))
        if said and "api.endpoint_coverage" in values:  # unmeasured: unmeasured.py says why
            notes["api.endpoint_coverage"] = "; ".join(said)
    _kept_from_running(pool, values, notes, strict)
    if coverage is not None:
        for kind in coverage_reports.KINDS:
            percent = coverage.percent(kind)
            if percent is not None:
                values[f"coverage.{kind}"] = percent
        details["coverage"] = {
            "format": coverage.format,
            "reports": list(config.option.deploygate_coverage_reports),
            **{kind: {"hit": c.hit, "found": c.found} for kind, c in coverage.counts.items()},
        }
    if vulns is not None:
        counts = vulns.counts()
        values.update({f"vulnerabilities.{severity}": float(n) for severity, n in counts.items()})
        values["vulnerabilities.total"] = float(sum(counts.values()))
        details["vulnerabilities"] = {
            "formats": list(vulns.formats),
            "reports": list(config.option.deploygate_vuln_reports),
            "counts": counts,
        }
        if counts["unknown"]:
            unknown = (
                f"{counts['unknown']} finding(s) carry no severity ({', '.join(vulns.formats)}) "
                "and are counted as unknown"
            )
            for metric in ("vulnerabilities.unknown", "vulnerabilities.total"):
                notes[metric] = unknown

    regressions = evaluate_regressions(thresholds, values, pool.bands(), baseline)
    values.update(regressions.values)
    notes.update(regressions.notes)
    details["bands"] = regressions.bands  # so that this run can be a later run's baseline
    if regressions.details:
        details["baseline"] = regressions.details

    for metric, why in unmeasured.reasons(
        thresholds,
        values,
        pool,
        coverage=coverage,
        vuln_report_given=vulns is not None,
    ).items():
        notes.setdefault(metric, why)
    results = evaluate(thresholds, values, strict=strict, notes=notes, lenient=regressions.lenient)
    masker = config.stash.get(MASKER_KEY, Masker())
    document = report.build_document(
        results=results,
        metrics=values,
        environment=env.summary() if env is not None else {},
        run=_run_facts(config, started, exitstatus, strict),
        details=details,
        mask=masker,
    )
    return results, document


def _kept_from_running(
    pool: MetricPool, values: dict[str, float], notes: dict[str, str], strict: bool
) -> None:
    """Work the safety policy or the user's -m/-k kept from running never breaches a gate: an
    API coverage missing those tests is not measured (``--gate-strict`` keeps the value), and
    pass rates say what they leave out."""
    api = pool.suite_state("api")
    kept = api.kept_from_running()
    if kept and "api.endpoint_coverage" in values:
        if strict:
            said = [f"{kept} (counted: --gate-strict)", notes.get("api.endpoint_coverage", "")]
            notes["api.endpoint_coverage"] = "; ".join(part for part in said if part)
        else:
            del values["api.endpoint_coverage"]
            notes["api.endpoint_coverage"] = f"not measured ({kept})"
    for metric in [m for m in values if m.startswith("tests.pass_rate.")]:
        state = pool.suite_state(metric.removeprefix("tests.pass_rate."))
        if state.refused:
            notes.setdefault(metric, f"{state.kept_from_running()}: not counted")


def _tests(pool: MetricPool) -> dict[str, Any]:
    tallies = pool.tallies()
    return {
        (suite or "all"): {
            "passed": t.passed,
            "failed": t.failed,
            "skipped": t.skipped,
            "xfailed": t.xfailed,
            "mismatched": t.mismatched,
        }
        for suite, t in sorted(tallies.items())
    }


def _run_facts(
    config: pytest.Config, started: float, exitstatus: int, strict: bool
) -> dict[str, Any]:
    session = config.stash.get(SESSION_KEY, None)
    workers = getattr(config.option, "numprocesses", None)
    return {
        "id": session.run_id if session is not None else "",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": round(time.time() - started, 2),
        "tests_exit_status": exitstatus,
        "workers": workers or 0,
        "strict": strict,
        "python": python_platform.python_version(),
        "pytest": pytest.__version__,
    }


def detail_lines(document: Mapping[str, Any]) -> list[str]:
    """Lines under the terminal table: the tests that count for pass rates, the inputs read."""
    lines = []
    exit_status = document.get("run", {}).get("tests_exit_status", 0)
    if exit_status in (2, 3, 4):
        lines.append(
            f"the run stopped early (pytest exit status {exit_status}): values are partial"
        )
    tests = document.get("tests", {})
    if "all" in tests:
        t = tests["all"]
        lines.append(
            f"tests: {t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped, "
            f"{t['xfailed']} xfailed (pass rate = passed / (passed + failed))"
        )
        lines.append(
            f"findings: {t['failed']}, contract mismatches: {t.get('mismatched', 0)}, "
            f"passes: {t['passed']}"
        )
    for suite, failed in document.get("findings", {}).items():
        lines.extend(f"finding [{suite}] {f['test']}: {f['summary']}" for f in failed)
    for test, reason in document.get("contract_mismatches", {}).items():
        lines.append(f"contract mismatch {test}: {reason.removeprefix(MISMATCH_PREFIX)}")
    if "baseline" in document:
        lines.append(f"regression gates compare with the baseline {document['baseline']['source']}")
    if "coverage" in document:
        lines.append(f"coverage from {', '.join(document['coverage']['reports'])}")
    if "vulnerabilities" in document:
        counts = document["vulnerabilities"]["counts"]
        lines.append(
            "vulnerabilities: " + ", ".join(f"{n} {severity}" for severity, n in counts.items())
        )
    return lines
