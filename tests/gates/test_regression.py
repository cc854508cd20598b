"""Regression gates against a baseline run: real sessions write the baseline gates.json, a later
session compares with it; Locust's rounding and a small sample's spread are noise, not breaches.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import gates_json, http, metric, run

from pytest_deploygate.cli import main
from pytest_deploygate.gates.aggregate import percentile_band
from pytest_deploygate.gates.regression import band_of

Project = Callable[..., pytest.Pytester]
LOAD_GATE = {"regression.load.p95_ms": "< 5"}
HTTP_GATE = {"regression.http.p95_ms": "< 5"}


def baseline_from_run(project: Project, gates: dict[str, str], entries: list[dict]) -> Path:
    """Run a session that measures ``entries`` and keep its gates.json as the baseline."""
    pytester = project(gates, entries=entries)
    assert run(pytester).ret == 0
    baseline = pytester.path / "baseline.json"
    shutil.copy(pytester.path / "reports" / "gates.json", baseline)
    return baseline


def test_a_change_within_locusts_rounding_is_no_regression(gate_project: Project) -> None:
    # Given a baseline whose Locust p95 read "200 ms" (a histogram bucket: 195-205 ms)
    baseline = baseline_from_run(gate_project, LOAD_GATE, [metric("load.p95_ms", 200)])
    # When the next run reads "210 ms" (the next bucket up: 205-215 ms)
    pytester = gate_project(LOAD_GATE, entries=[metric("load.p95_ms", 210)])
    result = run(pytester, "--baseline", str(baseline))
    # Then the plain change (5 %) is shown, but nothing of it lies beyond the rounding
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "regression.load.p95_ms*< 5*0%*PASS",
            "regression.load.p95_ms: 210 ms vs baseline 200 ms: 5.0 % worse, 0.0 % beyond noise "
            "(bands 205-215 and 195-205)",
            f"regression gates compare with the baseline {baseline}",
        ]
    )
    comparison = gates_json(pytester)["baseline"]["comparisons"][0]
    assert comparison["baseline"] == 200 and comparison["current"] == 210


def test_a_change_beyond_the_rounding_breaches_and_shows_both_values(
    gate_project: Project,
) -> None:
    baseline = baseline_from_run(gate_project, LOAD_GATE, [metric("load.p95_ms", 200)])
    # When the release really is slower: 230 ms (225-235) against 195-205
    pytester = gate_project(LOAD_GATE, entries=[metric("load.p95_ms", 230)])
    result = run(pytester, "--baseline", str(baseline))
    # Then 20 ms of the 30 ms change are beyond noise: 10 % of 200 ms breaches "< 5"
    assert result.ret == 99
    result.stdout.fnmatch_lines(
        [
            "regression.load.p95_ms*< 5*10%*FAIL",
            "regression.load.p95_ms: 230 ms vs baseline 200 ms: 15.0 % worse, 10.0 % beyond noise*",
        ]
    )


def test_http_percentiles_carry_the_spread_of_their_samples(gate_project: Project) -> None:
    # Given a baseline of 20 requests of 10..29 ms (its p95 band: the 17th..20th sample)
    samples = [http("/api/services", 10 + n) for n in range(20)]
    baseline = baseline_from_run(gate_project, HTTP_GATE, samples)
    assert json.loads(baseline.read_text())["bands"]["http.p95_ms"] == [26, 29]
    # When every request is 1 ms slower, the bands overlap: no regression
    slower = [http("/api/services", 11 + n) for n in range(20)]
    assert run(gate_project(HTTP_GATE, entries=slower), "--baseline", str(baseline)).ret == 0
    # When every request takes twice as long, it is a regression
    doubled = [http("/api/services", 2 * (10 + n)) for n in range(20)]
    result = run(gate_project(HTTP_GATE, entries=doubled), "--baseline", str(baseline))
    assert result.ret == 99
    result.stdout.fnmatch_lines(["regression.http.p95_ms*< 5*FAIL"])


def test_without_a_baseline_regression_gates_are_not_measured_even_when_strict(
    gate_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    gates = {**HTTP_GATE, "http.p95_ms": "< 200"}
    pytester = gate_project(gates, entries=[http("/api/services", 20)])
    result = run(pytester, "--gate-strict")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "regression.http.p95_ms*< 5*not measured*not measured",
            "regression.http.p95_ms: no baseline to compare with (--baseline PATH)",
        ]
    )
    # and so does a later, strict re-evaluation of the stored result
    assert main(["gate", str(pytester.path / "reports" / "gates.json"), "--strict"]) == 0


def test_a_file_that_is_not_a_gates_json_is_one_usage_error(gate_project: Project) -> None:
    pytester = gate_project(HTTP_GATE, entries=[http("/api/services", 20)])
    (pytester.path / "old.json").write_text('{"format": "something else"}')
    result = run(pytester, "--baseline", str(pytester.path / "old.json"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: *old.json: not a deploygate gates.json*"])


def test_unknown_regression_metric_is_a_config_error(gate_project: Project) -> None:
    pytester = gate_project({"regression.tests.pass_rate": "< 5"}, entries=[])
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*unknown gate metric 'regression.tests.pass_rate'*regression.<http.p50_ms|*"]
    )


def test_deploy_kpis_are_left_to_the_history(gate_project: Project) -> None:
    # deploy.* gates are measured by `deploygate gate --history`; a test run never measures them
    gates = {"deploy.success_rate": "> 99", "http.p95_ms": "< 200"}
    result = run(gate_project(gates, entries=[http("/api/services", 20)]), "--gate-strict")
    assert result.ret == 0
    assert "deploy.success_rate" not in result.stdout.str()


def test_percentile_band_is_the_order_statistics_interval() -> None:
    samples = list(range(1, 101))  # 1..100
    assert percentile_band(samples, 95) == (90, 100)
    assert percentile_band(samples, 50) == (40, 60)
    assert percentile_band([7.0], 95) == (7.0, 7.0)


def test_bands_follow_locusts_rounding_and_the_timer() -> None:
    assert band_of("load.p95_ms", 2000) == (1950, 2050)  # 100 ms buckets from 1 s
    assert band_of("load.p95_ms", 40) == (39.5, 40.5)  # exact milliseconds below 100 ms
    assert band_of("http.p95_ms", 3.0, (2.9, 3.1)) == (2.5, 3.5)  # at least the timer's 0.5 ms
    assert band_of("load.rps", 120.0) == (120.0, 120.0)
