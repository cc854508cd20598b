"""Shared configuration of the project's own tests."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _inner_sessions_name_their_tests(request: pytest.FixtureRequest) -> None:
    # An inner session with --env and no paths would also collect the hosted suites; the
    # project's tests run exactly the files they write (tests/suites runs the hosted ones).
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")  # first: it clears PYTEST_ADDOPTS when it starts
        request.getfixturevalue("monkeypatch").setenv("PYTEST_ADDOPTS", "--no-hosted-suites")
