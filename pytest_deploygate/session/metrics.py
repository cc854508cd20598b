"""The metrics transport: a per-process buffer drained onto each test report.

What a test measured travels on its report in one attribute, ``report.deploygate`` (a dict of
plain JSON-able values: ``metrics``, a list of entries; ``suites``; ``policy``). pytest-xdist
serialises a report's whole ``__dict__``, so it reaches the controller with the report itself,
and a user's ``--junitxml`` (which writes ``user_properties``) stays clean.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

#: The report attribute deploygate's data rides on.
REPORT_ATTRIBUTE = "deploygate"

Entry = dict[str, Any]

_lock = threading.Lock()
_buffer: list[Entry] = []


class UnknownMetricError(ValueError):
    """record_metric got a name the gate catalogue does not know (it would be lost)."""


def record_metric(name: str, value: float) -> None:
    """Record one measurement (e.g. ``record_metric("page.load_ms", 812.3)``) for the gates.

    ``name`` is one of the catalogue's recorded metrics, or ``custom.<name>`` for a metric of
    your own that a ``[gates]`` entry of the same name can judge; anything else raises
    UnknownMetricError rather than vanish.
    """
    # Imported here: the gates package imports this module (its pooling reads reports).
    from pytest_deploygate.gates.catalog import is_recordable, recordable_names

    if not is_recordable(str(name)):
        raise UnknownMetricError(
            f"record_metric({name!r}): not a metric of the gate catalogue, so no gate could "
            f"use it; record one of {', '.join(recordable_names())}, or custom.<name> for a "
            'metric of your own (gate it with [gates] "custom.<name>" = "< 5")'
        )
    number = float(value)
    _append({"kind": "metric", "name": str(name), "value": number})


def record_http(method: str, url_path: str, status: int, ms: float) -> None:
    """Record one HTTP exchange; ``status`` 0 means no response (connection error, timeout)."""
    _append({"kind": "http", "method": method, "url_path": url_path, "status": status, "ms": ms})


def record_entry(entry: Entry) -> None:
    """Record an entry of another kind (the plugin's own, e.g. the platform's operations)."""
    _append(dict(entry))


def drain() -> list[Entry]:
    """Everything recorded since the last drain, oldest first."""
    global _buffer
    with _lock:
        entries, _buffer = _buffer, []
    return entries


def attach(report: Any, **data: Any) -> None:
    """Add to what ``report`` carries; list values are appended to what it already has."""
    carried = dict(carried_by(report))
    for key, value in data.items():
        if isinstance(value, list) and isinstance(carried.get(key), list):
            value = [*carried[key], *value]
        carried[key] = value
    setattr(report, REPORT_ATTRIBUTE, carried)


def carried_by(report: Any) -> Mapping[str, Any]:
    """What deploygate put on a report (empty for reports of other plugins' items)."""
    data = getattr(report, REPORT_ATTRIBUTE, None)
    return data if isinstance(data, Mapping) else {}


def entries_of(report: Any) -> list[Entry]:
    """The metric entries one report carries."""
    return list(carried_by(report).get("metrics", []))


def _append(entry: Entry) -> None:
    with _lock:
        _buffer.append(entry)
