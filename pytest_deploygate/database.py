"""Database checks of an environment, from the seed's health check (a query, healthy under
1000 ms), migration validation (tables, columns, schema version) and rollback verification
(queries that must return rows), plus query latency for the ``db.query_p95_ms`` gate.

Every connection is made read-only before its first statement (``PRAGMA query_only`` on SQLite,
``SET TRANSACTION READ ONLY`` elsewhere), so the checks are safe on production.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pytest_deploygate.config import Environment
from pytest_deploygate.config.contract import LATEST, DatabaseContract, Value, Verification


def create_engine(url: str, connect_timeout: int = 10) -> Engine:
    """An engine for an environment's database.url (what the ``db`` fixture should hand out):
    postgres:// and postgresql:// go to psycopg 3 (the driver installed with the plugin), and
    connecting gives up after ``connect_timeout`` seconds instead of hanging the run."""
    parsed = sa.make_url(url)
    connect_args: dict[str, Any] = {}
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = connect_timeout
    elif parsed.get_backend_name() == "sqlite":
        connect_args["timeout"] = connect_timeout  # waiting for a writer's lock
    return sa.create_engine(parsed, connect_args=connect_args)


class DatabaseUnreachable(Exception):
    """The database cannot be reached; the message is one masked line naming key and fix."""


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A connection that refuses writes, rolled back and reset when done."""
    _require_sqlite_file(engine)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA query_only = ON")
        else:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        try:
            yield connection
        finally:
            connection.rollback()
            if sqlite:  # the pooled connection goes back writable for other tests
                connection.exec_driver_sql("PRAGMA query_only = OFF")
                connection.rollback()


def _require_sqlite_file(engine: Engine) -> None:
    # Connecting to a missing SQLite file would create an empty one: a write, and a false
    # "reachable". Missing is unreachable.
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = url.database.removeprefix("file:").split("?")[0]
        if not Path(path).exists():
            raise FileNotFoundError(f"database file {path} does not exist")


def ping_ms(engine: Engine) -> float:
    """Milliseconds to connect and run ``SELECT 1`` (the seed's health check query)."""
    started = time.perf_counter()
    with read_only(engine) as connection:
        connection.execute(sa.text("SELECT 1")).scalar_one()
    return (time.perf_counter() - started) * 1000


def connect(engine: Engine, env: Environment) -> float:
    """Ping once; the latency, or DatabaseUnreachable with one masked line."""
    try:
        return ping_ms(engine)
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the finding
        raise DatabaseUnreachable(unreachable_message(env, engine, exc)) from None


def missing_schema(engine: Engine, tables: Mapping[str, Sequence[str]]) -> list[str]:
    """Expected tables (``"tenants (table)"``) and columns (``"bookings.notes"``) not there."""
    with read_only(engine) as connection:
        return missing_schema_in(connection, tables)


def missing_schema_in(connection: Connection, tables: Mapping[str, Sequence[str]]) -> list[str]:
    """``missing_schema`` on an open connection (which may be inside a migration transaction)."""
    inspector = sa.inspect(connection)
    present = set(inspector.get_table_names())
    missing = []
    for table, columns in tables.items():
        if table not in present:
            missing.append(f"{table} (table)")
            continue
        found = {column["name"] for column in inspector.get_columns(table)}
        missing.extend(f"{table}.{column}" for column in columns if column not in found)
    return missing


class QueryFailed(Exception):
    """A configured query failed in the database; the message names it and the reason."""


def schema_version(engine: Engine, query: str) -> str | None:
    """The version the version query reports (first column of the first row), or None."""
    try:
        with read_only(engine) as connection:
            return schema_version_in(connection, query)
    except sa.exc.DBAPIError as exc:  # connecting failed
        raise QueryFailed(f"the schema version query failed: {reason_of(exc)} ({query})") from None


def schema_version_in(connection: Connection, query: str) -> str | None:
    """``schema_version`` on an open connection."""
    try:
        row = connection.execute(sa.text(query)).first()
    except sa.exc.DBAPIError as exc:
        raise QueryFailed(f"the schema version query failed: {reason_of(exc)} ({query})") from None
    return None if row is None or row[0] is None else str(row[0])


def version_problem(contract: DatabaseContract, version: str | None) -> str | None:
    """Why ``version`` is not the deployed one, or None when it is."""
    wanted = contract.wanted_version
    if version is None:
        return f"the schema version query returned no version: {contract.version_query}"
    if wanted is None:
        return "no expected schema version: set [platform.database] expected_version or versions"
    if version == wanted:
        return None
    how = (
        "the latest of [platform.database] versions"
        if contract.expected_version == LATEST
        else "[platform.database] expected_version"
    )
    known = contract.versions
    history = ""
    if version in known and wanted in known:
        older = known.index(version) < known.index(wanted)
        history = (
            "; older: a migration was not applied, or was rolled back"
            if older
            else ("; newer than expected: update expected_version")
        )
    elif known and version not in known:
        history = f"; not a known version ({', '.join(known)})"
    return f"schema version is {version}, expected {wanted} ({how}){history}"


def verification_problem(engine: Engine, check: Verification) -> str | None:
    """Why a verification query fails its expectation, or None when it holds."""
    try:
        with read_only(engine) as connection:
            return verification_problem_in(connection, check)
    except sa.exc.DBAPIError as exc:  # connecting failed
        return f"{check.name}: the query failed: {reason_of(exc)} ({check.query})"


def verification_problem_in(connection: Connection, check: Verification) -> str | None:
    """``verification_problem`` on an open connection."""
    wanted_rows = check.rows if check.rows is not None else check.min_rows
    try:
        result = connection.execute(sa.text(check.query))
        rows = result.fetchmany(wanted_rows + 1) if result.returns_rows else []
    except sa.exc.DBAPIError as exc:
        return f"{check.name}: the query failed: {reason_of(exc)} ({check.query})"
    count = f"more than {wanted_rows}" if len(rows) > wanted_rows else str(len(rows))
    if check.rows is not None and len(rows) != check.rows:
        return f"{check.name}: returned {count} rows, expected {check.rows} ({check.query})"
    if len(rows) < check.min_rows:
        return (
            f"{check.name}: returned {count} rows, expected at least {check.min_rows} "
            f"({check.query})"
        )
    if check.value is not None:
        got = rows[0][0] if rows else None
        if not _same(got, check.value):
            return f"{check.name}: returned {got!r}, expected {check.value!r} ({check.query})"
    return None


def _same(got: Any, expected: Value) -> bool:
    if isinstance(expected, bool):
        return got is not None and bool(got) is expected
    if isinstance(expected, (int, float)):
        return isinstance(got, (int, float, Decimal)) and float(got) == float(expected)
    return got is not None and str(got) == expected


def sample_latency(engine: Engine, query: str, samples: int) -> list[float]:
    """Milliseconds to execute and fetch ``query``, ``samples`` times on one connection."""
    timings = []
    try:
        with read_only(engine) as connection:
            statement = sa.text(query)
            for _ in range(samples):
                started = time.perf_counter()
                connection.execute(statement).fetchall()
                timings.append((time.perf_counter() - started) * 1000)
    except sa.exc.DBAPIError as exc:
        raise QueryFailed(f"the latency query failed: {reason_of(exc)} ({query})") from None
    return timings


def masked_url(url: sa.URL | str) -> str:
    """The URL with its password shown as ``***`` (the rest stays readable for the fix)."""
    return sa.make_url(url).render_as_string(hide_password=True)


def reason_of(exc: BaseException) -> str:
    """The driver's own words, on one line: ``password authentication failed for user "app"``."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    if not lines:
        return type(original).__name__
    fatal = [line for line in lines if "FATAL:" in line]
    line = fatal[-1] if fatal else lines[0]
    line = line.rsplit("FATAL:", 1)[-1]
    # psycopg: 'connection to server at "h", port 1 failed: Connection refused'
    return line.rsplit(" failed: ", 1)[-1].strip()


def unreachable_message(env: Environment, engine: Engine, exc: BaseException) -> str:
    """One line: file, environment, key, masked URL, the driver's reason and the fix."""
    url = masked_url(engine.url)
    where = f"{env.source.name}: [environments.{env.name}] database.url"
    variables = _url_variables(env)
    if variables:
        fix = "check " + " and ".join(variables)
    elif env.is_local:
        where += f" (the database of the launched {env.launch})"
        fix = "check that the platform's database is up"
    else:
        fix = f"check database.url in [environments.{env.name}] and that the database is up"
    line = f"{where}: could not connect to {url}: {reason_of(exc)}; {fix}"
    return env.masker()(line)


def _url_variables(env: Environment) -> tuple[str, ...]:
    return env.variables_of("database.url")


def contract_of(env: Environment) -> DatabaseContract:
    """The environment's database contract (``[platform.database]``, checked at load time)."""
    return env.platform.database
