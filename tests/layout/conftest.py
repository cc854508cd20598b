"""Fixtures of the layout tests: an empty project folder with only an environments.toml."""

from __future__ import annotations

import pytest


@pytest.fixture
def bare_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A folder holding only environments.toml (a remote environment nobody listens on), with
    the hosted suites collected as a user gets them (no --no-hosted-suites)."""
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.path.joinpath("environments.toml").write_text(
        '[environments.qa]\nbase_url = "http://127.0.0.1:9"\n'
    )
    return pytester
