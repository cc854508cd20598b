"""LoadResult: the outcome of one Locust run, read from Locust's JSON and CSV statistics.

Resolution: Locust keeps response times in a histogram rounded by ``bucket_response_time``:
exact to the millisecond below 100 ms, to 10 ms below 1 s, to 100 ms below 10 s, then to 1 s
(about two significant digits). Percentiles are read from that histogram, so a p95 of "200 ms"
means somewhere in 195-205 ms; a gate within that distance of a measured value is decided by the
rounding. Averages and the maximum are exact.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Names under which a LoadResult is recorded as gate metrics (see gates/catalog.py).
METRIC_NAMES = (
    "load.requests",
    "load.error_rate",
    "load.rps",
    "load.avg_ms",
    "load.p50_ms",
    "load.p95_ms",
    "load.p99_ms",
)


def resolution_ms(value_ms: float) -> float:
    """Half the width of Locust's histogram bucket around ``value_ms``: its rounding error."""
    if value_ms < 100:
        return 0.5
    if value_ms < 1000:
        return 5.0
    if value_ms < 10000:
        return 50.0
    return 500.0


def percentile(histogram: Mapping[int, int], percent: float) -> int:
    """Locust's own percentile over a rounded histogram (``calculate_response_time_percentile``)."""
    total = sum(histogram.values())
    allowed_above = int(total * percent)
    processed = 0
    for response_time in sorted(histogram, reverse=True):
        processed += histogram[response_time]
        if total - processed <= allowed_above:
            return response_time
    return 0


@dataclass(frozen=True)
class EndpointStats:
    """Requests to one Locust request name (``GET services``, ``POST bookings``, …)."""

    method: str
    name: str
    requests: int
    failures: int
    avg_ms: float
    max_ms: float
    p95_ms: float


@dataclass(frozen=True)
class LoadResult:
    """Requests, failures, latency and throughput of one run (times in ms, error rate in %)."""

    users: int
    requests: int
    failures: int
    avg_ms: float
    min_ms: float
    max_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rps: float
    duration_s: float
    endpoints: tuple[EndpointStats, ...] = ()
    errors: tuple[str, ...] = ()
    html_report: Path | None = None
    artifacts: Path | None = field(default=None, compare=False)

    @property
    def error_rate(self) -> float:
        """Failed requests in percent (the seed's ``maxErrorRate`` unit)."""
        return 100.0 * self.failures / self.requests if self.requests else 0.0

    def metrics(self) -> dict[str, float]:
        """The ``load.*`` gate metrics of this run."""
        return {
            "load.requests": float(self.requests),
            "load.error_rate": round(self.error_rate, 4),
            "load.rps": round(self.rps, 2),
            "load.avg_ms": round(self.avg_ms, 1),
            "load.p50_ms": self.p50_ms,
            "load.p95_ms": self.p95_ms,
            "load.p99_ms": self.p99_ms,
        }

    def summary(self) -> str:
        return (
            f"{self.users} users, {self.requests} requests, {self.failures} failed "
            f"({self.error_rate:.2f} %), {self.rps:.1f} req/s, avg {self.avg_ms:.0f} ms, "
            f"p50 {self.p50_ms:.0f} ms, "
            f"p95 {self.p95_ms:.0f} ms (±{resolution_ms(self.p95_ms):g}), "
            f"p99 {self.p99_ms:.0f} ms, max {self.max_ms:.0f} ms"
        )


def read_result(
    json_file: Path,
    failures_csv: Path | None,
    users: int,
    duration_s: float,
    html_report: Path | None = None,
    errors_json: Path | None = None,
) -> LoadResult:
    """Read Locust's ``--json-file`` output (final, per request name) and its failures.

    The JSON is written at shutdown and is complete. The failures come from ``errors_json``
    (written at exit by the ``--dg-errors-file`` listener, complete) when it exists, else from
    the failures CSV, which Locust rewrites once a second and so may miss the last second (a
    custom locustfile that does not import our arguments module). RPS is over the run time.
    """
    entries: list[dict[str, Any]] = json.loads(json_file.read_text(encoding="utf-8"))
    pooled: Counter[int] = Counter()
    endpoints = []
    for entry in entries:
        histogram = {int(k): int(v) for k, v in entry.get("response_times", {}).items()}
        pooled.update(histogram)
        timed = entry["num_requests"] - entry.get("num_none_requests", 0)
        endpoints.append(
            EndpointStats(
                method=str(entry.get("method") or ""),
                name=str(entry["name"]),
                requests=int(entry["num_requests"]),
                failures=int(entry["num_failures"]),
                avg_ms=entry["total_response_time"] / timed if timed else 0.0,
                max_ms=float(entry["max_response_time"]),
                p95_ms=float(percentile(histogram, 0.95)),
            )
        )
    requests = sum(e.requests for e in endpoints)
    timed_total = sum(pooled.values())
    total_time = sum(float(e["total_response_time"]) for e in entries)
    mins = [
        float(e["min_response_time"]) for e in entries if e.get("min_response_time") is not None
    ]
    return LoadResult(
        users=users,
        requests=requests,
        failures=sum(e.failures for e in endpoints),
        avg_ms=total_time / timed_total if timed_total else 0.0,
        min_ms=min(mins) if mins else 0.0,
        max_ms=max((e.max_ms for e in endpoints), default=0.0),
        p50_ms=float(percentile(pooled, 0.50)),
        p95_ms=float(percentile(pooled, 0.95)),
        p99_ms=float(percentile(pooled, 0.99)),
        rps=requests / duration_s if duration_s > 0 else 0.0,
        duration_s=duration_s,
        endpoints=tuple(sorted(endpoints, key=lambda e: (e.name, e.method))),
        errors=tuple(read_errors(errors_json, failures_csv)),
        html_report=html_report,
        artifacts=json_file.parent,
    )


def read_errors(errors_json: Path | None, failures_csv: Path | None) -> Iterable[str]:
    """The final failures when the locustfile wrote them at exit, else the CSV's."""
    if errors_json is not None and errors_json.is_file():
        rows = json.loads(errors_json.read_text(encoding="utf-8"))
        return [
            f"{row['name']}: {_unwrap(str(row['error']))} (x{row['occurrences']})" for row in rows
        ]
    return read_failures(failures_csv) if failures_csv else []


def read_failures(failures_csv: Path) -> Iterable[str]:
    """One line per distinct failure: ``POST bookings: booking answered 500 (x3)``."""
    if not failures_csv.is_file():
        return []
    with failures_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [f"{row['Name']}: {_unwrap(row['Error'])} (x{row['Occurrences']})" for row in rows]


_CATCH_RESPONSE = re.compile(r"""CatchResponseError\((['"])(.*)\1\)""")


def _unwrap(error: str) -> str:
    """``CatchResponseError('booking answered 500')`` → ``booking answered 500``."""
    match = _CATCH_RESPONSE.fullmatch(error)
    return match[2] if match else error
