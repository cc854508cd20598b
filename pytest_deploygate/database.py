"""Database checks of an environment, from the seed's health check (a query, healthy under
1000 ms), migration validation (tables, columns, schema version) and rollback verification
(queries that must return rows), plus query latency for the ``db.query_p95_ms`` gate.

Every connection is made read-only before its first statement (``PRAGMA query_only`` on SQLite,
``SET TRANSACTION READ ONLY`` elsewhere), so the checks are safe on production.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pytest_deploygate.config.environments import DeployGateConfigError, Environment, read_document

LATEST = "latest"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

Value = str | int | float | bool


@dataclass(frozen=True)
class Verification:
    """A verification query: it must return ``rows`` rows (or at least ``min_rows``), and its
    first column of the first row must equal ``value`` when one is given."""

    name: str
    query: str
    min_rows: int = 1
    rows: int | None = None
    value: Value | None = None


# The reference booking platform's contract (environments.toml repeats it; override there).
DEFAULT_TABLES: Mapping[str, tuple[str, ...]] = {
    table: tuple(columns.split())
    for table, columns in {
        "schema_migrations": "version applied_at",
        "users": "id email name password_hash role",
        "services": "id name description duration_minutes price_cents currency",
        "employees": "id name role working_hours",
        "employee_services": "employee_id service_id",
        "bookings": "id reference service_id employee_id scheduled_date scheduled_time "
        "duration_minutes customer_name customer_email customer_phone notes status "
        "payment_status owner_id created_at",
        "slot_claims": "employee_id slot_date slot_time booking_id",
        "payments": "id booking_id amount_cents currency status card_last4 idempotency_key "
        "request_fingerprint response_status response_body created_at",
    }.items()
}


# Known schema versions of the reference platform, oldest first ("latest" is the last).
DEFAULT_VERSIONS = ("2025.01.0", "2026.11.1")

# The seed's rollback verification: key data present and consistent.
DEFAULT_VERIFY = (
    Verification("services_published", "SELECT id FROM services"),
    Verification("admin_account", "SELECT id FROM users WHERE role = 'admin'"),
    Verification(
        "bookings_have_services",
        "SELECT count(*) FROM bookings b LEFT JOIN services s ON s.id = b.service_id "
        "WHERE s.id IS NULL",
        value=0,
    ),
    Verification(
        "active_bookings_hold_their_slot",
        "SELECT count(*) FROM bookings b WHERE b.status <> 'cancelled' "
        "AND NOT EXISTS (SELECT 1 FROM slot_claims c WHERE c.booking_id = b.id)",
        value=0,
    ),
)

# Representative reads of the booking flow, timed for the db.query_p95_ms gate.
DEFAULT_LATENCY: Mapping[str, str] = {
    "services": "SELECT id, name, duration_minutes, price_cents, currency FROM services",
    "claims_of_a_day": "SELECT employee_id, slot_time FROM slot_claims "
    "WHERE slot_date = CURRENT_DATE",
    "booking_by_reference": "SELECT id, status FROM bookings WHERE reference = 'BK00000000'",
}


@dataclass(frozen=True)
class DatabaseContract:
    """What the database of a deployed platform must look like (``[platform.database]``);
    the defaults are the reference platform's."""

    tables: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: DEFAULT_TABLES, repr=False
    )
    # The seed's getCurrentSchemaVersion: the newest row of schema_migrations.
    version_query: str = "SELECT version FROM schema_migrations ORDER BY applied_at DESC LIMIT 1"
    versions: tuple[str, ...] = DEFAULT_VERSIONS
    expected_version: str = LATEST
    verify: tuple[Verification, ...] = field(default=DEFAULT_VERIFY, repr=False)
    latency: Mapping[str, str] = field(default_factory=lambda: DEFAULT_LATENCY, repr=False)
    latency_samples: int = 20
    healthy_ms: float = 1000.0

    @property
    def wanted_version(self) -> str | None:
        """The version the database must be at: the configured one, or the latest known."""
        if self.expected_version != LATEST:
            return self.expected_version
        return self.versions[-1] if self.versions else None


def contract_from(
    config: Mapping[str, Any], where: str = "[platform.database]"
) -> DatabaseContract:
    """A contract from the merged ``[platform.database]`` table; unset keys keep the defaults.

    Raises DeployGateConfigError naming the key when a value has the wrong shape (the schema
    checks types; this checks what it cannot: list items, verification expectations).
    """
    base = DatabaseContract()
    tables = config.get("tables", base.tables)
    for table, columns in tables.items():
        _strings(columns, where, f"tables.{table}", "a list of column names")
    versions = _strings(
        config.get("versions", base.versions), where, "versions", "a list of versions"
    )
    checks = list(base.verify) if "verify" not in config else []
    for name, spec in config.get("verify", {}).items():
        if "query" not in spec:
            raise DeployGateConfigError(f'{where} verify.{name}: needs query = "SELECT ..."')
        checks.append(Verification(name, **spec))
    samples = config.get("latency_samples", base.latency_samples)
    if samples < 1:
        raise DeployGateConfigError(f"{where} latency_samples: must be at least 1, not {samples}")
    expected = config.get("expected_version", base.expected_version)
    if expected == LATEST and not versions:
        raise DeployGateConfigError(
            f'{where} expected_version = "latest" needs versions = [..., "newest"]'
        )
    return DatabaseContract(
        tables={table: tuple(columns) for table, columns in tables.items()},
        version_query=config.get("version_query", base.version_query),
        versions=tuple(versions),
        expected_version=expected,
        verify=tuple(checks),
        latency=dict(config.get("latency", base.latency)),
        latency_samples=samples,
        healthy_ms=float(config.get("healthy_ms", base.healthy_ms)),
    )


def _strings(value: Any, where: str, key: str, what: str) -> list[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(i, str) for i in value):
        raise DeployGateConfigError(f"{where} {key}: must be {what}, not {value!r}")
    return list(value)


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
    wanted_rows = check.rows if check.rows is not None else check.min_rows
    try:
        with read_only(engine) as connection:
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


def _url_variables(env: Environment) -> list[str]:
    try:
        raw = read_document(env.source).get("environments", {}).get(env.name, {})
    except DeployGateConfigError:
        return []
    url = raw.get("database", {}).get("url", "")
    return _VARIABLE.findall(url) if isinstance(url, str) else []


def contract_of(env: Environment) -> DatabaseContract:
    """The environment's database contract: ``[platform.database]`` merged with its override."""
    config: Mapping[str, Any] = getattr(env.platform, "database", {})
    return contract_from(config, f"{env.source.name}: [platform.database]")
