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
    every report written under the pytester folder (nothing in the repository)."""
    monkeypatch.setenv("REFERENCE_APP_FAULTS", faults)
    return pytester.run(
        sys.executable,
        "-m",
        "pytest",
        f"--rootdir={REPO}",
        f"--env={env}",
        f"--environments-file={environments or REPO / 'environments.toml'}",
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
