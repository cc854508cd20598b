"""The settings of ``deploygate db`` for one environment: ``[environments.X.database]``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pytest_deploygate.config.environments import DeployGateConfigError, Environment
from pytest_deploygate.masking import Masker

ENGINES = ("postgresql", "sqlite")

# Defaults: the seed keeps backups under backups/ (and migrations in migrations/); a transaction
# open for a minute is one a rollback should not fight with; a migration waits at most 30 s for
# a lock instead of queueing every other query behind it; pg_dump/pg_restore get an hour.
BACKUP_DIR = "backups"
MIGRATIONS_DIR = "migrations"
MAX_TRANSACTION_SECONDS = 60.0
LOCK_TIMEOUT_SECONDS = 30.0
COMMAND_TIMEOUT_SECONDS = 3600.0


@dataclass(frozen=True)
class ReleaseSettings:
    """Where the database is, where its backups and migrations live, and the time limits."""

    environment: str
    url: str
    engine: str  # "postgresql" or "sqlite"
    backup_dir: Path
    migrations_dir: Path
    scratch_url: str | None  # PostgreSQL server for restore drills (default: the database's)
    max_transaction_seconds: float
    lock_timeout_seconds: float
    command_timeout_seconds: float
    masker: Masker = field(default_factory=Masker, repr=False)  # the environment's secrets

    @property
    def scratch_server(self) -> str:
        return self.scratch_url or self.url


def release_settings(env: Environment) -> ReleaseSettings:
    """The environment's settings, checked; DeployGateConfigError (one line) when unusable."""
    where = f"{env.source.name}: [environments.{env.name}]"
    table = env.database
    if not env.database_url:
        raise DeployGateConfigError(
            f'{where} has no database.url; set database.url = "postgresql://..." or '
            '"sqlite:///path" to the database deploygate db should work on'
        )
    engine = engine_of(env.database_url, f"{where} database.url")
    scratch_url = table.get("scratch_url")
    if scratch_url is not None and engine_of(scratch_url, f"{where} database.scratch_url") != (
        "postgresql"
    ):
        raise DeployGateConfigError(
            f"{where} database.scratch_url: must be a PostgreSQL server URL (restore drills of "
            "SQLite backups use a temporary file)"
        )
    base = env.source.parent  # relative paths are relative to the environments file
    return ReleaseSettings(
        environment=env.name,
        url=env.database_url,
        engine=engine,
        backup_dir=base / table.get("backup_dir", BACKUP_DIR),
        migrations_dir=base / table.get("migrations_dir", MIGRATIONS_DIR),
        scratch_url=scratch_url,
        max_transaction_seconds=_seconds(table, "max_transaction_seconds", where, zero=True),
        lock_timeout_seconds=_seconds(table, "lock_timeout_seconds", where),
        command_timeout_seconds=_seconds(table, "command_timeout_seconds", where),
        masker=env.masker(),
    )


_DEFAULTS = {
    "max_transaction_seconds": MAX_TRANSACTION_SECONDS,
    "lock_timeout_seconds": LOCK_TIMEOUT_SECONDS,
    "command_timeout_seconds": COMMAND_TIMEOUT_SECONDS,
}


def _seconds(table: Mapping[str, Any], key: str, where: str, zero: bool = False) -> float:
    value = float(table.get(key, _DEFAULTS[key]))
    if value < 0 or (value == 0 and not zero):
        least = "0 or more" if zero else "more than 0"
        raise DeployGateConfigError(f"{where} database.{key}: must be {least}, not {value:g}")
    return value


def engine_of(url: str, where: str) -> str:
    """``postgresql`` or ``sqlite`` for a database URL; DeployGateConfigError otherwise."""
    try:
        backend = sa.make_url(url).get_backend_name()
    except sa.exc.ArgumentError:
        raise DeployGateConfigError(
            f"{where}: not a database URL; write postgresql://user@host:5432/db or "
            "sqlite:///path/to.db"
        ) from None
    if backend not in ENGINES:
        raise DeployGateConfigError(
            f"{where}: deploygate db supports PostgreSQL and SQLite, not {backend}"
        )
    return backend
