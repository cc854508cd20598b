"""Helpers for the gate engine's pytester sessions (a uniquely named module, importable)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import inner_session
import pytest

# pytest-playwright keeps global state that a nested in-process session trips over.

#: A test module that records the given entries through the real metrics transport.
RECORDING_TEST = """
import json
from pytest_deploygate.session import metrics

ENTRIES = json.loads({entries!r})


def test_measures(request):
    for entry in ENTRIES:
        if entry["kind"] == "metric":
            metrics.record_metric(entry["name"], entry["value"])
        elif entry["kind"] == "http":
            metrics.record_http(entry["method"], entry["url_path"], entry["status"], entry["ms"])
        else:  # e.g. the OpenAPI operations a worker ships (a set: repeats are harmless)
            metrics.record_entry(entry)
"""


def toml_table(name: str, values: Mapping[str, str]) -> str:
    return f"[{name}]\n" + "".join(f'"{key}" = "{value}"\n' for key, value in values.items())


def write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """A gate-engine session against staging, with no reachability check (nothing listens)."""
    return inner_session.run(pytester, "--env=staging", "--no-preflight", *args)


def gates_json(pytester: pytest.Pytester) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (pytester.path / "reports" / "gates.json").read_text(encoding="utf-8")
    )
    return document


def http(path: str, ms: float, status: int = 200, method: str = "GET") -> dict[str, Any]:
    return {"kind": "http", "method": method, "url_path": path, "status": status, "ms": ms}


def metric(name: str, value: float) -> dict[str, Any]:
    return {"kind": "metric", "name": name, "value": value}
