"""The manifest written beside every backup: what it is of, when, at which schema version, how
big, its SHA-256 and the rows of each table. A backup without its manifest cannot be checked.

``<dir>/<environment>-<UTC time>-<token>.<dump|sqlite>`` and ``….manifest.json`` beside it; the
manifest is written last (and atomically), so a manifest means a complete backup file.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pytest_deploygate.db_release.errors import FAILED, USAGE, ReleaseError

SUFFIX = ".manifest.json"
KIND = "deploygate-backup"
FORMAT = 1
_SYSTEM_SCHEMAS = ("information_schema", "pg_catalog", "pg_toast")


@dataclass(frozen=True)
class Manifest:
    environment: str
    engine: str  # "postgresql" or "sqlite"
    database: str  # the URL, password masked
    created_at: str  # ISO 8601, UTC
    schema_version: str | None
    file: str  # the backup file's name, beside the manifest
    size_bytes: int
    sha256: str
    tables: dict[str, int]  # rows per table; "schema.table" outside the default schema
    reason: str  # "backup", "pre-migration", "pre-rollback"
    tool: str  # "pg_dump (PostgreSQL) 15.4", "sqlite3 online backup 3.40.1"
    duration_ms: float
    path: Path = field(compare=False)  # where this manifest is; not written

    @property
    def backup_path(self) -> Path:
        return self.path.parent / self.file

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_json(self) -> dict[str, Any]:
        document = {"kind": KIND, "format": FORMAT, **asdict(self)}
        document.pop("path")
        return document


@dataclass(frozen=True)
class Snapshot:
    """What a backup holds, read in the same snapshot as the backup itself."""

    schema_version: str | None
    version_problem: str | None
    tables: dict[str, int]
    tool: str


def backup_stem(environment: str, now: datetime) -> str:
    """``staging-20260101T120000Z-1a2b3c``: sorts by time, never collides within a second."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in environment)
    return f"{safe}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def write_manifest(manifest: Manifest) -> None:
    partial = manifest.path.with_name(manifest.path.name + ".partial")
    partial.write_text(json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, manifest.path)


def read_manifest(path: Path) -> Manifest:
    """The manifest at ``path``; ReleaseError naming the file and what is wrong."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseError(f"{path}: no such manifest", USAGE) from None
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{path}: not a readable manifest ({exc})") from None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise ReleaseError(f"{path}: not a deploygate backup manifest (no kind = {KIND!r})")
    try:
        return Manifest(
            environment=str(document["environment"]),
            engine=str(document["engine"]),
            database=str(document["database"]),
            created_at=str(document["created_at"]),
            schema_version=_optional(document["schema_version"]),
            file=str(document["file"]),
            size_bytes=int(document["size_bytes"]),
            sha256=str(document["sha256"]),
            tables={str(k): int(v) for k, v in document["tables"].items()},
            reason=str(document.get("reason", "backup")),
            tool=str(document.get("tool", "")),
            duration_ms=float(document.get("duration_ms", 0)),
            path=path,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReleaseError(f"{path}: malformed manifest ({exc!r} is missing or wrong)") from None


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def find_manifest(source: Path, environment: str) -> Path:
    """The manifest a ``--from`` names: a manifest, a backup file (its manifest beside it), or
    a directory (the newest backup of ``environment`` in it)."""
    if source.is_dir():
        found = sorted(source.glob(f"*{SUFFIX}"), key=lambda p: p.name)
        mine = [p for p in found if _environment_of(p) == environment]
        if not mine:
            raise ReleaseError(
                f"{source}: no backup of {environment} here (no *{SUFFIX}); take one with "
                f"deploygate db backup --env {environment} --to {source}",
                USAGE,
            )
        return mine[-1]
    if source.name.endswith(SUFFIX):
        return source
    for suffix in (".dump", ".sqlite"):
        if source.name.endswith(suffix):
            manifest = source.with_name(source.name[: -len(suffix)] + SUFFIX)
            if not manifest.exists():
                raise ReleaseError(
                    f"{source}: no manifest beside it ({manifest.name}); a backup without its "
                    "manifest cannot be checked: take backups with deploygate db backup",
                    FAILED,
                )
            return manifest
    if not source.exists():
        raise ReleaseError(f"{source}: no such backup, manifest or directory", USAGE)
    raise ReleaseError(
        f"{source}: not a backup (.dump, .sqlite), a manifest ({SUFFIX}) or a directory", USAGE
    )


def _environment_of(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("environment")
    except (OSError, ValueError, AttributeError):
        return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows of every table, in the connection's current snapshot."""
    inspector = sa.inspect(connection)
    default = inspector.default_schema_name
    schemas = [default] if connection.dialect.name == "sqlite" else inspector.get_schema_names()
    counts: dict[str, int] = {}
    for schema in schemas:
        if schema in _SYSTEM_SCHEMAS or (schema or "").startswith("pg_"):
            continue
        for table in sorted(inspector.get_table_names(schema=schema)):
            name = table if schema == default else f"{schema}.{table}"
            query = sa.select(sa.func.count()).select_from(
                sa.table(table, schema=None if schema == default else schema)
            )
            counts[name] = int(connection.execute(query).scalar_one())
    return counts


def utc_now() -> datetime:
    return datetime.now(UTC)
