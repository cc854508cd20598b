"""Wall time of the browser suites: ``pytest --env=local -m "e2e or accessibility"``.

One Chromium per xdist worker, reused by every test of the worker (a new context per test);
each worker boots its own reference platform. Runs the command ``--repeat`` times in fresh
subprocesses and prints one JSON document: wall time per run (process start to exit), the
session time pytest reports, the outcome counts, and the machine's load when the run started
(the figure is only comparable between runs on a quiet machine). Target: <= 60 s on 2 cores.

    .venv/bin/python benchmarks/browser_suites.py [--workers 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 60.0
SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|deselected)")
SESSION_TIME = re.compile(r" in ([\d.]+)s")


def run_once(workers: int, report_dir: Path) -> dict[str, object]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--env=local",
        "-m",
        "e2e or accessibility",
        "-p",
        "pytest_deploygate.browser.plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--html={report_dir / 'report.html'}",
        "pytest_deploygate/suites",
    ]
    if workers:
        command += ["-n", str(workers)]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    last_line = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
    session = SESSION_TIME.search(last_line)
    return {
        "wall_s": round(wall, 2),
        "session_s": float(session.group(1)) if session else None,
        "exit_code": completed.returncode,
        "outcomes": {kind: int(n) for n, kind in SUMMARY.findall(last_line)},
        "load_avg_1min_at_start": round(load_before, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="xdist workers (0: no xdist)")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the median is reported")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deploygate-bench-") as tmp:
        runs = [run_once(options.workers, Path(tmp)) for _ in range(options.repeat)]
    walls = [float(str(run["wall_s"])) for run in runs]
    median = statistics.median(walls)
    print(
        json.dumps(
            {
                "benchmark": "browser_suites",
                "command": 'pytest --env=local -m "e2e or accessibility"',
                "workers": options.workers,
                "cpu_count": os.cpu_count(),
                "runs": runs,
                "wall_s_median": round(median, 2),
                "target_s": TARGET_S,
                "within_target": median <= TARGET_S,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
