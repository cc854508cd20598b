"""``deploygate db migrate``: pending ``VERSION_description.sql`` files, in version order.

A backup first; then one transaction for the whole run: each file's statements, its row in
``schema_migrations`` (with the file's checksum), and after the last file the database contract
at the new version. Only when all of it holds is the transaction committed; any failure rolls
all of it back and names the file, line and statement. Both engines run DDL transactionally,
so a failed run leaves no trace (the backup is for what transactions cannot undo: a bad
migration that succeeded). ``rehearse`` runs the very same transaction and rolls it back, then
proves that the schema and version are what they were.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pytest_deploygate.config import DatabaseContract
from pytest_deploygate.database import QueryFailed, reason_of, version_problem
from pytest_deploygate.db_release import history
from pytest_deploygate.db_release.backup import take_backup
from pytest_deploygate.db_release.contract import Findings, check_at_version, current_version
from pytest_deploygate.db_release.engines import opened
from pytest_deploygate.db_release.errors import USAGE, ReleaseError
from pytest_deploygate.db_release.manifest import Manifest
from pytest_deploygate.db_release.settings import ReleaseSettings
from pytest_deploygate.db_release.statements import StatementFailed, read_statements, run_statements

_NAME = re.compile(r"^(?P<version>\d[^_]*)_(?P<description>.+?)(?P<down>\.down)?\.sql$")
_NUMBER = re.compile(r"(\d+)")
APPLIED_BY = "deploygate migrate"


def version_key(version: str) -> tuple[Any, ...]:
    """Natural order: 2027.1.10 after 2027.1.9, 002 after 1 (digits compare as numbers)."""
    parts = _NUMBER.split(version)
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


def checksum(path: Path) -> str:
    """SHA-256 of the file with line endings normalised (a CRLF checkout is the same file)."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


@dataclass(frozen=True)
class MigrationSet:
    """The files of a migrations directory: ``up`` and ``down`` by version, in version order."""

    directory: Path
    up: dict[str, Path]
    down: dict[str, Path]

    def known(self, version: str) -> bool:
        return version in self.up or version in self.down


def discover(directory: Path) -> MigrationSet:
    if not directory.is_dir():
        raise ReleaseError(
            f"{directory}: no such migrations directory; pass --migrations DIR or set "
            "database.migrations_dir",
            USAGE,
        )
    up: dict[str, Path] = {}
    down: dict[str, Path] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise ReleaseError(
                f"{path}: not a migration name; name it VERSION_description.sql and its "
                "rollback VERSION_description.down.sql (e.g. 2027.01.0_add_tenants.sql)",
                USAGE,
            )
        files = down if match["down"] else up
        version = match["version"]
        if version in files or any(version_key(v) == version_key(version) for v in files):
            raise ReleaseError(
                f"{path}: version {version} is taken by another file in {directory}; give each "
                "migration its own version",
                USAGE,
            )
        files[version] = path
    return MigrationSet(
        directory,
        dict(sorted(up.items(), key=lambda item: version_key(item[0]))),
        dict(sorted(down.items(), key=lambda item: version_key(item[0]))),
    )


@dataclass(frozen=True)
class MigrationPlan:
    current: str | None
    pending: tuple[tuple[str, Path], ...]
    baseline: tuple[str, ...]  # files older than the database's version that were never recorded


def plan_migrations(
    migrations: MigrationSet, recorded: dict[str, history.Applied], current: str | None
) -> MigrationPlan:
    """What to apply; ReleaseError when an applied file has changed since."""
    changed = [
        f"{path.name} (recorded {applied.checksum[:12]}…, now {now[:12]}…)"
        for version, path in migrations.up.items()
        if (applied := recorded.get(version)) is not None
        and applied.checksum
        and applied.checksum != (now := checksum(path))
    ]
    if changed:
        raise ReleaseError(
            f"applied migration changed since it ran: {'; '.join(changed)}; an applied file must "
            "not change: restore it, and put new changes in a new migration"
        )
    floor = version_key(current) if current is not None else None
    pending, baseline = [], []
    for version, path in migrations.up.items():
        if version in recorded:
            continue
        if floor is not None and version_key(version) <= floor:
            baseline.append(version)
        else:
            pending.append((version, path))
    return MigrationPlan(current, tuple(pending), tuple(baseline))


@dataclass
class MigrationResult:
    environment: str
    rehearse: bool
    from_version: str | None
    to_version: str | None = None
    applied: list[str] = field(default_factory=list)
    baseline: list[str] = field(default_factory=list)
    backup: Manifest | None = None
    findings: Findings = field(default_factory=Findings)
    committed: bool = False
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "environment": self.environment,
            "rehearse": self.rehearse,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "applied": self.applied,
            "committed": self.committed,
            "backup": str(self.backup.path) if self.backup else None,
            "duration_ms": self.duration_ms,
            "errors": self.findings.errors,
            "warnings": self.findings.warnings,
        }


def migrate(
    settings: ReleaseSettings,
    contract: DatabaseContract,
    migrations: MigrationSet,
    rehearse: bool = False,
) -> MigrationResult:
    started = time.perf_counter()
    with opened(settings.url, settings.lock_timeout_seconds) as engine:
        with engine.connect() as connection:
            plan = _plan(connection, contract, migrations)
            connection.rollback()
        result = MigrationResult(settings.environment, rehearse, plan.current)
        result.baseline = list(plan.baseline)
        if plan.baseline:
            result.findings.warnings.append(
                f"not recorded but older than the database's {plan.current}, taken as part of "
                f"its baseline: {', '.join(plan.baseline)}"
            )
        if not plan.pending:
            result.to_version = plan.current
            with engine.connect() as connection:
                result.findings.extend(_verify(connection, contract, plan.current))
                connection.rollback()
        else:
            result.backup, warnings = take_backup(settings, contract, reason="pre-migration")
            result.findings.warnings.extend(warnings)
            with engine.connect() as connection:
                before = _shape(connection) if rehearse else None
                connection.rollback()
                _run(connection, contract, migrations, plan, result)
                if rehearse and before is not None:
                    _prove_unchanged(connection, contract, before, plan.current, result)
    result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _plan(
    connection: Connection, contract: DatabaseContract, migrations: MigrationSet
) -> MigrationPlan:
    recorded = history.read_history(connection)
    try:
        current = current_version(connection, contract) if recorded else None
    except QueryFailed as exc:
        raise ReleaseError(f"cannot tell the database's version: {exc}") from None
    return plan_migrations(migrations, recorded, current)


def _run(
    connection: Connection,
    contract: DatabaseContract,
    migrations: MigrationSet,
    plan: MigrationPlan,
    result: MigrationResult,
) -> None:
    still = f"the database is still at {plan.current or 'its previous state'}"
    transaction = connection.begin()
    try:
        if _plan(connection, contract, migrations).pending != plan.pending:
            raise ReleaseError("the migration history changed while backing up (another run?)")
        table = history.prepare(connection)
        dialect = connection.dialect.name
        for version, path in plan.pending:
            run_statements(connection, path.name, read_statements(path, dialect))
            history.record_applied(connection, table, version, checksum(path), APPLIED_BY)
            result.applied.append(path.name)
        result.to_version = plan.pending[-1][0]
        result.findings.extend(_verify(connection, contract, result.to_version))
    except (StatementFailed, ReleaseError) as exc:
        result.findings.errors.append(str(exc))
    except sa.exc.DBAPIError as exc:
        result.findings.errors.append(reason_of(exc))
    except BaseException:
        transaction.rollback()
        raise
    if result.findings.errors:
        transaction.rollback()
        result.findings.errors.append(f"the migration transaction was rolled back: {still}")
        if result.applied:
            undone = ", ".join(result.applied)
            result.findings.errors.append(f"undone with it: {undone} (applied earlier in this run)")
    elif result.rehearse:
        transaction.rollback()
    else:
        transaction.commit()
        result.committed = True


def _verify(connection: Connection, contract: DatabaseContract, version: str | None) -> Findings:
    findings = check_at_version(connection, contract, version)
    problem = version_problem(contract, version)
    if problem is not None:
        findings.errors.append(
            f"the database contract does not describe {version}: {problem}; add it to "
            "[platform.database] versions (or expected_version) with the migration"
        )
    return findings


def _shape(connection: Connection) -> dict[str, list[str]]:
    inspector = sa.inspect(connection)
    return {
        table: [column["name"] for column in inspector.get_columns(table)]
        for table in sorted(inspector.get_table_names())
    }


def _prove_unchanged(
    connection: Connection,
    contract: DatabaseContract,
    before: dict[str, list[str]],
    version: str | None,
    result: MigrationResult,
) -> None:
    after = _shape(connection)
    now = current_version(connection, contract) if history.TABLE in after else None
    connection.rollback()
    if after != before or now != version:
        result.findings.errors.append(
            f"the rehearsal left changes behind (version {version} → {now}; tables "
            f"{sorted(set(after) ^ set(before))}): a statement committed on its own"
        )
