"""Readers for vulnerability reports: pip-audit JSON, npm audit JSON (v2) and OSV JSON.

Findings are counted by severity (critical, high, medium, low, unknown). pip-audit carries no
severity, so its findings are counted as ``unknown`` and shown so, never silently as low.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "unknown")
# npm's "moderate" is everyone else's medium; its "info" carries no risk rating, so it is low.
_ALIASES = {"moderate": "medium", "info": "low", "important": "high", "none": "low"}


class VulnReportError(ValueError):
    """A vulnerability report is unreadable or in a format none of the readers knows."""


@dataclass(frozen=True)
class Finding:
    """One vulnerability in one package."""

    package: str
    id: str
    severity: str


@dataclass(frozen=True)
class VulnSummary:
    """The findings of one or more reports and which formats they came in."""

    formats: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default=())

    def counts(self) -> dict[str, int]:
        counter = Counter(finding.severity for finding in self.findings)
        return {severity: counter.get(severity, 0) for severity in SEVERITIES}


def read_vuln_report(path: Path) -> VulnSummary:
    """Read one report, recognising its format from its shape."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise VulnReportError(f"--vuln-report {path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise VulnReportError(f"--vuln-report {path}: not JSON ({exc})") from None
    try:
        if isinstance(document, dict) and document.get("auditReportVersion") == 2:
            return VulnSummary(("npm audit",), tuple(_npm(document)))
        if isinstance(document, dict) and "dependencies" in document:
            return VulnSummary(("pip-audit",), tuple(_pip_audit(document["dependencies"])))
        if isinstance(document, list) and all(
            isinstance(item, dict) and "vulns" in item for item in document
        ):  # pip-audit before 2.0 wrote the dependency list alone
            return VulnSummary(("pip-audit",), tuple(_pip_audit(document)))
        if isinstance(document, dict) and "results" in document:
            return VulnSummary(("osv-scanner",), tuple(_osv_scanner(document["results"])))
        records = _osv_records(document)
        if records is not None:
            return VulnSummary(("osv",), tuple(records))
    except (KeyError, TypeError, AttributeError) as exc:
        raise VulnReportError(f"--vuln-report {path}: malformed report (missing {exc})") from None
    raise VulnReportError(
        f"--vuln-report {path}: not a pip-audit JSON (`pip-audit -f json`), npm audit JSON v2 "
        "(`npm audit --json`, npm 7+) or OSV JSON (`osv-scanner --format json`) report"
    )


def merge(summaries: Iterable[VulnSummary]) -> VulnSummary:
    """All findings of several reports; the same id in the same package counts once."""
    formats: list[str] = []
    unique: dict[tuple[str, str], Finding] = {}
    for summary in summaries:
        formats.extend(summary.formats)
        for finding in summary.findings:
            unique.setdefault((finding.package, finding.id), finding)
    return VulnSummary(tuple(formats), tuple(unique.values()))


def normalise_severity(raw: object) -> str:
    """Map a severity label or a CVSS base score to one of ``SEVERITIES``."""
    if isinstance(raw, (int, float)) or (isinstance(raw, str) and _is_number(raw)):
        score = float(raw)
        if score >= 9.0:
            return "critical"
        if score >= 7.0:
            return "high"
        if score >= 4.0:
            return "medium"
        return "low"
    if isinstance(raw, str) and raw.strip():
        label = raw.strip().lower()
        label = _ALIASES.get(label, label)
        return label if label in SEVERITIES else "unknown"
    return "unknown"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _pip_audit(dependencies: Iterable[Mapping[str, Any]]) -> Iterable[Finding]:
    for dependency in dependencies:
        for vuln in dependency.get("vulns", ()):
            yield Finding(str(dependency["name"]), str(vuln["id"]), "unknown")


def _npm(document: Mapping[str, Any]) -> Iterable[Finding]:
    # One finding per vulnerable package, as npm's own metadata totals count them.
    for name, entry in document.get("vulnerabilities", {}).items():
        yield Finding(str(name), f"npm:{name}", normalise_severity(entry.get("severity")))


def _osv_severity(record: Mapping[str, Any]) -> str:
    database = record.get("database_specific") or {}
    if isinstance(database, Mapping) and database.get("severity"):
        return normalise_severity(database["severity"])
    for affected in record.get("affected", ()):
        ecosystem = affected.get("ecosystem_specific") or {}
        if isinstance(ecosystem, Mapping) and ecosystem.get("severity"):
            return normalise_severity(ecosystem["severity"])
    return "unknown"


def _osv_scanner(results: Iterable[Mapping[str, Any]]) -> Iterable[Finding]:
    for result in results:
        for package in result.get("packages", ()):
            name = str(package["package"]["name"])
            records = {str(vuln["id"]): vuln for vuln in package.get("vulnerabilities", ())}
            groups = package.get("groups") or [{"ids": [key]} for key in records]
            # A group is one issue under several aliases (GHSA + PYSEC + CVE): count it once.
            for group in groups:
                ids = [str(i) for i in group.get("ids", ())]
                if not ids:
                    continue
                severity = normalise_severity(group.get("max_severity"))
                if severity == "unknown" or not group.get("max_severity"):
                    known = [_osv_severity(records[i]) for i in ids if i in records]
                    severity = next((s for s in SEVERITIES if s in known), "unknown")
                yield Finding(name, ids[0], severity)


def _osv_records(document: Any) -> list[Finding] | None:
    if isinstance(document, dict) and isinstance(document.get("vulns"), list):
        records = document["vulns"]
    elif isinstance(document, dict) and "id" in document and "affected" in document:
        records = [document]
    elif isinstance(document, list) and all(
        isinstance(item, dict) and "id" in item for item in document
    ):
        records = document
    else:
        return None
    findings: list[Finding] = []
    for record in records:
        packages = [
            str(affected.get("package", {}).get("name", "?"))
            for affected in record.get("affected", ())
        ] or ["?"]
        findings.extend(
            Finding(name, str(record["id"]), _osv_severity(record)) for name in packages
        )
    return findings
