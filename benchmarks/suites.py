"""Wall time of the security and api suites against --env=local (target: both <= 30 s together).

Runs `pytest --env=local -m security` and `-m api`, each serially and with `-n 2`, in fresh
subprocesses from the repository root (median of --repeat runs), and prints one JSON document.
The reference platform's boot is included: it is part of what a user waits for.

    .venv/bin/python benchmarks/suites.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30.0
SUITES = ("security", "api")
MODES = {"serial": ["-n", "0"], "xdist_2": ["-n", "2"]}


def run(suite: str, mode: list[str]) -> tuple[float, int, dict[str, int]]:
    """One fresh `pytest -m <suite>`: wall seconds, exit status, outcome counts."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--env=local",
        "-m",
        suite,
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:html",
        *mode,
        f"pytest_deploygate/suites/{suite}",
    ]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    tail = result.stdout.strip().splitlines()[-1:] or [""]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", tail[0])}
    return round(wall, 2), result.returncode, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    figures: dict[str, dict[str, object]] = {}
    medians: dict[str, float] = {}
    for mode_name, mode in MODES.items():
        for suite in SUITES:
            runs = [run(suite, mode) for _ in range(args.repeat)]
            walls = [wall for wall, _, _ in runs]
            medians[f"{suite}.{mode_name}"] = round(statistics.median(walls), 2)
            figures[f"{suite}.{mode_name}"] = {
                "median_wall_s": medians[f"{suite}.{mode_name}"],
                "runs_s": walls,
                "exit": runs[-1][1],
                "outcomes": runs[-1][2],
            }
    totals = {
        mode_name: round(sum(medians[f"{s}.{mode_name}"] for s in SUITES), 2) for mode_name in MODES
    }
    best = min(totals.values())
    print(
        json.dumps(
            {
                "benchmark": "suites",
                "target_s": TARGET_S,
                "suites": figures,
                "both_suites_wall_s": totals,
                "within_target": best <= TARGET_S,
                "python": sys.version.split()[0],
                # Other work on the machine inflates wall time; report it next to the figures.
                "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                "cpus": os.cpu_count(),
                "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
