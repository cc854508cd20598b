"""Helpers of the database tests: preparing a reference database, running the suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pytest_deploygate.reference.db import Database
from pytest_deploygate.reference.seed import seed
from pytest_deploygate.reference.settings import Settings

POSTGRES_URL = os.environ.get("DEPLOYGATE_TEST_POSTGRES_URL", "")
REPO = Path(__file__).resolve().parents[2]

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="DEPLOYGATE_TEST_POSTGRES_URL is not set"
)


def prepare(url: str, *faults: str) -> None:
    """Create and seed the reference platform's schema at ``url``, as the platform does."""
    settings = Settings(database_url=url, faults=frozenset(faults))
    database = Database(settings)
    try:
        database.create_schema(stale=settings.has("stale-schema"))
        with database.write() as connection:
            seed(connection, settings)
    finally:
        database.dispose()


def query_gate(pytester: pytest.Pytester, threshold: str) -> Path:
    """The repository's environments file with the db.query_p95_ms gate set to ``threshold``:
    the latency check applies that gate per query, and its verdict is this machine's speed,
    which a test must not depend on (an unreachable "< 60000"), or a fault's ("< 1")."""
    text = (REPO / "environments.toml").read_text(encoding="utf-8")
    repository_gate = '"db.query_p95_ms" = "< 100"'
    assert repository_gate in text, "environments.toml: the db.query_p95_ms gate moved"
    path = pytester.path / "environments.toml"
    path.write_text(text.replace(repository_gate, f'"db.query_p95_ms" = "{threshold}"'))
    return path


def run_suite(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    faults: str = "",
    env: str = "local",
    environments: Path | None = None,
    run_first: tuple[str, ...] = (),
) -> pytest.RunResult:
    """``pytest --env=<env> suites/database`` in a subprocess, with the gate engine on and
    every report written under the pytester folder (nothing in the repository). The
    repository's environments by default, with a latency gate no machine's speed breaches."""
    monkeypatch.setenv("REFERENCE_APP_FAULTS", faults)
    environments = environments or query_gate(pytester, "< 60000")
    return pytester.run(
        sys.executable,
        "-m",
        "pytest",
        f"--rootdir={REPO}",
        f"--env={env}",
        f"--environments-file={environments}",
        "-p",
        "pytest_deploygate.gates.plugin",
        "-p",
        "no:cacheprovider",
        # The suite needs none of these; each costs seconds of start-up per session.
        *("-p", "no:playwright", "-p", "no:locust", "-p", "no:schemathesis"),
        *("-p", "no:hypothesispytest", "-p", "no:anyio"),
        f"--reports-dir={pytester.path}",
        f"--html={pytester.path / 'report.html'}",
        *run_first,  # test files that run before the suite (pytest keeps the order of paths)
        os.fspath(REPO / "pytest_deploygate" / "suites" / "database"),
        *args,
        timeout=120,
    )
