"""What ``deploygate db`` works with for one environment: its database URL and engine, and its
``[environments.X.database]`` settings (declared with their defaults in ``config.schema``
``DATABASE_RELEASE``, read by ``config.loader``) with the paths resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from pytest_deploygate.config import DeployGateConfigError, Environment
from pytest_deploygate.masking import Masker

ENGINES = ("postgresql", "sqlite")


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
    """The environment's settings; DeployGateConfigError (one line) when it has no usable
    database for ``deploygate db``."""
    where = f"{env.source.name}: [environments.{env.name}]"
    if not env.database_url:
        raise DeployGateConfigError(
            f'{where} has no database.url; set database.url = "postgresql://..." or '
            '"sqlite:///path" to the database deploygate db should work on'
        )
    engine = engine_of(env.database_url, f"{where} database.url")
    table = env.database
    if table.scratch_url is not None and (
        engine_of(table.scratch_url, f"{where} database.scratch_url") != "postgresql"
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
        backup_dir=base / table.backup_dir,
        migrations_dir=base / table.migrations_dir,
        scratch_url=table.scratch_url,
        max_transaction_seconds=table.max_transaction_seconds,
        lock_timeout_seconds=table.lock_timeout_seconds,
        command_timeout_seconds=table.command_timeout_seconds,
        masker=env.masker(),
    )


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
