"""Throughput and latency of the reference platform's hottest endpoints; prints one JSON document.

The server runs in its own process (`python -m reference_app`, uvicorn + uvloop, SQLite in WAL
mode unless --database-url says otherwise); this process is the load generator (asyncio +
httpx). Both share the machine, so the numbers include the generator's CPU cost.

    .venv/bin/python benchmarks/reference_app.py [--requests 300] [--levels 1,8,32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

TARGET_P95_MS = {"availability": 100.0, "booking": 200.0}
TARGET_CONCURRENCY = 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = os.environ | {"REFERENCE_APP_FAULTS": ""}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reference_app",
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--no-access-log",  # measure the application, not uvicorn's logging
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parent.parent,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the reference platform did not start on {url} within 30 s")


def _cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process (Linux /proc); a load-independent cost figure."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _measure(
    client: httpx.AsyncClient,
    make_request: Callable[[int], Awaitable[httpx.Response]],
    total: int,
    concurrency: int,
    expected: int,
    server_pid: int,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))

    async def worker() -> None:
        nonlocal errors
        for index in counter:
            started = time.perf_counter()
            response = await make_request(index)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != expected

    cpu_before = _cpu_seconds(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu_used = _cpu_seconds(server_pid) - cpu_before
    return {
        "concurrency": concurrency,
        "requests": total,
        "errors": errors,
        "rps": round(total / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "server_cpu_ms_per_request": round(cpu_used / total * 1000, 2),
    }


async def _free_slots(
    client: httpx.AsyncClient, service: str, needed: int
) -> list[tuple[str, str]]:
    slots: list[tuple[str, str]] = []
    day = date.today() + timedelta(days=1)
    while len(slots) < needed:
        body = (await client.get(f"/api/availability/{service}/{day}")).json()
        slots += [(day.isoformat(), s["time"]) for s in body["slots"]]
        day += timedelta(days=1)
    return slots[:needed]


async def run(url: str, pid: int, total: int, levels: list[int]) -> list[dict[str, Any]]:
    limits = httpx.Limits(max_connections=max(levels), max_keepalive_connections=max(levels))
    results: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        day = (date.today() + timedelta(days=3)).isoformat()
        for _ in range(30):  # warm up connections, caches and the SQLite page cache
            await client.get(f"/api/availability/haircut/{day}")
        for level in levels:
            row = await _measure(
                client,
                lambda _i: client.get(f"/api/availability/haircut/{day}"),
                total,
                level,
                expected=200,
                server_pid=pid,
            )
            results.append({"endpoint": "GET /api/availability/{serviceId}/{date}"} | row)
        slots = await _free_slots(client, "haircut", total * len(levels))
        for position, level in enumerate(levels):
            mine = slots[position * total : (position + 1) * total]

            def book(index: int, mine: list[tuple[str, str]] = mine) -> Awaitable[httpx.Response]:
                scheduled_date, scheduled_time = mine[index]
                return client.post(
                    "/api/bookings",
                    json={
                        "serviceId": "haircut",
                        "scheduledDate": scheduled_date,
                        "scheduledTime": scheduled_time,
                        "customerDetails": {
                            "name": "Bench Mark",
                            "email": "bench@example.com",
                            "phone": "+27123456789",
                        },
                    },
                )

            row = await _measure(client, book, total, level, expected=201, server_pid=pid)
            results.append({"endpoint": "POST /api/bookings"} | row)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per level")
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels, e.g. 1,8,32")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{folder}/benchmark.db"
        process, url = _start_server(database_url)
        try:
            results = asyncio.run(run(url, process.pid, args.requests, levels))
        finally:
            process.terminate()
            process.wait(timeout=10)
    at_target = {
        row["endpoint"]: row for row in results if row["concurrency"] == TARGET_CONCURRENCY
    }
    targets = {
        "availability_p95_ms_at_32": TARGET_P95_MS["availability"],
        "booking_p95_ms_at_32": TARGET_P95_MS["booking"],
    }
    met = None
    if len(at_target) == 2:
        met = (
            at_target["GET /api/availability/{serviceId}/{date}"]["p95_ms"]
            <= TARGET_P95_MS["availability"]
            and at_target["POST /api/bookings"]["p95_ms"] <= TARGET_P95_MS["booking"]
        )
    print(
        json.dumps(
            {
                "benchmark": "reference_app",
                "database": database_url.split(":", 1)[0],
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average_at_end": os.getloadavg()[0],
                "results": results,
                "targets": targets,
                "targets_met": met,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
