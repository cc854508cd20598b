"""SQLite: the online backup API from a read-only connection, and a restore drill into a
temporary file with SQLite's own integrity check.

The backup API copies a consistent snapshot while the platform keeps writing; the copy is
switched to a rollback journal so the backup is one self-contained file, and its manifest's
row counts and version are read from that file, so they describe exactly what was saved.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

from pytest_deploygate.database import QueryFailed, create_engine, read_only, schema_version_in
from pytest_deploygate.db_release.errors import ReleaseError
from pytest_deploygate.db_release.manifest import Snapshot, row_counts

TOOL = f"sqlite3 online backup API (SQLite {sqlite3.sqlite_version})"


def dump(source: Path, target: Path, version_query: str, timeout: float) -> Snapshot:
    """Copy the database at ``source`` into ``target`` (read-only on the source; waiting at
    most ``timeout`` seconds for a lock)."""
    if not source.is_file():
        raise ReleaseError(f"{source}: no such SQLite database (database.url); check the path")
    try:
        with (
            closing(sqlite3.connect(_read_only_uri(source), uri=True, timeout=timeout)) as src,
            closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as exc:
        raise ReleaseError(f"{source}: the SQLite backup failed: {exc}") from None
    engine = create_engine(f"sqlite:///{target}")
    try:
        with read_only(engine) as connection:
            tables = row_counts(connection)
            try:
                version, problem = schema_version_in(connection, version_query), None
            except QueryFailed as exc:
                version, problem = None, str(exc)
    finally:
        engine.dispose()
    return Snapshot(version, problem, tables, TOOL)


@contextmanager
def scratch_copy(backup: Path) -> Iterator[str]:
    """The backup restored into a temporary file (its URL), removed afterwards; ReleaseError
    when SQLite cannot read it or its integrity check fails."""
    workdir = Path(tempfile.mkdtemp(prefix="deploygate-restore-"))
    try:
        restored = workdir / "restored.db"
        _restore(backup, restored)
        yield f"sqlite:///{restored}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _restore(backup: Path, restored: Path) -> None:
    try:
        # immutable=1: nothing (no -wal, no -shm) is created beside the backup file.
        with (
            closing(sqlite3.connect(_read_only_uri(backup, immutable=True), uri=True)) as src,
            closing(sqlite3.connect(restored)) as dst,
        ):
            src.backup(dst)
            problems = [str(row[0]) for row in dst.execute("PRAGMA integrity_check(5)")]
    except sqlite3.Error as exc:
        raise ReleaseError(f"{backup.name}: SQLite cannot restore it: {exc}") from None
    if problems != ["ok"]:
        raise ReleaseError(
            f"{backup.name}: SQLite's integrity check failed on the restored copy: "
            + "; ".join(problems)
        )


def _read_only_uri(path: Path, immutable: bool = False) -> str:
    return f"file:{quote(str(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")
