"""Gate outputs: the gates.json document, the terminal table, the HTML summary, the JUnit file.

Also the rotation that keeps the previous run's HTML report when a new one takes its name.
"""

from __future__ import annotations

import html
import json
import math
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_deploygate.gates.catalog import REGRESSION_PREFIX
from pytest_deploygate.gates.evaluate import GateResult, evaluate, format_value
from pytest_deploygate.gates.expressions import Threshold, parse_threshold

FORMAT = "deploygate-gates/1"
_VERDICT_TEXT = {"pass": "PASS", "fail": "FAIL", "not measured": "not measured"}


def build_document(
    *,
    results: Sequence[GateResult],
    metrics: Mapping[str, float],
    environment: Mapping[str, str],
    run: Mapping[str, Any],
    details: Mapping[str, Any],
    mask: Callable[[str], str],
) -> dict[str, Any]:
    """The JSON-able result of a run's gates, every string passed through ``mask``.

    ``verdict`` is the whole run's (failed tests fail it: a reader of this file alone must see
    that); ``gates_verdict`` is the gates' alone, and ``verdict_reasons`` says why it failed.
    """
    breached = [result.metric for result in results if result.breached]
    tests_exit = int(run.get("tests_exit_status", 0))
    reasons = []
    if tests_exit != 0:
        reasons.append(f"tests did not pass (pytest exit status {tests_exit})")
    if breached:
        reasons.append("gates breached: " + ", ".join(breached))
    document = {
        "format": FORMAT,
        "verdict": "fail" if reasons else "pass",
        "gates_verdict": "fail" if breached else "pass",
        "verdict_reasons": reasons,
        "environment": dict(environment),
        "run": dict(run),
        "gates": [
            {
                "metric": result.metric,
                "threshold": str(result.threshold),
                "value": result.value,
                "verdict": result.verdict,
                "unit": result.unit,
                "note": result.note,
            }
            for result in results
        ],
        "metrics": {
            name: value for name, value in sorted(metrics.items()) if not math.isnan(value)
        },
        **details,
    }
    masked: dict[str, Any] = _mask_all(document, mask)
    return masked


def _mask_all(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {mask(str(key)): _mask_all(item, mask) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_all(item, mask) for item in value]
    return value


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def load_document(path: Path) -> dict[str, Any]:
    """Read a stored gates.json; ValueError with one line on anything unusable."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path}: not a deploygate gates.json (expected format {FORMAT!r})")
    return document


def reevaluate(
    document: Mapping[str, Any],
    overrides: Mapping[str, Threshold] | None = None,
    *,
    strict: bool = False,
) -> list[GateResult]:
    """Evaluate a stored document's gates again, optionally with other thresholds or strictness."""
    thresholds = {gate["metric"]: parse_threshold(gate["threshold"]) for gate in document["gates"]}
    thresholds.update(overrides or {})
    values = dict(document.get("metrics", {}))
    for gate in document["gates"]:
        if gate.get("value") is not None:
            values.setdefault(gate["metric"], gate["value"])
    notes = {gate["metric"]: gate.get("note", "") for gate in document["gates"]}
    # A run without a baseline had nothing to compare: its regression gates stay unmeasured.
    lenient = (
        [] if "baseline" in document else [m for m in thresholds if m.startswith(REGRESSION_PREFIX)]
    )
    return evaluate(thresholds, values, strict=strict, notes=notes, lenient=lenient)


def table_lines(results: Sequence[GateResult]) -> list[str]:
    """A plain-text table: metric, threshold, value, verdict (then the notes)."""
    rows = [("metric", "threshold", "value", "verdict")]
    rows += [
        (r.metric, str(r.threshold), r.value_text(), _VERDICT_TEXT[r.verdict]) for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines += [f"{r.metric}: {r.note}" for r in results if r.note]
    return lines


def summary_line(results: Sequence[GateResult]) -> str:
    failed = [r.metric for r in results if r.breached]
    unmeasured = sum(r.verdict == "not measured" for r in results)
    passed = sum(r.verdict == "pass" for r in results)
    text = f"{passed} passed, {len(failed)} breached, {unmeasured} not measured"
    return text + (f" (breached: {', '.join(failed)})" if failed else "")


def html_summary(document: Mapping[str, Any]) -> str:
    """The block placed at the top of pytest-html's summary: verdict, gates, environment, run."""
    verdict = document["verdict"]
    gates_verdict = document.get("gates_verdict", verdict)  # older documents have one verdict
    reasons = "; ".join(document.get("verdict_reasons", []))
    rows = "".join(
        f'<tr class="gate-{gate["verdict"].replace(" ", "-")}">'
        f"<td>{_e(gate['metric'])}</td><td>{_e(gate['threshold'])}</td>"
        f"<td>{_e(_value(gate))}</td><td>{_e(_VERDICT_TEXT[gate['verdict']])}</td></tr>"
        for gate in document["gates"]
    )
    notes = "".join(
        f"<li><b>{_e(gate['metric'])}</b>: {_e(gate['note'])}</li>"
        for gate in document["gates"]
        if gate.get("note")
    )
    facts = {**document.get("environment", {}), **_run_facts(document.get("run", {}))}
    facts_html = "".join(
        f"<tr><th>{_e(k)}</th><td>{_e(str(v))}</td></tr>" for k, v in facts.items()
    )

    def colour(word: str) -> str:
        return "#c0392b" if word == "fail" else "#1e8449"

    return (
        '<section id="deploygate-gates" data-verdict="' + _e(verdict) + '">'
        "<style>#deploygate-gates table{border-collapse:collapse;margin:.4em 0}"
        "#deploygate-gates td,#deploygate-gates th{border:1px solid #ccc;padding:2px 8px;"
        "text-align:left}#deploygate-gates .gate-fail{background:#f9d6d5}"
        "#deploygate-gates,#deploygate-gates td,#deploygate-gates th,#deploygate-gates h3"
        "{color:#222}#deploygate-gates .gate-not-measured td{color:#777}"
        "#deploygate-gates .gate-pass td:last-child{color:#1e8449;font-weight:bold}"
        "#deploygate-gates .gate-fail td:last-child{color:#c0392b;font-weight:bold}</style>"
        f'<h3>Run: <span style="color:{colour(verdict)}">{_e(verdict.upper())}</span>'
        + (f" ({_e(reasons)})" if reasons else "")
        + f' · Quality gates: <span style="color:{colour(gates_verdict)}">'
        f"{_e(gates_verdict.upper())}</span></h3>"
        "<table><thead><tr><th>metric</th><th>threshold</th><th>value</th><th>verdict</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + _kinds_html(document)
        + f'<table class="deploygate-run">{facts_html}</table></section>'
    )


def _kinds_html(document: Mapping[str, Any]) -> str:
    """Findings (by suite, security first), contract mismatches and passes, counted apart, with
    each finding's and each mismatch's line."""
    tally = document.get("tests", {}).get("all")
    if not tally:
        return ""
    findings = "".join(
        f"<li>[{_e(suite)}] <code>{_e(f['test'])}</code>: {_e(f['summary'])}</li>"
        for suite, failed in document.get("findings", {}).items()
        for f in failed
    )
    mismatches = "".join(
        f"<li><code>{_e(test)}</code>: {_e(reason)}</li>"
        for test, reason in document.get("contract_mismatches", {}).items()
    )
    return (
        f'<p class="deploygate-kinds">findings: {tally.get("failed", 0)}, contract mismatches: '
        f"{tally.get('mismatched', 0)}, passes: {tally.get('passed', 0)}</p>"
        + (f'<ul class="deploygate-findings">{findings}</ul>' if findings else "")
        + (f'<ul class="deploygate-mismatches">{mismatches}</ul>' if mismatches else "")
    )


def _value(gate: Mapping[str, Any]) -> str:
    value = gate.get("value")
    return "not measured" if value is None else format_value(float(value), gate.get("unit", ""))


def _run_facts(run: Mapping[str, Any]) -> dict[str, str]:
    return {f"Run {key.replace('_', ' ')}": str(value) for key, value in run.items()}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def junit_xml(results: Sequence[GateResult], suite_name: str) -> str:
    """A JUnit document with one testcase per gate (breach = failure, unmeasured = skipped)."""
    failures = sum(r.breached for r in results)
    skipped = sum(r.verdict == "not measured" for r in results)
    suite = ET.Element(
        "testsuite",
        name=suite_name,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    for result in results:
        case = ET.SubElement(
            suite, "testcase", classname=suite_name, name=f"{result.metric} {result.threshold}"
        )
        if result.breached:
            message = f"{result.metric} = {result.value_text()}, gate is {result.threshold}"
            ET.SubElement(case, "failure", message=message, type="GateBreached").text = (
                result.note or message
            )
        elif result.verdict == "not measured":
            ET.SubElement(case, "skipped", message=result.note or "not measured in this run")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def rotate(path: Path, keep: int = 20) -> Path | None:
    """Move an existing ``path`` aside as ``<stem>-<timestamp><suffix>``; keep the newest ``keep``.

    ``path`` stays the stable name of the latest run; the previous runs stay readable beside it.
    """
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(path.stat().st_mtime))
    target = path.with_name(f"{path.stem}-{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.stem}-{stamp}-{counter}{path.suffix}")
        counter += 1
    os.replace(path, target)
    rotated = sorted(
        path.parent.glob(f"{path.stem}-*{path.suffix}"), key=lambda p: p.stat().st_mtime
    )
    for old in rotated[:-keep] if keep > 0 else rotated:
        old.unlink(missing_ok=True)
    return target
