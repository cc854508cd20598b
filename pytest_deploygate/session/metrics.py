"""The metrics transport: a per-process buffer drained onto each test report.

Entries are plain JSON-able dicts carried in ``report.user_properties`` as one
``("deploygate_metrics", [entry, ...])`` pair, so they travel from xdist workers to the
controller with the report itself (see ARCHITECTURE.md).
"""

from __future__ import annotations

import threading
from typing import Any

USER_PROPERTY = "deploygate_metrics"

Entry = dict[str, Any]

_lock = threading.Lock()
_buffer: list[Entry] = []


def record_metric(name: str, value: float) -> None:
    """Record one measurement (e.g. ``record_metric("page.load_ms", 812.3)``) for the gates."""
    number = float(value)
    _append({"kind": "metric", "name": str(name), "value": number})


def record_http(method: str, url_path: str, status: int, ms: float) -> None:
    """Record one HTTP exchange; ``status`` 0 means no response (connection error, timeout)."""
    _append({"kind": "http", "method": method, "url_path": url_path, "status": status, "ms": ms})


def drain() -> list[Entry]:
    """Everything recorded since the last drain, oldest first."""
    global _buffer
    with _lock:
        entries, _buffer = _buffer, []
    return entries


def entries_of(user_properties: Any) -> list[Entry]:
    """The metric entries carried by one report's user_properties."""
    return [entry for name, value in user_properties if name == USER_PROPERTY for entry in value]


def _append(entry: Entry) -> None:
    with _lock:
        _buffer.append(entry)
