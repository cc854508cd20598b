"""Tables, engines and schema creation (SQLite by default, PostgreSQL through psycopg 3)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from starlette.concurrency import run_in_threadpool

from .settings import SCHEMA_VERSION, Settings

STALE_SCHEMA_VERSION = "2025.01.0"

T = TypeVar("T")

# How long SQLite work on the event loop may wait for a lock before it moves to a thread.
LOOP_BUSY_TIMEOUT_MS = 50

# Set while a write job runs on the event loop: write() then uses the impatient engine.
_on_event_loop: ContextVar[bool] = ContextVar("_on_event_loop", default=False)

metadata = sa.MetaData()

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
)

services = sa.Table(
    "services",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("price_cents", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
)

employees = sa.Table(
    "employees",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("role", sa.String(120), nullable=False),
    # {"monday": ["09:00", "17:00"], ...}; a missing day is a day off.
    sa.Column("working_hours", sa.JSON, nullable=False),
)

employee_services = sa.Table(
    "employee_services",
    metadata,
    sa.Column("employee_id", sa.ForeignKey("employees.id"), primary_key=True),
    sa.Column("service_id", sa.ForeignKey("services.id"), primary_key=True),
)

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("service_id", sa.ForeignKey("services.id"), nullable=False),
    sa.Column("employee_id", sa.ForeignKey("employees.id"), nullable=False),
    sa.Column("scheduled_date", sa.Date, nullable=False),
    sa.Column("scheduled_time", sa.String(5), nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("customer_name", sa.String(120), nullable=False),
    sa.Column("customer_email", sa.String(254), nullable=False),
    sa.Column("customer_phone", sa.String(32), nullable=False),
    sa.Column("notes", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("payment_status", sa.String(16), nullable=False),
    sa.Column("owner_id", sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# The guard against double booking: one row per employee per 15-minute cell an active booking
# occupies. The primary key makes a second claim of a cell fail inside the database, whatever
# the number of processes or threads; cancelling a booking deletes its claims.
slot_claims = sa.Table(
    "slot_claims",
    metadata,
    sa.Column("employee_id", sa.ForeignKey("employees.id"), primary_key=True),
    sa.Column("slot_date", sa.Date, primary_key=True),
    sa.Column("slot_time", sa.String(5), primary_key=True),
    sa.Column("booking_id", sa.ForeignKey("bookings.id"), nullable=False, index=True),
    # A day's claims (the schedule of a day) by date alone: the primary key leads with employee.
    sa.Index("ix_slot_claims_slot_date", "slot_date"),
)

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("booking_id", sa.ForeignKey("bookings.id"), nullable=False, index=True),
    sa.Column("amount_cents", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("card_last4", sa.String(4), nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=True, unique=True),
    sa.Column("request_fingerprint", sa.String(64), nullable=False),
    sa.Column("response_status", sa.Integer, nullable=False),
    sa.Column("response_body", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def _is_lock_wait(exc: sa.exc.OperationalError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF  # the primary code of extended ones
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached (or the database-down fault is on)."""


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def now() -> datetime:
    return datetime.now(UTC)


class Database:
    """Engines for one database URL. Writes on SQLite take the write lock up front."""

    def __init__(self, settings: Settings) -> None:
        self.url = normalise_url(settings.database_url)
        self.down = settings.has("database-down")
        self.has_notes = not settings.has("drop-column")
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            # Reads run in autocommit: one SELECT needs no BEGIN/COMMIT round trip.
            self.reader = self._sqlite_engine(begin=None)
            # BEGIN IMMEDIATE: a read-then-write transaction would otherwise fail with
            # SQLITE_BUSY instead of waiting for the busy timeout when another writer wins.
            self.writer = self._sqlite_engine(begin="BEGIN IMMEDIATE")
            # Work on the event loop gives up a lock wait quickly (see reading(), writing()).
            self._loop_reader: Engine | None = self._sqlite_engine(
                begin=None, busy_timeout_ms=LOOP_BUSY_TIMEOUT_MS
            )
            self._loop_writer: Engine | None = self._sqlite_engine(
                begin="BEGIN IMMEDIATE", busy_timeout_ms=LOOP_BUSY_TIMEOUT_MS
            )
            # Where a write that had to wait goes: one thread, as SQLite has one writer.
            self._write_thread: ThreadPoolExecutor | None = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="sqlite-writer"
            )
        else:
            self.reader = sa.create_engine(
                self.url, pool_size=10, max_overflow=40, pool_pre_ping=False
            )
            self.writer = self.reader
            self._loop_reader = None
            self._loop_writer = None
            self._write_thread = None

    def _sqlite_engine(self, begin: str | None, busy_timeout_ms: int = 30_000) -> Engine:
        engine = sa.create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            pool_size=10,
            max_overflow=40,
        )

        @sa.event.listens_for(engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event, not the driver, decide how transactions start.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            cursor.close()

        if begin is not None:

            @sa.event.listens_for(engine, "begin")
            def _begin(connection: Connection) -> None:
                connection.exec_driver_sql(begin)

        return engine

    @contextmanager
    def read(self) -> Iterator[Connection]:
        if self.down:
            raise DatabaseUnavailable("database unavailable")
        with self.reader.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self.down:
            raise DatabaseUnavailable("database unavailable")
        engine = self._loop_writer if _on_event_loop.get() and self._loop_writer else self.writer
        with engine.begin() as conn:
            yield conn

    async def reading(self, work: Callable[[Connection], T]) -> T:
        """Run a short read from async code.

        SQLite (WAL): on the event loop itself. A WAL read does not wait for writers and takes
        a fraction of a millisecond, less than the hand-off to a pool thread and back, and
        pool threads contending with the loop for the GIL are what stretched the tail latency.
        In the rare case it must wait (another process recovering the WAL), it gives up after
        LOOP_BUSY_TIMEOUT_MS and is retried patiently in the thread pool. PostgreSQL: in the
        thread pool, since every statement is a network round trip.
        """
        if self._loop_reader is not None and not self.down:
            try:
                with self._loop_reader.connect() as conn:
                    return work(conn)
            except sa.exc.OperationalError as exc:
                if not _is_lock_wait(exc):
                    raise
        return await run_in_threadpool(self._read_with, work)

    def _read_with(self, work: Callable[[Connection], T]) -> T:
        with self.read() as conn:
            return work(conn)

    async def writing(self, work: Callable[..., T], *args: Any) -> T:
        """Run a short write job (it opens `write()` itself) from async code.

        SQLite: on the event loop first. Jobs on the loop run one after another, so they never
        wait for each other, and a booking costs half the CPU it does when handed to a thread
        and back. Only another thread or process can hold the write lock; then BEGIN IMMEDIATE
        gives up after LOOP_BUSY_TIMEOUT_MS, before anything is written, and the job is rerun
        in the writer thread, which waits as long as it must without stalling the loop.
        PostgreSQL: in the thread pool; the database arbitrates concurrent writers (a second
        claim of a slot waits on a row lock, so it must never run on the loop).
        """
        if self._write_thread is None:
            return await run_in_threadpool(work, *args)
        if not self.down:
            token = _on_event_loop.set(True)
            try:
                return work(*args)
            except sa.exc.OperationalError as exc:
                if not _is_lock_wait(exc):
                    raise
            finally:
                _on_event_loop.reset(token)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._write_thread, partial(work, *args))

    def ping_ms(self) -> float:
        """Round-trip time of `SELECT 1` in milliseconds."""
        import time

        started = time.perf_counter()
        with self.read() as conn:
            conn.execute(sa.text("SELECT 1"))
        return (time.perf_counter() - started) * 1000

    def create_schema(self, stale: bool = False) -> None:
        """Create missing tables and record the schema version."""
        with self.write() as conn:
            metadata.create_all(conn, checkfirst=True)
            version = STALE_SCHEMA_VERSION if stale else SCHEMA_VERSION
            recorded = conn.execute(sa.select(schema_migrations.c.version)).all()
            if not recorded:
                conn.execute(schema_migrations.insert().values(version=version, applied_at=now()))
            elif len(recorded) == 1:  # the platform's own row
                conn.execute(schema_migrations.update().values(version=version, applied_at=now()))
            # More rows are a history written by migrations (deploygate db): left as it is.
            if not self.has_notes:
                columns = {c["name"] for c in sa.inspect(conn).get_columns("bookings")}
                if "notes" in columns:
                    conn.execute(sa.text("ALTER TABLE bookings DROP COLUMN notes"))

    def dispose(self) -> None:
        if self._write_thread is not None:
            self._write_thread.shutdown(wait=True)
        for engine in (self._loop_reader, self._loop_writer):
            if engine is not None:
                engine.dispose()
        self.reader.dispose()
        if self.writer is not self.reader:
            self.writer.dispose()


def booking_columns(database: Database) -> list[sa.Column[Any]]:
    """Columns to read from bookings (the drop-column fault removes notes)."""
    return [c for c in bookings.c if database.has_notes or c.name != "notes"]


def equals(column: sa.Column[Any], value: str, settings: Settings) -> sa.ColumnElement[bool]:
    """``column = value`` with the value bound as a parameter; the sql-injection-bookings fault
    pastes it into the SQL text instead, so a quote in it ends the string literal."""
    if settings.has("sql-injection-bookings"):
        # Verbatim, as an f-string in sa.text(...) would be (without its :name binds).
        return sa.literal_column(f"{column.table.name}.{column.name} = '{value}'")
    return column == value
