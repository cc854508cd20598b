"""What progress reporting costs a load run: throughput with progress on and off, side by side.

The load harness drives one loopback endpoint (``GET /api/services`` of the reference platform,
its own process) with the same users for the same time, ``--rounds`` pairs of runs: one without
progress (``on_tick`` unset: no reading of Locust's history, no line) and one with it, exactly
the work ``load/harness.py`` does each second (read the newest row of Locust's stats history,
format the line, write it: here to /dev/null, flushed, on every tick, i.e. more often than the
0.5 s live / 5 s plain throttle lets through). The order alternates each pair (off-on, on-off),
so drift on a shared machine hits both.

Two figures, since a 1 % difference is below the run-to-run noise of a shared machine:
- ``throughput``: median requests/s off and on, the cost in percent, and the paired
  differences, beside the spread of the "off" runs (the noise floor);
- ``cpu``: the CPU the progress work itself used (its thread's CPU time, summed over ticks)
  against the CPU Locust used (its process tree, from the children's rusage), i.e. the most
  throughput it could take away when the machine is CPU-bound.

    .venv/bin/python benchmarks/progress_overhead.py [--users 10] [--duration 5] [--rounds 4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_driver import LOCUSTFILE, PATH, start_platform  # noqa: E402

from pytest_deploygate.load.config import LoadRun  # noqa: E402
from pytest_deploygate.load.progress import describe, history_path, latest  # noqa: E402
from pytest_deploygate.load.runner import Artifacts, run_locust  # noqa: E402
from pytest_deploygate.progress import Progress  # noqa: E402


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(url: str, users: int, duration: int, workdir: Path, progress: bool) -> dict[str, Any]:
    run = LoadRun(host=url, users=users, duration=duration, locustfile=LOCUSTFILE, stop_timeout=0)
    artifacts = Artifacts(workdir / ("on" if progress else "off"), "run")
    spent = {"cpu_s": 0.0, "ticks": 0}
    on_tick = None
    if progress:
        sink = open(os.devnull, "w")  # noqa: SIM115 - closed below

        def write(text: str) -> None:
            sink.write(text)
            sink.flush()

        shown = Progress(write, live=True, interval=0)
        history = history_path(artifacts.csv_prefix)

        def on_tick(elapsed: float) -> None:
            before = time.thread_time()
            shown.update(describe("load", users, latest(history), duration - elapsed))
            spent["cpu_s"] += time.thread_time() - before
            spent["ticks"] += 1

    cpu_before = children_cpu()
    result = run_locust(run, artifacts, on_tick=on_tick)
    if progress:
        sink.close()
    return {
        "rps": result.rps,
        "requests": result.requests,
        "failures": result.failures,
        "locust_cpu_s": children_cpu() - cpu_before,
        "progress_cpu_s": spent["cpu_s"],
        "ticks": spent["ticks"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=4, help="pairs of runs (off and on)")
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    workdir = Path(tempfile.mkdtemp(prefix="deploygate-progress-bench-"))
    platform, url = start_platform(workdir)
    runs: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
    try:
        for pair in range(args.rounds):
            order = (False, True) if pair % 2 == 0 else (True, False)
            for progress in order:
                measured = one_run(url, args.users, args.duration, workdir, progress)
                runs["on" if progress else "off"].append(measured)
    finally:
        platform.terminate()
        platform.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    off = [r["rps"] for r in runs["off"]]
    on = [r["rps"] for r in runs["on"]]
    off_median, on_median = statistics.median(off), statistics.median(on)
    progress_cpu = sum(r["progress_cpu_s"] for r in runs["on"])
    locust_cpu = sum(r["locust_cpu_s"] for r in runs["on"])
    ticks = sum(r["ticks"] for r in runs["on"])
    cpu_share = 100 * progress_cpu / locust_cpu if locust_cpu else None
    print(json.dumps({
        "endpoint": f"GET {PATH} (reference platform, own process, loopback)",
        "users": args.users, "duration_s": args.duration, "pairs": args.rounds,
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "throughput": {
            "rps_off_median": round(off_median, 1),
            "rps_on_median": round(on_median, 1),
            "cost_percent": round(100 * (1 - on_median / off_median), 2) if off_median else None,
            "paired_cost_percent": [
                round(100 * (1 - b / a), 2) for a, b in zip(off, on, strict=True) if a
            ],
            "off_spread_percent": round(100 * (max(off) - min(off)) / off_median, 2)
            if off_median else None,
            "rps_off": [round(x, 1) for x in off],
            "rps_on": [round(x, 1) for x in on],
        },
        "cpu": {
            "progress_ms_per_tick": round(1000 * progress_cpu / ticks, 3) if ticks else None,
            "ticks": ticks,
            "progress_cpu_s": round(progress_cpu, 4),
            "locust_cpu_s": round(locust_cpu, 2),
            "progress_share_of_locust_percent": round(cpu_share, 3) if cpu_share is not None
            else None,
        },
        # The bound that noise cannot hide: the progress work's CPU against Locust's.
        "progress_under_1_percent": cpu_share is not None and cpu_share < 1,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
