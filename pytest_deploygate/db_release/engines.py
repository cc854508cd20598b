"""Engines whose transactions really are transactions, and the facts the client tools need.

Python's sqlite3 driver opens a transaction only before INSERT/UPDATE/DELETE, so DDL would run
(and stay) outside it; these engines take control: ``BEGIN IMMEDIATE`` on SQLite (the write
lock up front, waited for at most the lock timeout), and ``SET LOCAL lock_timeout`` on
PostgreSQL, so a migration never queues the platform's queries behind it for long.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pytest_deploygate.database import create_engine


def transactional_engine(url: str, lock_timeout_seconds: float) -> Engine:
    """An engine for changing the database (or checking a scratch copy of it)."""
    engine = create_engine(url)
    timeout_ms = max(1, round(lock_timeout_seconds * 1000))
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _driver_leaves_transactions_to_us(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute(f"PRAGMA busy_timeout = {timeout_ms}")

        @sa.event.listens_for(engine, "begin")
        def _begin_with_the_write_lock(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    else:

        @sa.event.listens_for(engine, "begin")
        def _bounded_lock_waits(connection: Connection) -> None:
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout_ms}")

    return engine


@contextmanager
def opened(url: str, lock_timeout_seconds: float) -> Iterator[Engine]:
    """``transactional_engine`` disposed of afterwards (no connection outlives a command)."""
    engine = transactional_engine(url, lock_timeout_seconds)
    try:
        yield engine
    finally:
        engine.dispose()


# SQL from a file runs as written: no parameter parsing, so ``%`` and ``:x`` stay what they are.
RAW: dict[str, Any] = {"no_parameters": True}


def execute_sql(connection: Connection, sql: str) -> None:
    """Run one statement of a SQL file as written."""
    connection.exec_driver_sql(sql, execution_options=RAW)


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///path`` URL."""
    database = sa.make_url(url).database or ""
    return Path(database.removeprefix("file:").split("?")[0])


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A connection URL for pg_dump/pg_restore without the password, and the environment
    variables that carry it (so it never appears on a command line or in ``ps``)."""
    parsed = sa.make_url(url)
    password = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    env = {"PGCONNECT_TIMEOUT": "10"}
    if password:
        env["PGPASSWORD"] = str(password)
    return plain.render_as_string(hide_password=False), env


def with_database(url: str, database: str) -> str:
    """The same server URL, pointing at another database."""
    return sa.make_url(url).set(database=database).render_as_string(hide_password=False)


@contextmanager
def probing(connection: Connection) -> Iterator[Connection]:
    """A savepoint around a read that may fail, always rolled back: on PostgreSQL a failed
    query would otherwise abort the whole transaction it runs in."""
    savepoint = connection.begin_nested()
    try:
        yield connection
    finally:
        savepoint.rollback()
