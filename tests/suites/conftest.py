"""Fixtures for the suites' fault-matrix tests (helpers live in security_api_support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from security_api_support import JWT_SECRET, Tamper, TamperedPlatform

from pytest_deploygate.reference import LiveServer, Settings, create_app


@pytest.fixture(scope="module")
def tampered_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TamperedPlatform]:
    """The clean reference platform behind a Tamper, on loopback, one per test module."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('platform') / 'reference.db'}"
    settings = Settings(database_url=database_url, jwt_secret=JWT_SECRET)
    tamper = Tamper(create_app(settings))
    with LiveServer(tamper) as server:
        yield TamperedPlatform(server.url, tamper, database_url)
