"""What a running Locust process has done so far, from its ``<name>_stats_history.csv``.

Locust appends the aggregated row every second and flushes the file every five, so the view
lags by up to five seconds: enough to tell a slow run from a hung one.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Snapshot:
    """The aggregated statistics of a run so far."""

    users: int
    rps: float
    p95_ms: float
    requests: int
    failures: int

    @property
    def error_rate(self) -> float:
        return 100.0 * self.failures / self.requests if self.requests else 0.0


def history_path(csv_prefix: Path) -> Path:
    return csv_prefix.with_name(csv_prefix.name + "_stats_history.csv")


def latest(history: Path) -> Snapshot | None:
    """The newest aggregated row, or None before the first flush (or on a partial line)."""
    try:
        with history.open(encoding="utf-8", newline="") as handle:
            rows = [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]
    except (OSError, csv.Error):
        return None
    for row in reversed(rows):
        try:
            return Snapshot(
                users=int(row["User Count"]),
                rps=float(row["Requests/s"]),
                p95_ms=_number(row.get("95%", "")),
                requests=int(row["Total Request Count"]),
                failures=int(row["Total Failure Count"]),
            )
        except (KeyError, ValueError):
            continue  # a row cut off by the flush
    return None


def describe(label: str, target_users: int, snapshot: Snapshot | None, left_s: float) -> str:
    """One progress line: ``load: 8/10 users, 143.2 req/s, p95 45 ms, 0.00 % errors, 12 s left``."""
    left = f"{max(0, math.ceil(left_s))} s left"
    # Locust writes a row before its first user spawns: nothing to show yet.
    if snapshot is None or (snapshot.users == 0 and snapshot.requests == 0):
        return f"{label}: starting {target_users} users, {left}"
    p95 = "-" if math.isnan(snapshot.p95_ms) else f"{snapshot.p95_ms:g} ms"
    return (
        f"{label}: {snapshot.users}/{target_users} users, {snapshot.rps:.1f} req/s, "
        f"p95 {p95}, {snapshot.error_rate:.2f} % errors, {snapshot.requests} requests, {left}"
    )


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan  # "N/A" before the first response
