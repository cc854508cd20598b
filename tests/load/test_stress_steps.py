"""Stepped stress: stop at the first step that breaks; the table and chart show every step."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from booking_stub import AUTH, BookingStub

from pytest_deploygate.load.config import LoadRun
from pytest_deploygate.load.results import LoadResult
from pytest_deploygate.load.runner import Artifacts, run_locust
from pytest_deploygate.load.stress import (
    StressThresholds,
    render_chart,
    render_table,
    run_stress,
)

THRESHOLDS = StressThresholds(p95_ms=200, error_rate=0.1)


def _result(users: int, p95_ms: float, failures: int = 0) -> LoadResult:
    return LoadResult(
        users=users, requests=100, failures=failures, avg_ms=p95_ms / 2, min_ms=1,
        max_ms=p95_ms, p50_ms=p95_ms / 2, p95_ms=p95_ms, p99_ms=p95_ms, rps=50, duration_s=2,
    )  # fmt: skip


def test_the_first_step_over_a_threshold_is_the_breaking_point() -> None:
    p95_by_users = {5: 40, 10: 90, 15: 210, 20: 400}
    ran: list[int] = []

    def step(users: int) -> LoadResult:
        ran.append(users)
        return _result(users, p95_by_users[users])

    stress = run_stress([5, 10, 15, 20], THRESHOLDS, step)
    assert ran == [5, 10, 15], "no step runs after the breaking point"
    assert stress.breaking_point == 15 and stress.max_ok_users == 10
    assert stress.steps[-1].breaches == ("p95 210 ms >= 200 ms",)
    assert stress.metrics() == {"stress.max_ok_users": 10.0, "stress.breaking_point_users": 15.0}
    assert "breaking point at 15 users (p95 210 ms >= 200 ms); held up to 10 users" in (
        stress.summary()
    )


def test_errors_break_a_step_too() -> None:
    stress = run_stress([2, 4], THRESHOLDS, lambda users: _result(users, 20, failures=users - 2))
    assert stress.breaking_point == 4
    assert stress.steps[-1].breaches == ("error rate 2.00 % >= 0.1 %",)


def test_no_breaking_point_up_to_the_maximum_is_reported_as_such() -> None:
    stress = run_stress([2, 4, 6], THRESHOLDS, lambda users: _result(users, 50))
    assert stress.breaking_point is None and stress.max_ok_users == 6
    assert stress.metrics() == {"stress.max_ok_users": 6.0}
    assert stress.summary().startswith("no breaking point up to 6 users (3 steps held")


def test_the_report_has_one_row_per_step_and_a_chart_of_p95_and_errors() -> None:
    stress = run_stress([5, 10, 15], THRESHOLDS, lambda users: _result(users, users * 15.0))
    table = ET.fromstring(render_table(stress).split("<p>")[0])
    rows = table.findall("./tbody/tr")
    assert [row[0].text for row in rows] == ["5", "10", "15"]
    assert rows[-1][-1].text == "broke: p95 225 ms >= 200 ms"
    chart = ET.fromstring(render_chart(stress))
    svg = "{http://www.w3.org/2000/svg}"
    assert chart.tag == f"{svg}svg"
    lines = chart.findall(f"{svg}polyline")
    assert len(lines) == 2 and all(len(line.get("points", "").split()) == 3 for line in lines)
    assert "breaking point" in "".join(chart.itertext())


def test_a_real_stepped_stress_finds_where_the_platform_gives_way(
    stub: BookingStub, tmp_path: Path
) -> None:
    # Given a platform that serves 3 requests at once and answers 503 beyond (slow enough, 20 ms
    # per request in flight, that twelve users overlap)
    stub.delay_per_request_s = 0.02
    stub.max_in_flight = 3
    environ = dict(os.environ, DEPLOYGATE_LOAD_AUTH=AUTH)

    def step(users: int) -> LoadResult:
        run = LoadRun(host=stub.url, users=users, duration=2, think_time=(0.0, 0.05))
        return run_locust(run, Artifacts(tmp_path, f"step-{users}"), environ)

    # When stress steps from 1 to 12 users (a p95 no machine reaches: capacity decides, not speed)
    stress = run_stress([1, 12], StressThresholds(p95_ms=60_000, error_rate=1), step)
    # Then one user holds (never more than one request in flight) and twelve break it on errors
    assert stress.steps[0].held, stress.steps[0].result.summary()
    assert stress.breaking_point == 12, stress.summary()
    assert stress.steps[1].breaches[0].startswith("error rate "), stress.steps[1].breaches
