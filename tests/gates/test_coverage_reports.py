"""Coverage readers on real coverage.py output: LCOV, Cobertura XML and JSON must agree."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pytest_deploygate.gates.coverage_reports import (
    CoverageReportError,
    merge,
    read_coverage_report,
)

SAMPLE = """
def classify(n):
    if n > 0:
        return "positive"
    if n < 0:
        return "negative"
    return "zero"


def never_called():
    return 1


class Basket:
    def __init__(self):
        self.items = []

    def add(self, item):
        for existing in self.items:
            if existing == item:
                return False
        self.items.append(item)
        return True

    def clear(self):
        self.items = []
"""

DRIVER = """
from sample import shop
shop.classify(3)
basket = shop.Basket()
basket.add("a")
basket.add("a")
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run coverage.py (with branches) on a small package and write all three formats."""
    root = tmp_path_factory.mktemp("covsample")
    (root / "sample").mkdir()
    (root / "sample" / "__init__.py").write_text("")
    (root / "sample" / "shop.py").write_text(textwrap.dedent(SAMPLE))
    (root / "driver.py").write_text(DRIVER)

    def coverage(*args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "coverage", *args], cwd=root, check=True, capture_output=True
        )

    coverage("run", "--branch", "--source=sample", "driver.py")
    coverage("lcov", "-o", "cov.lcov")
    coverage("xml", "-o", "cov.xml")
    coverage("json", "-o", "cov.json")
    return {fmt: root / f"cov.{fmt}" for fmt in ("lcov", "xml", "json")}


def test_the_three_formats_agree_where_they_overlap(reports: dict[str, Path]) -> None:
    lcov = read_coverage_report(reports["lcov"])
    cobertura = read_coverage_report(reports["xml"])
    json_ = read_coverage_report(reports["json"])
    assert (lcov.format, cobertura.format, json_.format) == (
        "lcov",
        "cobertura",
        "coverage.py json",
    )
    # Lines and branches: all three carry them.
    assert lcov.counts["lines"] == cobertura.counts["lines"] == json_.counts["lines"]
    assert lcov.counts["branches"] == cobertura.counts["branches"] == json_.counts["branches"]
    # Functions: LCOV and coverage.py JSON carry them; coverage.py's Cobertura has no methods.
    assert lcov.counts["functions"] == json_.counts["functions"]
    assert "functions" not in cobertura.counts
    assert cobertura.percent("functions") is None


def test_the_counts_are_what_the_sample_run_covered(reports: dict[str, Path]) -> None:
    summary = read_coverage_report(reports["lcov"])
    # classify, never_called, __init__, add, clear: never_called and clear did not run.
    assert (summary.counts["functions"].hit, summary.counts["functions"].found) == (3, 5)
    lines = summary.counts["lines"]
    assert 0 < lines.hit < lines.found
    branches = summary.counts["branches"]
    assert 0 < branches.hit < branches.found


def test_merging_sums_counts_not_percentages(reports: dict[str, Path]) -> None:
    one = read_coverage_report(reports["lcov"])
    both = merge([one, read_coverage_report(reports["xml"])])
    assert both.counts["lines"].found == 2 * one.counts["lines"].found
    assert both.percent("lines") == pytest.approx(one.percent("lines"))
    # Functions come only from the LCOV half.
    assert both.counts["functions"] == one.counts["functions"]


def test_lcov_without_summary_lines_is_counted_from_details(tmp_path: Path) -> None:
    path = tmp_path / "bare.info"
    path.write_text(
        "SF:a.js\nDA:1,1\nDA:2,0\nFNDA:0,f\nFNDA:2,g\nBRDA:1,0,0,1\nBRDA:1,0,1,-\nend_of_record\n"
    )
    summary = read_coverage_report(path)
    assert summary.percent("lines") == 50.0
    assert summary.percent("functions") == 50.0
    assert summary.percent("branches") == 50.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hello world\n", "not an LCOV, Cobertura XML or coverage.py JSON report"),
        ('{"results": []}', "without coverage.py's 'totals'"),
        ("<report/>", "not Cobertura's <coverage>"),
        ("<coverage", "malformed report"),
        ("SF:a\nLF:x\nend_of_record\n", "malformed report"),
    ],
)
def test_unknown_or_broken_report_is_one_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "input.cov"
    path.write_text(content)
    with pytest.raises(CoverageReportError) as info:
        read_coverage_report(path)
    assert str(info.value).startswith(f"--coverage-report {path}: ")
    assert message in str(info.value)


def test_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CoverageReportError, match="cannot read it"):
        read_coverage_report(tmp_path / "nope.xml")
