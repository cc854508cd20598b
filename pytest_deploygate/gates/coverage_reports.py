"""Readers for code-coverage reports: LCOV, Cobertura XML and coverage.py JSON.

Each reader returns the same counts (found/hit for lines, functions and branches; ``None``
where a format does not carry a kind), so several reports, e.g. a frontend LCOV file and a
backend Cobertura file, merge by summing counts rather than averaging percentages.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = ("lines", "functions", "branches")


class CoverageReportError(ValueError):
    """A coverage report is unreadable or in a format none of the readers knows."""


@dataclass(frozen=True)
class Counts:
    """Covered and total items of one kind."""

    hit: int
    found: int


@dataclass(frozen=True)
class CoverageSummary:
    """What one or more reports say: counts per kind (absent when no report carries it)."""

    format: str
    counts: dict[str, Counts]

    def percent(self, kind: str) -> float | None:
        counts = self.counts.get(kind)
        if counts is None or counts.found == 0:
            return None
        return 100.0 * counts.hit / counts.found


def read_coverage_report(path: Path) -> CoverageSummary:
    """Read one report, recognising its format from its content."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CoverageReportError(f"--coverage-report {path}: cannot read it ({exc})") from None
    stripped = text.lstrip()
    try:
        if stripped.startswith("<"):
            return _read_cobertura(path, stripped)
        if stripped.startswith("{"):
            return _read_coverage_json(path, json.loads(stripped))
        if "end_of_record" in text or stripped.startswith(("TN:", "SF:")):
            return _read_lcov(text)
    except (ET.ParseError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CoverageReportError(f"--coverage-report {path}: malformed report ({exc})") from None
    raise CoverageReportError(
        f"--coverage-report {path}: not an LCOV, Cobertura XML or coverage.py JSON report; "
        "produce one with `coverage lcov`, `coverage xml` or `coverage json`"
    )


def merge(summaries: Iterable[CoverageSummary]) -> CoverageSummary:
    """Sum the counts of several reports, kind by kind."""
    formats: list[str] = []
    counts: dict[str, Counts] = {}
    for summary in summaries:
        formats.append(summary.format)
        for kind, item in summary.counts.items():
            before = counts.get(kind, Counts(0, 0))
            counts[kind] = Counts(before.hit + item.hit, before.found + item.found)
    return CoverageSummary("+".join(formats), counts)


def _read_lcov(text: str) -> CoverageSummary:
    totals = {kind: [0, 0] for kind in KINDS}
    seen: set[str] = set()
    record: dict[str, int] = {}
    detail = {kind: [0, 0] for kind in KINDS}
    summary_keys = {
        "LH": ("lines", 0),
        "LF": ("lines", 1),
        "FNH": ("functions", 0),
        "FNF": ("functions", 1),
        "BRH": ("branches", 0),
        "BRF": ("branches", 1),
    }
    for raw_line in text.splitlines():
        key, _, value = raw_line.strip().partition(":")
        if key in summary_keys:
            record[key] = int(value)
        elif key == "DA":
            detail["lines"][1] += 1
            detail["lines"][0] += int(value.split(",")[1]) > 0
        elif key == "FNDA":
            detail["functions"][1] += 1
            detail["functions"][0] += int(value.split(",")[0]) > 0
        elif key == "BRDA":
            taken = value.split(",")[3]
            detail["branches"][1] += 1
            detail["branches"][0] += taken not in ("-", "0")
        elif key == "end_of_record":
            # A record's LF/LH... summary wins; producers that omit it get counted from details.
            for name, (kind, index) in summary_keys.items():
                if name in record:
                    totals[kind][index] += record[name]
                    seen.add(kind)
            for kind in KINDS:
                if not any(name in record for name, (k, _) in summary_keys.items() if k == kind):
                    totals[kind][0] += detail[kind][0]
                    totals[kind][1] += detail[kind][1]
                    if detail[kind][1]:
                        seen.add(kind)
            record = {}
            detail = {kind: [0, 0] for kind in KINDS}
    return CoverageSummary("lcov", {kind: Counts(*totals[kind]) for kind in KINDS if kind in seen})


def _read_cobertura(path: Path, text: str) -> CoverageSummary:
    root = ET.fromstring(text)
    if root.tag != "coverage":
        raise CoverageReportError(
            f"--coverage-report {path}: XML root is <{root.tag}>, not Cobertura's <coverage>"
        )
    counts: dict[str, Counts] = {}
    lines = root.findall(".//class/lines/line")
    if "lines-valid" in root.attrib:
        counts["lines"] = Counts(int(root.attrib["lines-covered"]), int(root.attrib["lines-valid"]))
    elif lines:
        counts["lines"] = Counts(sum(int(line.get("hits", "0")) > 0 for line in lines), len(lines))
    if "branches-valid" in root.attrib:
        counts["branches"] = Counts(
            int(root.attrib["branches-covered"]), int(root.attrib["branches-valid"])
        )
    methods = root.findall(".//methods/method")
    if methods:
        hit = sum(
            any(int(line.get("hits", "0")) > 0 for line in method.iter("line"))
            for method in methods
        )
        counts["functions"] = Counts(hit, len(methods))
    return CoverageSummary("cobertura", counts)


def _read_coverage_json(path: Path, document: Any) -> CoverageSummary:
    if not (isinstance(document, dict) and "totals" in document and "files" in document):
        raise CoverageReportError(
            f"--coverage-report {path}: JSON without coverage.py's 'totals' and 'files'; "
            "produce it with `coverage json`"
        )
    totals = document["totals"]
    counts = {"lines": Counts(int(totals["covered_lines"]), int(totals["num_statements"]))}
    if "num_branches" in totals:
        counts["branches"] = Counts(int(totals["covered_branches"]), int(totals["num_branches"]))
    functions = [
        region
        for data in document["files"].values()
        for name, region in data.get("functions", {}).items()
        if name  # "" is the module-level code outside any function
    ]
    if functions:
        hit = sum(bool(region["executed_lines"]) for region in functions)
        counts["functions"] = Counts(hit, len(functions))
    return CoverageSummary("coverage.py json", counts)
