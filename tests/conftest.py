"""Shared configuration of the project's own tests."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import httpcore  # noqa: F401 - see below
import pytest

pytest_plugins = ["pytester"]
# httpx imports httpcore lazily and caches its exception map on first use. Were httpcore first
# imported inside an in-process pytester session, pytester would drop it from sys.modules after
# that session; the next import makes new exception classes the cached map does not know, and a
# refused connection escapes as httpcore.ConnectError instead of httpx.ConnectError: a test's
# result would depend on which tests ran before it. Imported here, it is imported once.


@pytest.fixture(autouse=True)
def _inner_sessions_name_their_tests(request: pytest.FixtureRequest) -> None:
    # An inner session with --env and no paths would also collect the hosted suites; the
    # project's tests run exactly the files they write (tests/suites runs the hosted ones).
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")  # first: it clears PYTEST_ADDOPTS when it starts
        request.getfixturevalue("monkeypatch").setenv("PYTEST_ADDOPTS", "--no-hosted-suites")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole test: bound but never listening,
    so nothing else can take it (a port bound and released could be reused by then)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


# Skip reasons that mean a real part of the test setup is missing, not that a test does not
# apply. Locally they skip; under CI=true (.ci/run sets it) they are errors, so a CI run without
# Chromium, PostgreSQL or a Pushgateway cannot go green having skipped whole fault matrices.
REAL_PARTS = (
    "Chromium",
    "chromium",
    "DEPLOYGATE_TEST_POSTGRES_URL",
    "initdb/pg_ctl",
    "postgres user",
    "prometheus-pushgateway",
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if report.skipped and in_ci() and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if any(part in reason for part in REAL_PARTS):
            report.outcome = "failed"
            report.longrepr = f"CI=true and a real part is missing (an error, not a skip): {reason}"
    return report
