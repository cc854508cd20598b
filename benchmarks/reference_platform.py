"""Throughput and latency of the reference platform's hottest endpoints; prints one JSON document.

The server runs in its own process (`python -m pytest_deploygate.reference`, uvicorn + uvloop,
SQLite in WAL mode unless --database-url says otherwise); this process is the load generator.
Each level is a closed loop: `concurrency` virtual users, each on its own keep-alive connection,
send the next request as soon as the previous answer is in. The generator speaks HTTP/1.1 on
asyncio streams itself: httpx's connection pool costs ~3 ms of CPU per request at 32
connections, more than the server, so it measured itself (the client CPU per request is reported
to keep this honest).

    .venv/bin/python benchmarks/reference_platform.py [--requests 2000] [--levels 1,8,32]
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
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

TARGET_P95_MS = {"availability": 100.0, "booking": 200.0}
TARGET_CONCURRENCY = 32
WARM_UP_PER_CONNECTION = 5  # unmeasured requests per connection before each level
# Services with distinct employees, so their bookings never contend for the same slots.
BOOKED_SERVICES = ("haircut", "massage", "manicure")
AVAILABILITY = "GET /api/availability/{serviceId}/{date}"
BOOKINGS = "POST /api/bookings"


class HttpConnection:
    """One keep-alive HTTP/1.1 connection carrying one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        host, port = writer.get_extra_info("peername")[:2]
        self.host = f"{host}:{port}"

    @classmethod
    async def open(cls, host: str, port: int) -> HttpConnection:
        return cls(*await asyncio.open_connection(host, port))

    async def request(self, method: str, path: str, body: bytes | None = None) -> int:
        """Send one request, read the whole answer, return its status."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: application/json\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        lines = (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:  # the platform always sends Content-Length for JSON
            raise RuntimeError(f"{method} {path}: answer without Content-Length: {lines[0]!r}")
        await self.reader.readexactly(length)
        return int(lines[0].split(b" ", 2)[1])

    def close(self) -> None:
        self.writer.close()


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
            "pytest_deploygate.reference",
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


Request = Callable[[HttpConnection, int], Any]  # (connection, index) -> awaitable status


async def _measure(
    connections: list[HttpConnection],
    send: Request,
    total: int,
    expected: int,
    server_pid: int,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))

    async def virtual_user(connection: HttpConnection) -> None:
        nonlocal errors
        for index in counter:
            started = time.perf_counter()
            status = await send(connection, index)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += status != expected

    cpu_before = _cpu_seconds(server_pid)
    client_cpu_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(virtual_user(c) for c in connections))
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu_before
    cpu_used = _cpu_seconds(server_pid) - cpu_before
    return {
        "concurrency": len(connections),
        "requests": total,
        "errors": errors,
        "rps": round(total / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "server_cpu_ms_per_request": round(cpu_used / total * 1000, 2),
        "client_cpu_ms_per_request": round(client_cpu / total * 1000, 2),
    }


def _free_slots(url: str, needed: int) -> list[tuple[str, str, str]]:
    """(service, date, time) of `needed` free slots that do not overlap one another, spread
    over services with their own staff (start times are 30 minutes apart, services longer)."""
    slots: list[tuple[str, str, str]] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for service in BOOKED_SERVICES:
            day = date.today() + timedelta(days=1)
            for _ in range(365):
                body = client.get(f"/api/availability/{service}/{day}").json()
                free_from = 0
                for slot in body["slots"]:
                    hours, minutes = map(int, slot["time"].split(":"))
                    if hours * 60 + minutes >= free_from:
                        slots.append((service, day.isoformat(), slot["time"]))
                        free_from = hours * 60 + minutes + body["durationMinutes"]
                day += timedelta(days=1)
                if len(slots) >= needed:
                    return slots[:needed]
    raise SystemExit(f"only {len(slots)} free slots in a year; lower --requests")


def _booking_body(service: str, scheduled_date: str, scheduled_time: str) -> bytes:
    return json.dumps(
        {
            "serviceId": service,
            "scheduledDate": scheduled_date,
            "scheduledTime": scheduled_time,
            "customerDetails": {
                "name": "Bench Mark",
                "email": "bench@example.com",
                "phone": "+27123456789",
            },
        }
    ).encode()


async def _connect(url: str, count: int) -> list[HttpConnection]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return [await HttpConnection.open(host, int(port)) for _ in range(count)]


async def _send_all(connections: list[HttpConnection], send: Request, total: int) -> None:
    """Unmeasured requests over every connection (warm-up: sockets, caches, SQLite pages)."""
    counter = iter(range(total))

    async def virtual_user(connection: HttpConnection) -> None:
        for index in counter:
            await send(connection, index)

    await asyncio.gather(*(virtual_user(c) for c in connections))


async def _level(
    url: str, level: int, send: Request, total: int, expected: int, pid: int
) -> dict[str, Any]:
    connections = await _connect(url, level)
    try:
        await _send_all(connections, send, WARM_UP_PER_CONNECTION * level)
        return await _measure(connections, send, total, expected, pid)
    finally:
        for connection in connections:
            connection.close()


async def run(url: str, pid: int, total: int, levels: list[int]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    day = date.today() + timedelta(days=3)
    while day.weekday() >= 5:  # a working day: a weekend has no staff and no slots to compute
        day += timedelta(days=1)
    path = f"/api/availability/haircut/{day}"

    async def availability(connection: HttpConnection, _index: int) -> int:
        return await connection.request("GET", path)

    for level in levels:
        row = await _level(url, level, availability, total, 200, pid)
        results.append({"endpoint": AVAILABILITY} | row)

    # Every booking, warm-up included, takes a slot nobody else asks for: all should be 201.
    needed = sum(WARM_UP_PER_CONNECTION * level + total for level in levels)
    bodies = iter([_booking_body(*slot) for slot in _free_slots(url, needed)])

    async def booking(connection: HttpConnection, _index: int) -> int:
        return await connection.request("POST", "/api/bookings", next(bodies))

    for level in levels:
        row = await _level(url, level, booking, total, 201, pid)
        results.append({"endpoint": BOOKINGS} | row)
    return results


def _event_loop_runner() -> Callable[..., Any]:
    # The generator must stay much cheaper than the server: uvloop when it is installed.
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    run_with_uvloop: Callable[..., Any] = uvloop.run
    return run_with_uvloop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per level")
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels, e.g. 1,8,32")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    load_average_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite:///{folder}/benchmark.db"
        process, url = _start_server(database_url)
        try:
            results = _event_loop_runner()(run(url, process.pid, args.requests, levels))
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
            at_target[AVAILABILITY]["p95_ms"] <= TARGET_P95_MS["availability"]
            and at_target[BOOKINGS]["p95_ms"] <= TARGET_P95_MS["booking"]
        )
    print(
        json.dumps(
            {
                "benchmark": "reference_app",
                "database": database_url.split(":", 1)[0],
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average_at_start": load_average_at_start,
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
