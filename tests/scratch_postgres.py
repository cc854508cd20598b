"""A scratch database on the test PostgreSQL server (DEPLOYGATE_TEST_POSTGRES_URL), dropped
afterwards: the one way the project's tests get a database of their own there."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get("DEPLOYGATE_TEST_POSTGRES_URL", "")


@contextlib.contextmanager
def scratch_database(prefix: str, password: str | None = None) -> Iterator[str]:
    """The URL of a new database named ``<prefix>_<hex>``; skips without a test server (an
    error under CI=true, see tests/conftest.py). ``password`` goes into the URL only."""
    if not POSTGRES_URL:
        pytest.skip("DEPLOYGATE_TEST_POSTGRES_URL is not set")
    name = f"{prefix}_{secrets.token_hex(5)}"
    server = sa.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = server.set(database=name)
        if password is not None:
            url = url.set(password=password)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
