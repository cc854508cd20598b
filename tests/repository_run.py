"""Runs this repository's hosted suites in a fresh interpreter, as a user would: the repo's
rootdir, ini and environments.toml, with every report written under the pytester folder, so
nothing a test run produces lands in the repository's reports/."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def suite_path(*names: str) -> list[str]:
    """Absolute paths of ``suites/<name>`` folders (the run's cwd is the pytester folder)."""
    return [str(REPO / "pytest_deploygate" / "suites" / name) for name in names]


def run_repository(pytester: pytest.Pytester, *args: str, timeout: float = 240) -> pytest.RunResult:
    """``pytest <args>`` against the repository's suites, in a subprocess."""
    return pytester.runpytest_subprocess(
        f"--rootdir={REPO}",
        "-c",
        str(REPO / "pyproject.toml"),
        "-p",
        "no:cacheprovider",
        f"--environments-file={REPO / 'environments.toml'}",
        f"--reports-dir={pytester.path}",
        # Reports (and failure artifacts beside them) go to the test's folder.
        f"--html={pytester.path / 'report.html'}",
        "--self-contained-html",
        *args,
        timeout=timeout,
    )
