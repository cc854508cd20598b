"""Helpers of the db release tests: a reference database of the test's own, an environments
file pointing at it, migrations written on the fly, and ``deploygate`` run through main()."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pytest_deploygate.cli import main
from pytest_deploygate.database import create_engine
from pytest_deploygate.reference.db import Database, bookings, slot_claims
from pytest_deploygate.reference.seed import seed
from pytest_deploygate.reference.settings import Settings

POSTGRES_URL = os.environ.get("DEPLOYGATE_TEST_POSTGRES_URL", "")
BASE_VERSIONS = ["2025.01.0", "2026.11.1"]

# Portable between SQLite and PostgreSQL: the seed's multi-tenant migration, and a second one.
TENANTS = """\
-- Tenants: every booking belongs to one.
CREATE TABLE tenants (id INTEGER PRIMARY KEY, name VARCHAR(120) NOT NULL);
INSERT INTO tenants (id, name) VALUES (1, 'default');
ALTER TABLE bookings ADD COLUMN tenant_id INTEGER;
UPDATE bookings SET tenant_id = 1;
"""
TENANTS_DOWN = """\
-- deploygate: data-impact = minimal
-- deploygate: description = drop tenants
-- deploygate: verify = SELECT count(*) FROM bookings
ALTER TABLE bookings DROP COLUMN tenant_id;
DROP TABLE tenants;
"""
REVIEWS = """\
CREATE TABLE reviews (id INTEGER PRIMARY KEY, booking_id VARCHAR(36) NOT NULL, stars INTEGER);
"""
REVIEWS_DOWN = """\
-- deploygate: data-impact = moderate
DROP TABLE reviews;
"""


def require_postgres() -> str:
    """The test server's URL; skip without one, but fail under CI (issue 18: a missing real
    part is an error there, not a silent skip)."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI is set but DEPLOYGATE_TEST_POSTGRES_URL is not: PostgreSQL tests")
        pytest.skip("DEPLOYGATE_TEST_POSTGRES_URL is not set")
    return POSTGRES_URL


def prepare_reference(url: str, *faults: str, bookings_count: int = 25) -> None:
    """The reference platform's schema and seed data at ``url``, plus some bookings."""
    settings = Settings(database_url=url, faults=frozenset(faults))
    database = Database(settings)
    try:
        database.create_schema(stale=settings.has("stale-schema"))
        with database.write() as connection:
            seed(connection, settings)
            add_bookings(connection, bookings_count)
    finally:
        database.dispose()


def add_bookings(connection: sa.Connection, count: int, start: int = 0) -> None:
    """``count`` confirmed bookings, each holding its slot (as the platform's contract wants)."""
    rows, claims = [], []
    first_day = date(2027, 1, 4)
    for n in range(start, start + count):
        booking_id = str(uuid.UUID(int=n + 1))
        day = first_day + timedelta(days=n // 32)
        time = f"{8 + (n % 32) // 4:02d}:{(n % 4) * 15:02d}"
        rows.append(
            {
                "id": booking_id,
                "reference": f"BK{n:08d}",
                "service_id": "haircut",
                "employee_id": "thandi",
                "scheduled_date": day,
                "scheduled_time": time,
                "duration_minutes": 15,
                "customer_name": f"Customer {n}",
                "customer_email": f"customer{n}@example.test",
                "customer_phone": "+27 21 555 0100",
                "status": "confirmed",
                "payment_status": "pending",
                "owner_id": None,
                "created_at": datetime(2027, 1, 1, tzinfo=UTC),
            }
        )
        claims.append(
            {"employee_id": "thandi", "slot_date": day, "slot_time": time, "booking_id": booking_id}
        )
    if rows:
        connection.execute(bookings.insert(), rows)
        connection.execute(slot_claims.insert(), claims)


@dataclass
class Outcome:
    status: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Workspace:
    """A folder with environments.toml (staging; production, sensitive) and migrations/."""

    path: Path
    url: str
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    versions: list[str] = field(default_factory=lambda: list(BASE_VERSIONS))
    database: dict[str, Any] = field(default_factory=dict)
    platform: str = ""  # more lines of [platform.database]

    def __post_init__(self) -> None:
        self.migrations.mkdir(exist_ok=True)
        # Interpolated, so it is a secret: the tests check it never appears in full.
        self.monkeypatch.setenv("DEPLOYGATE_TEST_DB_URL", self.url)
        self.write_environments()

    @property
    def engine_name(self) -> str:
        return sa.make_url(self.url).get_backend_name()

    @property
    def migrations(self) -> Path:
        return self.path / "migrations"

    @property
    def backups(self) -> Path:
        return self.path / "backups"

    def write_environments(self, versions: list[str] | None = None) -> None:
        listed = ", ".join(f'"{v}"' for v in (versions or self.versions))
        extra = "".join(f"database.{key} = {value!r}\n" for key, value in self.database.items())
        text = (
            f"[platform.database]\nversions = [{listed}]\n{self.platform}\n"
            '[environments.staging]\nbase_url = "http://127.0.0.1:9"\n'
            'database.url = "${DEPLOYGATE_TEST_DB_URL}"\n' + extra + "\n"
            '[environments.production]\nsensitive = true\nbase_url = "http://127.0.0.1:9"\n'
            'database.url = "${DEPLOYGATE_TEST_DB_URL}"\n' + extra
        )
        (self.path / "environments.toml").write_text(text.replace("'", '"'), encoding="utf-8")

    def configure(self, **settings: Any) -> None:
        """Set keys of [environments.X.database] (max_transaction_seconds = 0, ...)."""
        self.database.update(settings)
        self.write_environments()

    def migration(self, name: str, sql: str) -> Path:
        """Write migrations/<name>; an up file's version joins the contract's versions."""
        path = self.migrations / name
        path.write_text(sql, encoding="utf-8")
        version = name.split("_", 1)[0]
        if not name.endswith(".down.sql") and version not in self.versions:
            self.versions.append(version)
            self.write_environments()
        return path

    def deploygate(self, *args: str, env: str = "staging") -> Outcome:
        """``deploygate db ARGS --env ENV`` through main(), in this folder."""
        self.monkeypatch.chdir(self.path)
        self.capsys.readouterr()
        status = main(["db", *args, "--env", env])
        captured = self.capsys.readouterr()
        outcome = Outcome(status, captured.out, captured.err)
        assert self.url not in outcome.text  # the interpolated URL is a secret
        password = sa.make_url(self.url).password
        assert not password or password not in outcome.text
        return outcome

    def version(self) -> str | None:
        return self.scalar("SELECT version FROM schema_migrations ORDER BY applied_at DESC LIMIT 1")

    def scalar(self, sql: str) -> Any:
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.exec_driver_sql(sql).scalar()
        finally:
            engine.dispose()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.exec_driver_sql(sql)]
        finally:
            engine.dispose()

    def shape(self) -> dict[str, list[str]]:
        """Every table and its columns: what a rehearsal must leave as it found it."""
        engine = create_engine(self.url)
        try:
            inspector = sa.inspect(engine)
            return {
                table: [column["name"] for column in inspector.get_columns(table)]
                for table in sorted(inspector.get_table_names())
            }
        finally:
            engine.dispose()
