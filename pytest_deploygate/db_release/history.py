"""``schema_migrations``: the history the database contract's version query reads.

The reference platform's table is ``(version PRIMARY KEY, applied_at)``, and the seed's version
query takes the newest row by ``applied_at``. deploygate keeps that shape, so the contract, the
platform and any other tool reading the table see what they always saw, and adds two nullable
columns when they are missing: ``checksum`` (SHA-256 of the applied file, so a changed file is
caught) and ``applied_by`` (``deploygate migrate``, ``deploygate rollback from 2027.02.0``).

One row per version, as the primary key demands: a migration inserts its version; a rollback
deletes the rows of the versions it undid and stamps the target's row as the newest (inserting
it when the target predates the recorded history). Every stamp is later than the newest one
already there, so a clock behind the database server's cannot hide a change from the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pytest_deploygate.db_release.engines import execute_sql
from pytest_deploygate.db_release.errors import ReleaseError

TABLE = "schema_migrations"
ADDED_COLUMNS = {"checksum": "VARCHAR(64)", "applied_by": "VARCHAR(200)"}


@dataclass(frozen=True)
class Applied:
    version: str
    checksum: str | None
    applied_by: str | None


def read_history(connection: Connection) -> dict[str, Applied]:
    """The recorded versions (empty when there is no table yet)."""
    inspector = sa.inspect(connection)
    if TABLE not in inspector.get_table_names():
        return {}
    names = {column["name"] for column in inspector.get_columns(TABLE)}
    if "version" not in names:
        raise ReleaseError(f"{TABLE} has no version column; deploygate db records versions there")
    wanted = [name for name in ("version", "checksum", "applied_by") if name in names]
    table = sa.table(TABLE, *(sa.column(name) for name in wanted))
    history = {}
    for row in connection.execute(sa.select(table)).mappings():
        version = str(row["version"])
        history[version] = Applied(version, row.get("checksum"), row.get("applied_by"))
    return history


def prepare(connection: Connection) -> sa.Table:
    """The table, created or given its added columns inside the caller's transaction."""
    inspector = sa.inspect(connection)
    if TABLE not in inspector.get_table_names():
        sa.Table(
            TABLE,
            sa.MetaData(),
            sa.Column("version", sa.String(64), primary_key=True),
            sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("checksum", sa.String(64)),
            sa.Column("applied_by", sa.String(200)),
        ).create(connection)
    else:
        present = {column["name"] for column in inspector.get_columns(TABLE)}
        for name, sql_type in ADDED_COLUMNS.items():
            if name not in present:
                execute_sql(connection, f"ALTER TABLE {TABLE} ADD COLUMN {name} {sql_type}")
    return sa.Table(TABLE, sa.MetaData(), autoload_with=connection)


def record_applied(
    connection: Connection, table: sa.Table, version: str, checksum: str, applied_by: str
) -> None:
    values: dict[str, object] = {"version": version, "checksum": checksum, "applied_by": applied_by}
    if "applied_at" in table.c:
        values["applied_at"] = _next_stamp(connection, table)
    connection.execute(table.insert().values(values))


def record_rollback(
    connection: Connection, table: sa.Table, undone: Sequence[str], target: str, applied_by: str
) -> None:
    stamp = _next_stamp(connection, table) if "applied_at" in table.c else None
    connection.execute(table.delete().where(table.c.version.in_(list(undone))))
    values: dict[str, object] = {"applied_by": applied_by}
    if stamp is not None:
        values["applied_at"] = stamp
    found = connection.execute(sa.select(table.c.version).where(table.c.version == target)).first()
    if found is None:
        connection.execute(table.insert().values({"version": target, **values}))
    else:
        connection.execute(table.update().where(table.c.version == target).values(values))


def _next_stamp(connection: Connection, table: sa.Table) -> datetime:
    now = datetime.now(UTC)
    try:
        newest = connection.execute(sa.select(sa.func.max(table.c.applied_at))).scalar()
    except (ValueError, TypeError):  # a format SQLAlchemy cannot read: trust the clock
        return now
    if isinstance(newest, datetime):
        if newest.tzinfo is None:  # SQLite keeps UTC wall-clock time without a zone
            newest = newest.replace(tzinfo=UTC)
        if newest >= now:
            return newest + timedelta(milliseconds=1)
    return now
