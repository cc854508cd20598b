"""``deploygate db backup``: one backup file and its manifest, read-only on the source."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pytest_deploygate.config import DatabaseContract
from pytest_deploygate.database import masked_url
from pytest_deploygate.db_release import postgres, sqlite
from pytest_deploygate.db_release.engines import sqlite_path
from pytest_deploygate.db_release.errors import USAGE, ReleaseError
from pytest_deploygate.db_release.manifest import (
    SUFFIX,
    Manifest,
    backup_stem,
    sha256_of,
    utc_now,
    write_manifest,
)
from pytest_deploygate.db_release.settings import ReleaseSettings

EXTENSIONS = {"postgresql": ".dump", "sqlite": ".sqlite"}


def take_backup(
    settings: ReleaseSettings,
    contract: DatabaseContract,
    to: Path | None = None,
    reason: str = "backup",
) -> tuple[Manifest, list[str]]:
    """Back the environment's database up into ``to`` (default: its backup_dir); the manifest
    and any warnings (a schema version that could not be read)."""
    directory = to or settings.backup_dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        message = f"{directory}: cannot create the backup directory: {exc}"
        raise ReleaseError(message, USAGE) from None
    now = utc_now()
    stem = backup_stem(settings.environment, now)
    target = directory / (stem + EXTENSIONS[settings.engine])
    partial = target.with_name(target.name + ".partial")
    started = time.perf_counter()
    try:
        if settings.engine == "postgresql":
            snapshot = postgres.dump(
                settings.url, partial, contract.version_query, settings.command_timeout_seconds
            )
        else:
            snapshot = sqlite.dump(
                sqlite_path(settings.url),
                partial,
                contract.version_query,
                settings.lock_timeout_seconds,
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    manifest = Manifest(
        environment=settings.environment,
        engine=settings.engine,
        database=settings.masker(masked_url(settings.url)),
        created_at=now.isoformat(timespec="seconds"),
        schema_version=snapshot.schema_version,
        file=target.name,
        size_bytes=target.stat().st_size,
        sha256=sha256_of(target),
        tables=snapshot.tables,
        reason=reason,
        tool=snapshot.tool,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
        path=directory / (stem + SUFFIX),
    )
    write_manifest(manifest)
    warnings = []
    if snapshot.version_problem:
        warnings.append(f"schema version not recorded: {snapshot.version_problem}")
    return manifest, warnings
