"""The one way the project's tests run an inner pytest session (pytester underneath).

- ``run``: pytest in the pytester folder, in-process (fast) or in a fresh interpreter
  (``subprocess=True``: Chromium, Locust and anything that must not share this process).
- ``run_repository``: this repository's hosted suites as a user runs them from the checkout
  (its rootdir, ini and environments.toml), with every report written under the pytester
  folder, so nothing a test run produces lands in the repository's reports/.

Inner sessions get ``--no-hosted-suites`` from tests/conftest.py, so they collect exactly the
files a test writes or names.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SUITES = REPO / "pytest_deploygate" / "suites"

# Plugins in-process sessions don't need: playwright's global soft-assert scope can't nest
# in-process, and the others cost seconds of start-up per session on a busy machine.
UNRELATED_PLUGINS = ("playwright", "locust", "schemathesis", "hypothesispytest", "anyio")
QUIET = tuple(arg for name in UNRELATED_PLUGINS for arg in ("-p", f"no:{name}"))


def run(
    pytester: pytest.Pytester, *args: str, subprocess: bool = False, timeout: float = 240
) -> pytest.RunResult:
    """``pytest <args>`` in the pytester folder."""
    if subprocess:
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=timeout)
    return pytester.runpytest_inprocess(
        *QUIET, "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning", *args
    )


def run_sub(pytester: pytest.Pytester, *args: str, timeout: float = 240) -> pytest.RunResult:
    """``run`` in a fresh interpreter."""
    return run(pytester, *args, subprocess=True, timeout=timeout)


def suite_path(*names: str) -> list[str]:
    """Absolute paths of hosted suite folders (the run's cwd is the pytester folder)."""
    return [str(SUITES / name) for name in names]


def run_repository(pytester: pytest.Pytester, *args: str, timeout: float = 240) -> pytest.RunResult:
    """``pytest <args>`` against the repository's suites, in a subprocess."""
    return run(
        pytester,
        f"--rootdir={REPO}",
        "-c",
        str(REPO / "pyproject.toml"),
        f"--environments-file={REPO / 'environments.toml'}",
        f"--reports-dir={pytester.path}",
        # Reports (and failure artifacts beside them) go to the test's folder.
        f"--html={pytester.path / 'report.html'}",
        "--self-contained-html",
        # Every test's outcome and message, for outcomes_of().
        f"--junitxml={pytester.path / 'outcomes.xml'}",
        *args,
        subprocess=True,
        timeout=timeout,
    )


def outcomes_of(pytester: pytest.Pytester) -> dict[str, tuple[str, str]]:
    """Each test of the last ``run_repository`` run: ``"module::name[param]"`` → (outcome,
    message), outcome one of passed/failed/error/skipped, message the failure or skip reason."""
    results: dict[str, tuple[str, str]] = {}
    for case in ET.parse(pytester.path / "outcomes.xml").iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        key = f"{module}::{case.get('name')}"
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed"}.get(child.tag, child.tag)
                # A failure's message attribute is cut after some lines; its text is whole.
                message = child.get("message", "")
                if child.tag != "skipped":
                    message = child.text or message
                break
        results[key] = (outcome, message)
    return results


def star_match(pattern: str, text: str) -> bool:
    """``*`` matches anything (newlines too); everything else is literal, brackets included
    (test ids like ``test_x[alg none]`` and messages are full of them)."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), text, re.DOTALL) is not None
