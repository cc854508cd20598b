"""Pooling report entries into metric values: pass rates, percentiles, endpoint coverage."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from pytest_deploygate.gates import MetricPool, percentile
from pytest_deploygate.gates.endpoints import (
    Operation,
    endpoint_coverage,
    operations_from_openapi,
    parse_operation,
)


@dataclass
class FakeReport:
    nodeid: str
    when: str
    outcome: str
    deploygate: dict[str, Any] = field(default_factory=dict)
    wasxfail: str | None = None


def reports_for(nodeid: str, outcome: str, suites: list[str], **extra: Any) -> list[FakeReport]:
    props: dict[str, Any] = {"suites": suites}
    phases = {"setup": "passed", "call": outcome, "teardown": "passed"}
    if outcome == "setup-error":
        phases = {"setup": "failed", "teardown": "passed"}
    if outcome == "teardown-error":
        phases = {"setup": "passed", "call": "passed", "teardown": "failed"}
    return [
        FakeReport(nodeid, when, result, dict(props), **(extra if when == "call" else {}))
        for when, result in phases.items()
    ]


def test_percentile_interpolates_between_ranks() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 95) == pytest.approx(95.05)
    assert percentile(samples, 50) == pytest.approx(50.5)
    assert percentile([7.0], 95) == 7.0


def test_pass_rate_counts_setup_and_teardown_errors_and_ignores_skips_and_xfails() -> None:
    pool = MetricPool()
    for report in [
        *reports_for("a", "passed", ["security"]),
        *reports_for("b", "failed", ["security"]),
        *reports_for("c", "setup-error", ["security"]),
        *reports_for("d", "teardown-error", ["security"]),
        *reports_for("e", "skipped", ["security"]),
        *reports_for("f", "skipped", ["security"], wasxfail="known bug"),
        *reports_for("g", "passed", ["api"]),
    ]:
        pool.add_report(report)
    values = pool.values()
    assert values["tests.pass_rate.security"] == pytest.approx(25.0)  # 1 of a, b, c, d
    assert values["tests.pass_rate.api"] == 100.0
    assert values["tests.pass_rate"] == pytest.approx(40.0)  # a, g of a, b, c, d, g
    tally = pool.tallies()["security"]
    assert (tally.passed, tally.failed, tally.skipped, tally.xfailed) == (1, 3, 1, 1)


def http(path: str, ms: float, status: int = 200, method: str = "GET") -> dict[str, Any]:
    return {"kind": "http", "method": method, "url_path": path, "status": status, "ms": ms}


def test_values_do_not_depend_on_report_order_or_split() -> None:
    # Given the same entries split over "workers" and shuffled, p95 is computed from samples.
    rng = random.Random(7)
    entries = [http("/api/services", rng.uniform(1, 400)) for _ in range(300)]
    entries += [
        http("/api/services", 5, status=503),
        {"kind": "metric", "name": "db.query_ms", "value": 3},
    ]
    single, split = MetricPool(), MetricPool()
    single.add_entries(entries)
    shuffled = entries[:]
    rng.shuffle(shuffled)
    for chunk in (shuffled[:100], shuffled[100:]):
        split.add_entries(chunk)
    assert single.values() == split.values()
    assert single.values()["http.p95_ms"] == pytest.approx(
        percentile([e["ms"] for e in entries if e["kind"] == "http"], 95)
    )


def test_pooled_p95_is_not_the_mean_of_per_worker_p95s() -> None:
    # Worker A: 90 fast samples (its p95 is 10); worker B: 10 slow ones (its p95 is 1000).
    # Averaging would say 505; the pooled samples say 1000.
    pool = MetricPool()
    pool.add_entries([http("/x", 10.0) for _ in range(90)])
    pool.add_entries([http("/x", 1000.0) for _ in range(10)])
    assert pool.values()["http.p95_ms"] == pytest.approx(1000.0)


def test_error_rate_counts_5xx_and_transport_errors_not_4xx() -> None:
    pool = MetricPool()
    pool.add_entries(
        [
            http("/a", 1, 200),
            http("/a", 1, 401),
            http("/a", 1, 429),
            http("/a", 1, 500),
            http("/a", 1, 0),
        ]
    )
    assert pool.values()["http.error_rate"] == pytest.approx(40.0)


def test_recorded_metrics_fold_by_catalog_rule() -> None:
    pool = MetricPool()
    pool.add_entries(
        [
            {"kind": "metric", "name": "page.load_ms", "value": 800},
            {"kind": "metric", "name": "page.load_ms", "value": 2900},
            {"kind": "metric", "name": "accessibility.serious", "value": 1},
            {"kind": "metric", "name": "accessibility.serious", "value": 2},
            {"kind": "metric", "name": "load.rps", "value": 40},
            {"kind": "metric", "name": "load.rps", "value": 25},
            *({"kind": "metric", "name": "db.query_ms", "value": v} for v in range(1, 101)),
            {"kind": "metric", "name": "bogus"},  # malformed: dropped, never fatal
        ]
    )
    values = pool.values()
    assert values["page.load_ms"] == 2900
    assert values["accessibility.serious"] == 3
    assert values["load.rps"] == 25
    assert values["db.query_p95_ms"] == pytest.approx(95.05)
    assert values["db.query_max_ms"] == 100


def test_unmeasured_metrics_are_absent() -> None:
    assert MetricPool().values() == {}


def test_endpoint_matching_prefers_the_most_literal_template() -> None:
    operations = [
        parse_operation(text)
        for text in [
            "GET /api/services",
            "GET /api/availability",
            "GET /api/availability/{serviceId}/{date}",
            "GET /api/bookings/{id}",
            "GET /api/bookings/mine",
            "POST /api/bookings",
        ]
    ]
    coverage = endpoint_coverage(
        operations,
        [
            ("GET", "/api/services?x=1"),
            ("get", "/api/availability/svc-1/2026-01-02"),
            ("GET", "/api/bookings/mine"),
            ("DELETE", "/api/bookings"),  # no such operation: ignored
        ],
    )
    assert coverage.covered == (
        "GET /api/availability/{serviceId}/{date}",
        "GET /api/bookings/mine",
        "GET /api/services",
    )
    assert coverage.missed == (
        "GET /api/availability",
        "GET /api/bookings/{id}",
        "POST /api/bookings",
    )
    assert coverage.percent == pytest.approx(50.0)


def test_operations_from_openapi_and_any_method() -> None:
    document = {"paths": {"/api/services": {"get": {}, "post": {}, "parameters": []}}}
    assert sorted(map(str, operations_from_openapi(document))) == [
        "GET /api/services",
        "POST /api/services",
    ]
    assert Operation("ANY", "/api/health").matches("POST", "/api/health")
    with pytest.raises(ValueError, match="GET /api/services"):
        parse_operation("FETCH /x")


def test_shipped_operations_win_over_configured_ones() -> None:
    pool = MetricPool()
    for report in reports_for("suites/api/test_a.py::test_a", "passed", ["api"]):
        pool.add_report(report)
    pool.add_entries(
        [
            {"kind": "operations", "operations": ["GET /api/services", "POST /api/bookings"]},
            http("/api/services", 3),
        ]
    )
    values = pool.values([Operation("ANY", "/api/services")])
    assert values["api.endpoint_coverage"] == pytest.approx(50.0)
    endpoints = pool.endpoints()
    assert endpoints is not None and endpoints.missed == ("POST /api/bookings",)


def test_endpoint_coverage_is_not_measured_when_the_api_suite_did_not_run() -> None:
    # Given a security-only run that exercised one of two operations
    pool = MetricPool()
    for report in reports_for("suites/security/test_s.py::test_s", "passed", ["security"]):
        pool.add_report(report)
    pool.add_entries(
        [
            {"kind": "operations", "operations": ["GET /api/services", "POST /api/bookings"]},
            http("/api/services", 3),
        ]
    )
    # Then coverage is not its promise: unmeasured, not breached
    assert "api.endpoint_coverage" not in pool.values()
