"""Fixtures of the db release tests: every test gets a reference database of its own, on
SQLite and (when DEPLOYGATE_TEST_POSTGRES_URL is set) on PostgreSQL in a scratch database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from db_release_support import Workspace, prepare_reference, require_postgres
from scratch_postgres import scratch_database


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new database on the test server (shared with other tests), dropped afterwards."""
    require_postgres()
    # A password the trusting test server ignores: it must never be printed or written.
    with scratch_database("deploygate_dbrel", password="s3cret-pw-17") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A prepared reference database, on each engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'reference.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    prepare_reference(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'reference.db'}"
    prepare_reference(url)
    return url


@pytest.fixture
def workspace(
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Workspace:
    folder = tmp_path / "project"
    folder.mkdir()
    return Workspace(folder, database_url, capsys, monkeypatch)


@pytest.fixture
def sqlite_workspace(
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Workspace:
    folder = tmp_path / "project"
    folder.mkdir()
    return Workspace(folder, sqlite_url, capsys, monkeypatch)


@pytest.fixture
def postgres_workspace(
    postgres_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Workspace:
    prepare_reference(postgres_url)
    folder = tmp_path / "project"
    folder.mkdir()
    return Workspace(folder, postgres_url, capsys, monkeypatch)
