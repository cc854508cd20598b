"""Gates under pytest-xdist: the same suite gives the same numbers with -n 0 and -n 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from gate_helpers import gates_json, run

Project = Callable[..., pytest.Pytester]

# 24 tests over two suites; each records latencies that depend only on its index.
SUITE_MODULE = """
import pytest
from pytest_deploygate.session import metrics

@pytest.mark.parametrize("n", range(12))
def test_request(n):
    for k in range(5):
        metrics.record_http("GET", "/api/services", 500 if n == 3 and k == 0 else 200,
                            {base} + n * 7 + k * 13)
    metrics.record_metric("db.query_ms", {base} / 10 + n)
    if n == {fail}:
        assert False, "wrong status"
    if n == {skip}:
        pytest.skip("not on this platform")
"""

GATES = {
    "http.p95_ms": "< 150",
    "http.error_rate": "< 5",
    "db.query_p95_ms": "< 100",
    "tests.pass_rate.security": ">= 95",
    "tests.pass_rate.api": ">= 90",
}


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    return {key: document[key] for key in ("verdict", "gates", "metrics", "tests")}


def test_zero_and_two_workers_agree(gate_project: Project) -> None:
    pytester = gate_project(
        GATES,
        files={
            "suites/security/test_sec.py": SUITE_MODULE.format(base=40, fail=5, skip=7),
            "suites/api/test_api.py": SUITE_MODULE.format(base=90, fail=-1, skip=2),
        },
    )
    serial = run(pytester, "-n", "0")
    serial.assert_outcomes(passed=21, failed=1, skipped=2)
    first = comparable(gates_json(pytester))
    parallel = run(pytester, "-n", "2")
    parallel.assert_outcomes(passed=21, failed=1, skipped=2)
    second = comparable(gates_json(pytester))
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    # And the numbers are the ones the samples give (not averaged per worker).
    verdicts = {gate["metric"]: gate["verdict"] for gate in second["gates"]}
    assert verdicts == {
        "db.query_p95_ms": "pass",
        "http.error_rate": "pass",
        "http.p95_ms": "fail",
        "tests.pass_rate.api": "pass",
        "tests.pass_rate.security": "fail",
    }
    assert second["metrics"]["tests.pass_rate.security"] == pytest.approx(100 * 10 / 11)
    assert second["metrics"]["http.requests"] == 120


def test_a_crashed_worker_loses_only_what_it_never_reported(gate_project: Project) -> None:
    pytester = gate_project(
        {"http.p95_ms": "< 1000"},
        files={
            "suites/api/test_crash.py": """
                import os
                import pytest
                from pytest_deploygate.session import metrics

                @pytest.mark.parametrize("n", range(6))
                def test_recorded(n):
                    metrics.record_http("GET", "/api/services", 200, 10.0)

                def test_crash():
                    metrics.record_http("GET", "/api/services", 200, 10.0)
                    os._exit(3)
                """
        },
    )
    result = run(pytester, "-n", "2")
    result.assert_outcomes(passed=6, failed=1)
    document = gates_json(pytester)
    # Every reported test's request arrived; the crashed test's never did.
    assert document["metrics"]["http.requests"] == 6
    assert document["tests"]["api"]["failed"] == 1


def test_deselected_work_reads_the_same_with_two_workers(gate_project: Project) -> None:
    # Given api tests of which -k deselects some, on each worker as on the controller
    pytester = gate_project(
        {"api.endpoint_coverage": ">= 100", "tests.pass_rate.security": ">= 100"},
        files={
            "suites/api/test_api.py": """
                import pytest
                from pytest_deploygate.session import metrics

                @pytest.mark.parametrize("n", range(4))
                def test_read(n):
                    operations = ["GET /api/services", "POST /api/bookings"]
                    metrics.record_entry({"kind": "operations", "operations": operations})
                    metrics.record_http("GET", "/api/services", 200, 10.0)

                def test_write():
                    metrics.record_http("POST", "/api/bookings", 201, 10.0)
                """,
            "suites/security/test_sec.py": "def test_sec(): pass\n",
        },
    )
    notes = []
    for workers in ("0", "2"):
        result = run(pytester, "-n", workers, "-k", "read")
        assert result.ret == 0, result.stdout.str()
        notes.append({gate["metric"]: gate["note"] for gate in gates_json(pytester)["gates"]})
    # Then both say the same: nothing breached, and why each gate was not measured
    assert (
        notes[0]
        == notes[1]
        == {
            "api.endpoint_coverage": "not measured (1 test deselected)",
            "tests.pass_rate.security": "not measured: the security suite was deselected "
            "(1 test deselected)",
        }
    )
