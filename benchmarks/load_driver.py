"""Throughput and p95 of the load harness, of bare ``locust`` and of ``wrk``, on one endpoint.

All three drive the same loopback endpoint (``GET /api/services`` of the reference platform,
served by its own process) with the same number of users/connections for the same time, one
after the other, ``--rounds`` times; the medians are printed as one JSON document. The harness
must not be slower than bare Locust: ``harness_vs_locust_rps`` near 1.0. Throughput is requests
completed over the run time and p95 is Locust's own percentile, for both Locust runs; wrk's are
its own (``latency:percentile(95)``). ``wall_s`` includes start-up and report writing.
What progress reporting costs is measured on its own, on/off in pairs: progress_overhead.py.

    .venv/bin/python benchmarks/load_driver.py [--users 10] [--duration 5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from pytest_deploygate.load.config import LoadRun
from pytest_deploygate.load.results import read_result
from pytest_deploygate.load.runner import Artifacts, locust_executable, run_locust

HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "locustfile_one_endpoint.py"
PATH = "/api/services"
WRK_P95 = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "errors": %d, "duration_us": %d, "p95_us": %d}\\n',
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.duration, latency:percentile(95)))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn_platform(port: int, workdir: Path, log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "pytest_deploygate.reference", "--port", str(port)),
            *("--no-access-log", "--database-url", f"sqlite:///{workdir / 'bench.db'}"),
        ],
        stdout=subprocess.DEVNULL, stderr=log,
        env={k: v for k, v in os.environ.items() if k != "REFERENCE_APP_FAULTS"},
    )  # fmt: skip


def start_platform(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with (workdir / "platform.log").open("wb") as log:  # the child keeps its own descriptor
        process = _spawn_platform(port, workdir, log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + PATH, timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    process.wait()
    tail = (workdir / "platform.log").read_text(errors="replace").strip().splitlines()[-3:]
    raise SystemExit("the reference platform did not start: " + " | ".join(tail))


def harness(url: str, users: int, duration: int, workdir: Path) -> dict[str, float]:
    run = LoadRun(host=url, users=users, duration=duration, locustfile=LOCUSTFILE, stop_timeout=0)
    artifacts = Artifacts(workdir / "harness", "run")
    started = time.monotonic()
    result = run_locust(run, artifacts)
    return {"rps": result.rps, "p95_ms": result.p95_ms, "requests": result.requests,
            "failures": result.failures, "wall_s": time.monotonic() - started}  # fmt: skip


def bare_locust(url: str, users: int, duration: int, workdir: Path) -> dict[str, float]:
    prefix = workdir / "bare" / "run"
    prefix.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    subprocess.run(
        [*locust_executable(), "-f", str(LOCUSTFILE), "--headless", "--host", url,
         "-u", str(users), "-r", str(users), "-t", f"{duration}s", "--only-summary",
         "--json-file", str(prefix), "--loglevel", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=duration + 60, check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    # Locust's final statistics (its CSV lags up to a second), read the same way for both.
    result = read_result(prefix.with_suffix(".json"), None, users, duration)
    return {"rps": result.rps, "p95_ms": result.p95_ms, "requests": result.requests,
            "failures": result.failures, "wall_s": wall}  # fmt: skip


def wrk(url: str, users: int, duration: int, workdir: Path) -> dict[str, float] | None:
    if shutil.which("wrk") is None:
        return None
    script = workdir / "p95.lua"
    script.write_text(WRK_P95)
    started = time.monotonic()
    done = subprocess.run(
        ["wrk", "-t", "1", "-c", str(users), "-d", f"{duration}s", "-s", str(script), url + PATH],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    )  # fmt: skip
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {"rps": figures["requests"] / (figures["duration_us"] / 1e6),
            "p95_ms": figures["p95_us"] / 1000, "requests": figures["requests"],
            "failures": figures["errors"], "wall_s": time.monotonic() - started}  # fmt: skip


def median(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="deploygate-load-bench-"))
    platform, url = start_platform(workdir)
    runs: dict[str, list[dict[str, float]]] = {
        "harness": [], "locust": [], "wrk": []
    }  # fmt: skip
    try:
        for round_number in range(args.rounds):
            # Interleave and swap the order each round, so drift on a shared machine hits both.
            order = [("harness", harness), ("locust", bare_locust)]
            for name, tool in order if round_number % 2 == 0 else order[::-1]:
                runs[name].append(tool(url, args.users, args.duration, workdir))
            measured = wrk(url, args.users, args.duration, workdir)
            if measured is not None:
                runs["wrk"].append(measured)
    finally:
        platform.terminate()
        platform.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    tools: dict[str, Any] = {name: median(r) for name, r in runs.items() if r}
    ratio = tools["harness"]["rps"] / tools["locust"]["rps"] if tools["locust"]["rps"] else 0.0
    print(json.dumps({
        "endpoint": f"GET {PATH} (reference platform, own process, loopback)",
        "users": args.users, "duration_s": args.duration, "rounds": args.rounds,
        "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "tools": tools,
        "rps_each_round": {name: [round(r["rps"], 1) for r in rs] for name, rs in runs.items()},
        "harness_vs_locust_rps": round(ratio, 3),
        "harness_not_slower": ratio >= 0.95,  # within 5 %: the run-to-run noise of one machine
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
