"""Overhead of the gate engine on 2,000 trivial tests that record metrics (target: <= 5 %).

Runs the same generated project with and without ``pytest_deploygate.gates.plugin`` (each in a
fresh subprocess, alternating, median of --repeat runs) and prints one JSON document. pytest-html
is off in both runs so the figure is the gate engine's own: stamping reports, pooling entries,
evaluating, writing gates.json and the JUnit file.

    .venv/bin/python benchmarks/gates_overhead.py [--tests 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENVIRONMENTS = """
[gates]
"http.p95_ms" = "< 200"
"http.error_rate" = "< 1"
"page.load_ms" = "< 3000"
"tests.pass_rate.api" = ">= 100"

[environments.staging]
base_url = "http://127.0.0.1:9"
"""

TESTS = """
import pytest
from pytest_deploygate.session import metrics

@pytest.mark.parametrize("n", range({count}))
def test_trivial(n):
    metrics.record_http("GET", "/api/services", 200, 10.0 + n % 50)
    metrics.record_http("GET", "/api/availability", 200, 12.0 + n % 30)
    metrics.record_metric("page.load_ms", 800.0 + n % 100)
"""

COMMON = [
    "--env=staging",
    "--no-preflight",
    "-q",
    "-p",
    "no:html",
    "-p",
    "no:playwright",
    "-p",
    "no:cacheprovider",
]
WITH_GATES = ["-p", "pytest_deploygate.gates.plugin"]
WITHOUT_GATES = ["-p", "no:pytest_deploygate.gates.plugin"]


def timed(project: Path, extra: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one pytest run in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *COMMON, *extra],
        cwd=project,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"benchmark run failed ({result.returncode}):\n{result.stdout[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deploygate-bench-") as tmp:
        project = Path(tmp)
        (project / "environments.toml").write_text(ENVIRONMENTS)
        suite = project / "suites" / "api"
        suite.mkdir(parents=True)
        (suite / "test_trivial.py").write_text(TESTS.format(count=args.tests))
        timed(project, WITH_GATES)  # warm the import caches once
        baseline: list[tuple[float, float]] = []
        gated: list[tuple[float, float]] = []
        for _ in range(args.repeat):
            baseline.append(timed(project, WITHOUT_GATES))
            gated.append(timed(project, WITH_GATES))
        wrote_gates = (project / "reports" / "gates.json").exists()

    def summary(index: int) -> dict[str, float]:
        # The minimum is the least disturbed run on a shared machine; the median is shown too.
        base_min = min(run[index] for run in baseline)
        gated_min = min(run[index] for run in gated)
        return {
            "baseline_min_s": round(base_min, 3),
            "with_gates_min_s": round(gated_min, 3),
            "baseline_median_s": round(statistics.median(r[index] for r in baseline), 3),
            "with_gates_median_s": round(statistics.median(r[index] for r in gated), 3),
            "overhead_pct": round(100.0 * (gated_min - base_min) / base_min, 2),
        }

    wall, cpu = summary(0), summary(1)
    print(
        json.dumps(
            {
                "benchmark": "gates_overhead",
                "tests": args.tests,
                "repeat": args.repeat,
                "wall": wall,
                "cpu": cpu,
                "target_pct": 5.0,
                # CPU time is the stable figure on a shared machine; wall time is shown beside it.
                "within_target": cpu["overhead_pct"] <= 5.0,
                "gates_json_written": wrote_gates,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
