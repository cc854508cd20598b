"""PostgreSQL: ``pg_dump`` in custom format from an exported snapshot, ``pg_restore`` into a
uniquely named scratch database that is dropped afterwards, and the open-transaction check.

The backup's row counts and schema version are read in the very snapshot pg_dump dumps
(``pg_export_snapshot`` + ``pg_dump --snapshot``), so the manifest describes exactly the file,
however busy the database is. The password travels in ``PGPASSWORD``, never on a command line.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pytest_deploygate.database import (
    QueryFailed,
    create_engine,
    masked_url,
    reason_of,
    schema_version_in,
)
from pytest_deploygate.db_release.engines import libpq_target, with_database
from pytest_deploygate.db_release.errors import USAGE, ReleaseError
from pytest_deploygate.db_release.manifest import Snapshot, row_counts


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ReleaseError(
            f"{name} not found on PATH; install the PostgreSQL client tools of the server's "
            "major version (e.g. apt-get install postgresql-client)",
            USAGE,
        )
    return found


def dump(url: str, target: Path, version_query: str, timeout: float) -> Snapshot:
    """``pg_dump --format=custom`` of ``url`` into ``target``; read-only on the source."""
    pg_dump = tool("pg_dump")
    engine = create_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            snapshot = str(connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
            tables = row_counts(connection)
            dsn, env = libpq_target(url)
            _run(
                [pg_dump, "--format=custom", f"--file={target}", f"--snapshot={snapshot}",
                 "--no-password", f"--dbname={dsn}"],
                env, timeout, "pg_dump",
            )  # fmt: skip
            # Last: a failing version query aborts the transaction, and the snapshot with it.
            version, problem = _version(connection, version_query)
            connection.rollback()
    except sa.exc.DBAPIError as exc:
        raise ReleaseError(f"could not back up {masked_url(url)}: {reason_of(exc)}") from None
    finally:
        engine.dispose()
    return Snapshot(version, problem, tables, _version_of(pg_dump))


def _version(connection: Connection, query: str) -> tuple[str | None, str | None]:
    try:
        return schema_version_in(connection, query), None
    except QueryFailed as exc:
        return None, str(exc)


def restore(backup: Path, url: str, timeout: float) -> None:
    """``pg_restore`` of a custom-format dump into the (empty) database at ``url``; one
    transaction, stopping at the first error."""
    pg_restore = tool("pg_restore")
    dsn, env = libpq_target(url)
    _run(
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         "--no-password", f"--dbname={dsn}", str(backup)],
        env, timeout, "pg_restore",
    )  # fmt: skip


class ScratchDatabase:
    """A database created for one restore drill; ``cleanup_problem`` says if it could not be
    dropped (with the statement to drop it by hand)."""

    def __init__(self, server_url: str) -> None:
        self.name = f"deploygate_restore_{secrets.token_hex(6)}"
        self.url = with_database(server_url, self.name)
        self.cleanup_problem: str | None = None


@contextmanager
def scratch_database(server_url: str) -> Iterator[ScratchDatabase]:
    """A new, uniquely named database on the server of ``server_url``, dropped afterwards
    whatever happens in between (even when the restore into it fails)."""
    scratch = ScratchDatabase(server_url)
    admin = create_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{scratch.name}" TEMPLATE template0')
        except sa.exc.DBAPIError as exc:
            raise ReleaseError(
                f"could not create the scratch database {scratch.name} on "
                f"{masked_url(server_url)}: {reason_of(exc)}; grant CREATEDB to the user, or set "
                "database.scratch_url to a server where it may"
            ) from None
        try:
            yield scratch
        finally:
            try:
                _drop(admin, scratch.name)
            except sa.exc.DBAPIError as exc:
                scratch.cleanup_problem = (
                    f"could not drop the scratch database {scratch.name}: {reason_of(exc)}; "
                    f'drop it by hand: DROP DATABASE "{scratch.name}"'
                )
    finally:
        admin.engine.dispose()


def _drop(admin: Engine, name: str) -> None:
    try:  # FORCE (PostgreSQL 13+) also ends connections a failed check may have left
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except sa.exc.ProgrammingError:  # older servers: no FORCE
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')


@dataclass(frozen=True)
class OpenTransaction:
    pid: int
    user: str
    application: str
    state: str
    seconds: float

    def describe(self) -> str:
        application = f", application {self.application!r}" if self.application else ""
        return f"pid {self.pid} ({self.user}{application}, {self.state}, open {self.seconds:.1f} s)"


_OPEN_TRANSACTIONS = sa.text(
    "SELECT pid, usename, application_name, state, "
    "EXTRACT(EPOCH FROM clock_timestamp() - xact_start) AS seconds "
    "FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend' AND xact_start IS NOT NULL "
    "AND clock_timestamp() - xact_start > make_interval(secs => :limit) "
    "ORDER BY xact_start"
)
# Sessions of other roles show no state without pg_read_all_stats: we cannot see their age.
_HIDDEN_SESSIONS = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state IS NULL"
)


def long_transactions(url: str, limit_seconds: float) -> tuple[list[OpenTransaction], int]:
    """Transactions on the database open longer than ``limit_seconds``, oldest first, and
    the number of sessions whose transactions this role may not see."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(_OPEN_TRANSACTIONS, {"limit": limit_seconds}).all()
            hidden = int(connection.execute(_HIDDEN_SESSIONS).scalar_one())
            connection.rollback()
    except sa.exc.DBAPIError as exc:
        raise ReleaseError(
            f"could not list open transactions on {masked_url(url)}: {reason_of(exc)}"
        ) from None
    finally:
        engine.dispose()
    found = [
        OpenTransaction(int(r[0]), str(r[1] or "?"), str(r[2] or ""), str(r[3]), float(r[4]))
        for r in rows
    ]
    return found, hidden


def _run(command: list[str], env: dict[str, str], timeout: float, name: str) -> None:
    try:
        result = subprocess.run(
            command,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ReleaseError(
            f"{name} did not finish within {timeout:g} s and was stopped; raise "
            "database.command_timeout_seconds if the database is that large"
        ) from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()] or lines or ["no output"]
        raise ReleaseError(f"{name} failed (exit {result.returncode}): {errors[0]}")


def _version_of(executable: str) -> str:
    result = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return result.stdout.strip() or Path(executable).name
