"""``deploygate db restore-check``: the drill that makes a backup a backup. The file must be
the one the manifest describes (size, SHA-256), restore into a scratch database (PostgreSQL:
a new, uniquely named database, dropped afterwards whatever happens; SQLite: a temporary
file), hold the database contract at its recorded version and have every table's rows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_deploygate.config import DatabaseContract
from pytest_deploygate.db_release import postgres, sqlite
from pytest_deploygate.db_release.contract import Findings, check_at_version
from pytest_deploygate.db_release.engines import opened
from pytest_deploygate.db_release.errors import USAGE, ReleaseError
from pytest_deploygate.db_release.manifest import (
    Manifest,
    find_manifest,
    read_manifest,
    row_counts,
    sha256_of,
)
from pytest_deploygate.db_release.settings import ReleaseSettings


@dataclass
class RestoreResult:
    manifest: Manifest
    findings: Findings = field(default_factory=Findings)
    restored_tables: dict[str, int] = field(default_factory=dict)
    scratch: str = ""
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "manifest": str(self.manifest.path),
            "backup": str(self.manifest.backup_path),
            "environment": self.manifest.environment,
            "schema_version": self.manifest.schema_version,
            "scratch": self.scratch,
            "tables": self.restored_tables,
            "duration_ms": self.duration_ms,
            "errors": self.findings.errors,
            "warnings": self.findings.warnings,
        }


def restore_check(
    settings: ReleaseSettings, contract: DatabaseContract, source: Path
) -> RestoreResult:
    """Restore the backup ``source`` names (manifest, backup file, or a directory: the newest
    backup of the environment) into a scratch database and check it."""
    started = time.perf_counter()
    manifest = read_manifest(find_manifest(source, settings.environment))
    if manifest.engine != settings.engine:
        raise ReleaseError(
            f"{manifest.path.name}: a {manifest.engine} backup cannot be drilled on "
            f"{settings.environment}'s {settings.engine} database; use the environment it is of "
            f"({manifest.environment})",
            USAGE,
        )
    result = RestoreResult(manifest)
    if manifest.environment != settings.environment:
        result.findings.warnings.append(
            f"the backup is of {manifest.environment}; checked against {settings.environment}'s "
            "contract"
        )
    problem = _file_problem(manifest)
    if problem is not None:
        result.findings.errors.append(problem)
    else:
        try:
            _drill(settings, contract, result)
        except ReleaseError as exc:
            result.findings.errors.append(str(exc))
    result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _file_problem(manifest: Manifest) -> str | None:
    backup = manifest.backup_path
    if not backup.is_file():
        return f"{backup}: the backup file is missing (its manifest is {manifest.path.name})"
    size = backup.stat().st_size
    if size != manifest.size_bytes:
        return (
            f"{backup.name}: {size} bytes, the manifest says {manifest.size_bytes}: the file "
            "changed or was cut short after the backup; it is not that backup"
        )
    digest = sha256_of(backup)
    if digest != manifest.sha256:
        return (
            f"{backup.name}: SHA-256 {digest[:16]}…, the manifest says {manifest.sha256[:16]}…: "
            "the file changed after the backup; it is not that backup"
        )
    return None


def _drill(settings: ReleaseSettings, contract: DatabaseContract, result: RestoreResult) -> None:
    backup = result.manifest.backup_path
    if settings.engine == "sqlite":
        result.scratch = "a temporary SQLite file"
        with sqlite.scratch_copy(backup) as url:
            _check_copy(url, settings, contract, result)
        return
    used: list[postgres.ScratchDatabase] = []
    try:
        with postgres.scratch_database(settings.scratch_server) as scratch:
            used.append(scratch)
            result.scratch = f"scratch database {scratch.name} (dropped afterwards)"
            postgres.restore(backup, scratch.url, settings.command_timeout_seconds)
            _check_copy(scratch.url, settings, contract, result)
    finally:
        result.findings.warnings.extend(s.cleanup_problem for s in used if s.cleanup_problem)


def _check_copy(
    url: str, settings: ReleaseSettings, contract: DatabaseContract, result: RestoreResult
) -> None:
    manifest = result.manifest
    with opened(url, settings.lock_timeout_seconds) as engine, engine.connect() as connection:
        result.restored_tables = row_counts(connection)
        result.findings.extend(check_at_version(connection, contract, manifest.schema_version))
        connection.rollback()
    if manifest.schema_version is None:
        result.findings.warnings.append("the manifest records no schema version; not compared")
    for table, rows in manifest.tables.items():
        restored = result.restored_tables.get(table)
        if restored is None:
            result.findings.errors.append(f"{table}: in the manifest, missing from the copy")
        elif restored != rows:
            result.findings.errors.append(
                f"{table}: {restored} rows restored, the manifest says {rows}"
            )
    for table in sorted(set(result.restored_tables) - set(manifest.tables)):
        result.findings.errors.append(f"{table}: in the copy, not in the manifest")
