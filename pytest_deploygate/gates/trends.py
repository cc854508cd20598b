"""Trends of the gate metrics over an environment's recent runs, for the HTML report.

gates.json holds one run and is overwritten, so each run also appends a line to a small
history file per environment (``<reports dir>/history/<environment>.jsonl``, the newest
``KEEP`` runs, as many as the rotated HTML reports). From it: an inline SVG sparkline per gate
metric with its threshold line, and the metrics that got worse since the last passing run.
"""

from __future__ import annotations

import contextlib
import html
import json
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_deploygate.gates.evaluate import format_value
from pytest_deploygate.gates.expressions import Threshold, parse_threshold

#: Runs kept per environment (the HTML reports keep as many).
KEEP = 20
#: The seed's regression rule: more than 5 % worse than the reference is a degradation.
WORSE_RELATIVE = 0.05
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
#: pytest exit statuses of a run that stopped early: its values are partial, not a trend point.
_STOPPED_EARLY = (2, 3, 4)


def history_path(reports_dir: Path, environment: str) -> Path:
    return reports_dir / "history" / f"{_UNSAFE.sub('_', environment)}.jsonl"


def entry_of(document: Mapping[str, Any], finished: float) -> dict[str, Any] | None:
    """One run as a history line (None for a run that stopped early: its values are partial)."""
    run = document.get("run", {})
    exit_status = run.get("tests_exit_status", 0)
    if exit_status in _STOPPED_EARLY:
        return None
    return {
        "run_id": run.get("id", ""),
        "finished": round(finished, 3),
        # A passing run: every test passed and no gate breached.
        "passed": exit_status == 0 and document.get("verdict") == "pass",
        "gates": {
            gate["metric"]: {
                "threshold": gate["threshold"],
                "value": gate.get("value"),
                "unit": gate.get("unit", ""),
            }
            for gate in document.get("gates", [])
        },
    }


def read(path: Path) -> list[dict[str, Any]]:
    """The stored runs, oldest first; an unreadable line (a crash mid-write, an edit) is skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    runs = []
    for line in lines:
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict) and isinstance(entry.get("gates"), dict):
                runs.append(entry)
    return runs


def record(path: Path, entry: Mapping[str, Any], keep: int = KEEP) -> list[dict[str, Any]]:
    """Append ``entry``, keep the newest ``keep`` runs (written atomically); the runs, oldest
    first, this one last. Raises OSError when the file cannot be written."""
    runs = [*read(path), dict(entry)][-keep:]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(run, sort_keys=True) + "\n" for run in runs)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return runs


@dataclass(frozen=True)
class Worse:
    """A gate metric that moved the wrong way since the last passing run."""

    metric: str
    before: float
    now: float
    threshold: str
    unit: str

    def text(self) -> str:
        return (
            f"{self.metric}: {format_value(self.before, self.unit)} → "
            f"{format_value(self.now, self.unit)} (gate {self.threshold})"
        )


def last_passing(runs: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The newest passing run before the last one (the current run)."""
    return next((run for run in reversed(runs[:-1]) if run.get("passed")), None)


def worse_since_last_pass(runs: Sequence[Mapping[str, Any]]) -> list[Worse]:
    """The current run's gate metrics that are worse than in the last passing run: moved toward
    or past the threshold by more than 5 % of the value (the seed's rule) and more than 5 % of
    the headroom the value had (so 0.06 ms → 0.07 ms under a 100 ms gate is noise), or breached
    since."""
    reference = last_passing(runs)
    if reference is None or not runs:
        return []
    worse = []
    for metric, gate in sorted(runs[-1]["gates"].items()):
        then = reference["gates"].get(metric, {})
        now, before = _number(gate.get("value")), _number(then.get("value"))
        if now is None or before is None:
            continue
        try:
            threshold = parse_threshold(str(gate.get("threshold", "")))
        except ValueError:
            continue
        if _worse(threshold, before, now):
            worse.append(Worse(metric, before, now, str(threshold), str(gate.get("unit", ""))))
    return worse


def _worse(threshold: Threshold, before: float, now: float) -> bool:
    if threshold.holds(before) and not threshold.holds(now):
        return True  # breached since: always worse, however small the move
    if threshold.op in ("<", "<="):
        change = now - before  # higher is worse
    elif threshold.op in (">", ">="):
        change = before - now  # lower is worse
    elif threshold.op == "==":
        change = abs(now - threshold.limit) - abs(before - threshold.limit)
    else:  # "!=": only reaching the value it must not have is worse (handled above)
        return False
    if change <= 0:
        return False
    headroom = abs(threshold.limit - before)
    return change > WORSE_RELATIVE * abs(before) and change > WORSE_RELATIVE * headroom


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


# --- the HTML -------------------------------------------------------------------------------

_WIDTH, _HEIGHT, _PAD = 160, 36, 4


def sparkline(metric: str, runs: Sequence[Mapping[str, Any]]) -> str:
    """An inline SVG of ``metric`` over ``runs`` (gaps where it was not measured), the current
    run's threshold as a dashed red line, the last point coloured by its verdict."""
    gates = [run["gates"].get(metric, {}) for run in runs]
    values = [_number(gate.get("value")) for gate in gates]
    threshold = _threshold(gates[-1].get("threshold")) if gates else None
    measured = [v for v in values if v is not None]
    span = [*measured, *([threshold.limit] if threshold else [])]
    low, high = (min(span), max(span)) if span else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    step = (_WIDTH - 2 * _PAD) / max(len(values) - 1, 1)

    def x(index: int) -> float:
        return round(_PAD + index * step, 1)

    def y(value: float) -> float:
        return round(_HEIGHT - _PAD - (value - low) / (high - low) * (_HEIGHT - 2 * _PAD), 1)

    parts = []
    if threshold is not None:
        parts.append(
            f'<line class="threshold" data-limit="{threshold.limit:g}" x1="0" x2="{_WIDTH}" '
            f'y1="{y(threshold.limit)}" y2="{y(threshold.limit)}" stroke="#c0392b" '
            'stroke-width="1" stroke-dasharray="4 3"/>'
        )
    for segment in _segments(values):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in segment)
        parts.append(
            f'<polyline class="trend" points="{points}" fill="none" stroke="#2c3e50" '
            'stroke-width="1.5"/>'
        )
    if values and values[-1] is not None:
        ok = threshold is None or threshold.holds(values[-1])
        parts.append(
            f'<circle class="current" cx="{x(len(values) - 1)}" cy="{y(values[-1])}" r="2.5" '
            f'fill="{"#1e8449" if ok else "#c0392b"}"/>'
        )
    label = (
        f"{metric} over the last {len(runs)} run(s): "
        + ", ".join("–" if v is None else f"{v:g}" for v in values)
        + (f"; threshold {threshold}" if threshold else "")
    )
    return (
        f'<svg class="deploygate-sparkline" data-metric="{_e(metric)}" role="img" '
        f'aria-label="{_e(label)}" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{_e(label)}</title>{''.join(parts)}</svg>"
    )


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive measured values (an unmeasured run breaks the line)."""
    segments: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            segments.append([])
        else:
            segments[-1].append((index, value))
    return [segment for segment in segments if segment]


def _threshold(text: Any) -> Threshold | None:
    try:
        return parse_threshold(str(text))
    except ValueError:
        return None


def html_trends(runs: Sequence[Mapping[str, Any]], environment: str) -> str:
    """The trends block under the gate summary: one row per gate metric, then the worse list."""
    if not runs:
        return ""
    current = runs[-1]["gates"]
    rows = "".join(
        f"<tr><td>{_e(metric)}</td><td>{_e(str(gate.get('threshold', '')))}</td>"
        f"<td>{_e(_shown(gate))}</td><td>{sparkline(metric, runs)}</td></tr>"
        for metric, gate in sorted(current.items())
    )
    reference = last_passing(runs)
    worse = worse_since_last_pass(runs)
    if reference is None:
        verdict = (
            f"<p>No passing run of {_e(environment)} among the last {len(runs)} to compare.</p>"
        )
    elif worse:
        items = "".join(f'<li data-metric="{_e(w.metric)}">{_e(w.text())}</li>' for w in worse)
        verdict = (
            f"<p>Worse since the last passing run ({_e(str(reference.get('run_id', '')))}):</p>"
            f'<ul id="deploygate-worse">{items}</ul>'
        )
    else:
        verdict = (
            "<p>No gate metric got worse since the last passing run "
            f"({_e(str(reference.get('run_id', '')))}).</p>"
        )
    return (
        '<section id="deploygate-trends">'
        "<style>#deploygate-trends table{border-collapse:collapse;margin:.4em 0}"
        "#deploygate-trends td,#deploygate-trends th{border:1px solid #ccc;padding:2px 8px;"
        "text-align:left;vertical-align:middle;color:#222}#deploygate-trends{color:#222}</style>"
        f"<h3>Trends: {_e(environment)}, last {len(runs)} run(s)</h3>"
        "<table><thead><tr><th>metric</th><th>threshold</th><th>this run</th>"
        "<th>oldest → this run</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>{verdict}</section>"
    )


def _shown(gate: Mapping[str, Any]) -> str:
    value = _number(gate.get("value"))
    return "not measured" if value is None else format_value(value, str(gate.get("unit", "")))


def _e(text: str) -> str:
    return html.escape(text, quote=True)
