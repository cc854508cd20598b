"""Vulnerability readers: pip-audit, npm audit v2 and OSV, counted by severity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_deploygate.gates.vuln_reports import (
    VulnReportError,
    merge,
    normalise_severity,
    read_vuln_report,
)

PIP_AUDIT = {
    "dependencies": [
        {
            "name": "jinja2",
            "version": "3.1.2",
            "vulns": [
                {
                    "id": "GHSA-h5c8-rqwp-cp95",
                    "fix_versions": ["3.1.3"],
                    "aliases": ["CVE-2024-22195"],
                    "description": "xss",
                }
            ],
        },
        {
            "name": "urllib3",
            "version": "1.26.0",
            "vulns": [
                {
                    "id": "PYSEC-2021-108",
                    "fix_versions": ["1.26.5"],
                    "aliases": [],
                    "description": "",
                },
                {
                    "id": "PYSEC-2023-192",
                    "fix_versions": ["1.26.17"],
                    "aliases": [],
                    "description": "",
                },
            ],
        },
        {"name": "requests", "version": "2.32.0", "vulns": []},
        {"name": "local-pkg", "skip_reason": "not on PyPI"},
    ],
    "fixes": [],
}

NPM_AUDIT = {
    "auditReportVersion": 2,
    "vulnerabilities": {
        "lodash": {"name": "lodash", "severity": "critical", "isDirect": True, "via": []},
        "minimist": {"name": "minimist", "severity": "high", "isDirect": False, "via": []},
        "semver": {"name": "semver", "severity": "moderate", "isDirect": False, "via": []},
        "tiny": {"name": "tiny", "severity": "info", "isDirect": False, "via": []},
    },
    "metadata": {
        "vulnerabilities": {
            "info": 1,
            "low": 0,
            "moderate": 1,
            "high": 1,
            "critical": 1,
            "total": 4,
        }
    },
}

OSV_SCANNER = {
    "results": [
        {
            "source": {"path": "requirements.txt", "type": "lockfile"},
            "packages": [
                {
                    "package": {"name": "django", "version": "3.2.0", "ecosystem": "PyPI"},
                    "vulnerabilities": [
                        {
                            "id": "GHSA-aaaa",
                            "aliases": ["PYSEC-1"],
                            "database_specific": {"severity": "HIGH"},
                        },
                        {"id": "PYSEC-1", "aliases": ["GHSA-aaaa"]},
                        {"id": "GHSA-bbbb", "database_specific": {"severity": "CRITICAL"}},
                        {"id": "OSV-nosev"},
                    ],
                    "groups": [
                        {"ids": ["GHSA-aaaa", "PYSEC-1"], "max_severity": "7.5"},
                        {"ids": ["GHSA-bbbb"], "max_severity": ""},
                        {"ids": ["OSV-nosev"]},
                    ],
                }
            ],
        }
    ]
}

OSV_RECORDS = {
    "vulns": [
        {
            "id": "GHSA-cccc",
            "affected": [{"package": {"name": "flask"}}],
            "database_specific": {"severity": "MODERATE"},
        },
        {
            "id": "GO-2024-1",
            "affected": [{"package": {"name": "x/net"}, "ecosystem_specific": {"severity": "LOW"}}],
        },
    ]
}


def write(tmp_path: Path, document: Any, name: str = "report.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_pip_audit_findings_have_no_severity_and_count_as_unknown(tmp_path: Path) -> None:
    summary = read_vuln_report(write(tmp_path, PIP_AUDIT))
    assert summary.formats == ("pip-audit",)
    assert summary.counts() == {"critical": 0, "high": 0, "medium": 0, "low": 0, "unknown": 3}


def test_old_pip_audit_list_format(tmp_path: Path) -> None:
    summary = read_vuln_report(write(tmp_path, PIP_AUDIT["dependencies"][:3]))
    assert summary.counts()["unknown"] == 3


def test_npm_audit_v2_counts_match_its_own_metadata(tmp_path: Path) -> None:
    counts = read_vuln_report(write(tmp_path, NPM_AUDIT)).counts()
    assert counts == {"critical": 1, "high": 1, "medium": 1, "low": 1, "unknown": 0}
    assert sum(counts.values()) == NPM_AUDIT["metadata"]["vulnerabilities"]["total"]


def test_osv_scanner_counts_each_alias_group_once(tmp_path: Path) -> None:
    summary = read_vuln_report(write(tmp_path, OSV_SCANNER))
    assert summary.formats == ("osv-scanner",)
    assert summary.counts() == {"critical": 1, "high": 1, "medium": 0, "low": 0, "unknown": 1}


def test_osv_records(tmp_path: Path) -> None:
    summary = read_vuln_report(write(tmp_path, OSV_RECORDS))
    assert summary.counts() == {"critical": 0, "high": 0, "medium": 1, "low": 1, "unknown": 0}
    single = read_vuln_report(write(tmp_path, OSV_RECORDS["vulns"][0], "one.json"))
    assert single.counts()["medium"] == 1


def test_merge_counts_the_same_finding_once(tmp_path: Path) -> None:
    one = read_vuln_report(write(tmp_path, NPM_AUDIT))
    assert merge([one, one]).counts() == one.counts()


@pytest.mark.parametrize(
    ("raw", "severity"),
    [
        ("CRITICAL", "critical"),
        ("moderate", "medium"),
        ("9.8", "critical"),
        (7.0, "high"),
        ("4.3", "medium"),
        ("0.1", "low"),
        ("", "unknown"),
        (None, "unknown"),
        ("weird", "unknown"),
    ],
)
def test_normalise_severity(raw: object, severity: str) -> None:
    assert normalise_severity(raw) == severity


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"hello": 1}', "not a pip-audit JSON"),
        ('{"auditReportVersion": 1, "advisories": {}}', "npm audit JSON v2"),
        ('{"dependencies": [{"vulns": [{"id": "x"}]}]}', "malformed report"),
    ],
)
def test_unknown_or_broken_report_is_one_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "scan.json"
    path.write_text(content)
    with pytest.raises(VulnReportError) as info:
        read_vuln_report(path)
    assert str(info.value).startswith(f"--vuln-report {path}: ")
    assert message in str(info.value)
