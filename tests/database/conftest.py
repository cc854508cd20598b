"""Fixtures of the database tests: a prepared reference database (SQLite, and PostgreSQL when
DEPLOYGATE_TEST_POSTGRES_URL is set, in a database of its own)."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from database_support import POSTGRES_URL, prepare
from scratch_postgres import scratch_database


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'reference.db'}"
    prepare(url)
    return url


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of our own on the test server (other tests share it), dropped afterwards."""
    with scratch_database("deploygate_db") as url:
        yield url


@pytest.fixture(scope="session")
def password_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster that demands a password (scram-sha-256), for a real
    authentication failure: the shared test server trusts every local connection."""
    if not POSTGRES_URL:
        pytest.skip("DEPLOYGATE_TEST_POSTGRES_URL is not set")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("initdb/pg_ctl not found: cannot start a password-protected PostgreSQL")
    as_owner: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="deploygate-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
        os.chown(workdir, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, password = workdir / "data", secrets.token_urlsafe(12)
    pwfile = workdir / "pw"
    pwfile.write_text(password)
    if as_owner:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1"
    commands = [
        [initdb, "-D", str(data), "-U", "app", "--auth=scram-sha-256", f"--pwfile={pwfile}",
         "--no-sync", "--no-instructions"],
        [pg_ctl, "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start"],
    ]  # fmt: skip
    try:
        for command in commands:
            subprocess.run([*as_owner, *command], check=True, capture_output=True, timeout=60)
        yield f"postgresql+psycopg://app:{password}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_owner, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
