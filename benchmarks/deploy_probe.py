"""The availability probe of ``deploygate deploy``: its own cost, and its resolution.

Against the reference platform as a real process (under tests/deploy/release_supervisor.py,
which keeps its port across restarts), for each probe interval:

- cost: the probe runs alone for --seconds; requests per second it sends, and the CPU seconds
  it spends per minute of probing (this process does nothing else meanwhile);
- resolution: --restarts restarts without downtime protection, each refusing connections for
  --downtime seconds, starting at random phases of the probe's grid; the longest outage the
  probe measured against the windows the supervisor clocked (refused: from closing the old
  socket to listening again; down: from stopping the old release). Measured outages come in
  whole intervals and should lie within one interval of those windows.

    .venv/bin/python benchmarks/deploy_probe.py [--seconds 15] [--restarts 3] [--downtime 1]

Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pytest_deploygate.deploy.probe import AvailabilityProbe

SUPERVISOR = Path(__file__).parents[1] / "tests" / "deploy" / "release_supervisor.py"
TARGETS = ("/api/health", "/")
INTERVALS = (0.1, 0.25, 0.5, 1.0)


def start_platform(state: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, str(SUPERVISOR), "serve", "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], 90)
    line = process.stdout.readline() if readable else ""
    if not line.startswith("ready "):
        process.kill()
        raise SystemExit(f"the release supervisor did not start: {line!r}")
    return process, f"http://127.0.0.1:{line.split()[1]}"


def cost(url: str, interval: float, seconds: float) -> dict[str, Any]:
    cpu = time.process_time()
    probe = AvailabilityProbe(url, TARGETS, interval=interval, timeout=5.0, max_duration=seconds)
    probe.start()
    probe.wait(seconds + 30)
    result = probe.stop()
    cpu = time.process_time() - cpu
    return {
        "probes": result.probes,
        "requests": result.requests,
        "failed_requests": result.failed_requests,
        "requests_per_second": round(result.requests / result.duration_s, 2),
        "cpu_seconds_per_minute": round(60 * cpu / result.duration_s, 3),
    }


def resolution(
    url: str, state: Path, interval: float, restarts: int, downtime: float, phases: random.Random
) -> dict[str, Any]:
    samples = []
    for _ in range(restarts):
        probe = AvailabilityProbe(url, TARGETS, interval=interval, timeout=30.0).start()
        # some good rounds before the restart, which starts anywhere on the probe's grid
        time.sleep(2 * interval + phases.uniform(0, interval))
        deploy = [sys.executable, str(SUPERVISOR), "deploy", "--state", str(state)]
        subprocess.run([*deploy, "--downtime", str(downtime)], check=True, capture_output=True)
        time.sleep(2 * interval)  # and after the new release answers
        result = probe.stop()
        timings = json.loads((state / "deploys.jsonl").read_text().splitlines()[-1])
        refused = timings["listening_at"] - timings["refused_at"]
        down = timings["listening_at"] - timings["stopped_at"]
        samples.append(
            {
                "refused_s": round(refused, 3),
                "down_s": round(down, 3),
                "measured_s": round(result.longest_outage_s, 3),
                "error_vs_refused_s": round(result.longest_outage_s - refused, 3),
                "failed_probes": result.failed_probes,
            }
        )
    worst = max(abs(s["error_vs_refused_s"]) for s in samples)
    # The true outage lies between the refusal window and the whole stop-to-listen window.
    within = all(
        s["refused_s"] - interval - 0.02 <= s["measured_s"] <= s["down_s"] + interval + 0.02
        for s in samples
    )
    return {
        "within_one_interval_of_the_outage": within,
        "restarts": samples,
        "mean_error_s": round(statistics.fmean(s["error_vs_refused_s"] for s in samples), 3),
        "max_abs_error_s": worst,
        "max_abs_error_in_intervals": round(worst / interval, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="probing per interval")
    parser.add_argument("--restarts", type=int, default=5, help="restarts per interval")
    parser.add_argument("--downtime", type=float, default=1.0, help="refusal window (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deploy-probe-") as folder:
        state = Path(folder)
        supervisor, url = start_platform(state)
        phases = random.Random(16)  # reproducible phases of the restarts against the grid
        try:
            results = {
                str(interval): {
                    "cost": cost(url, interval, args.seconds),
                    "resolution": resolution(
                        url, state, interval, args.restarts, args.downtime, phases
                    ),
                }
                for interval in INTERVALS
            }
        finally:
            subprocess.run(
                [sys.executable, str(SUPERVISOR), "stop", "--state", str(state)],
                capture_output=True,
                timeout=60,
            )
            supervisor.wait(30)
    print(
        json.dumps(
            {
                "benchmark": "deploy_probe",
                "targets": list(TARGETS),
                "seconds_per_interval": args.seconds,
                "downtime_s": args.downtime,
                "intervals": results,
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
