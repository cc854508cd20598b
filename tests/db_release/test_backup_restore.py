"""``deploygate db backup`` and ``db restore-check`` on real SQLite and PostgreSQL databases:
a backup restores with equal row counts; a corrupted one, one that does not restore, one whose
rows differ from its manifest and one that breaks the contract all fail the drill."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from db_release_support import Workspace, prepare_reference

from pytest_deploygate.db_release.manifest import sha256_of


def manifests(workspace: Workspace) -> list[Path]:
    return sorted(workspace.backups.glob("*.manifest.json"))


def test_a_backup_restores_with_equal_row_counts(workspace: Workspace) -> None:
    # Given the reference database with 25 bookings
    bookings = workspace.scalar("SELECT count(*) FROM bookings")

    # When it is backed up and the backup drilled
    backup = workspace.deploygate("backup")
    drill = workspace.deploygate("restore-check", "--from", "backups")

    # Then the manifest describes the file and the database, and the copy matches it
    assert backup.status == 0, backup.text
    [path] = manifests(workspace)
    manifest = json.loads(path.read_text())
    assert manifest["environment"] == "staging"
    assert manifest["engine"] == workspace.engine_name
    assert manifest["schema_version"] == "2026.11.1"
    assert manifest["tables"]["bookings"] == bookings == 25
    assert manifest["tables"]["slot_claims"] == 25
    assert manifest["tables"]["services"] == 4
    backup_file = path.parent / manifest["file"]
    assert manifest["sha256"] == sha256_of(backup_file)
    assert manifest["size_bytes"] == backup_file.stat().st_size
    assert "s3cret" not in path.read_text()  # the URL's password is masked in the manifest
    assert drill.status == 0, drill.text
    assert "deploygate db restore-check: passed (8 tables, " in drill.out
    assert f"{sum(manifest['tables'].values())} rows restored" in drill.out


def test_the_postgres_scratch_database_is_dropped_after_the_drill(
    postgres_workspace: Workspace,
) -> None:
    postgres_workspace.deploygate("backup")

    drill = postgres_workspace.deploygate("restore-check", "--from", "backups")

    assert drill.status == 0, drill.text
    [name] = re.findall(r"scratch database (deploygate_restore_\w+)", drill.out)
    assert not _databases_named(postgres_workspace.url, name)


def test_a_corrupted_backup_fails_restore_check(workspace: Workspace) -> None:
    workspace.deploygate("backup")
    [path] = manifests(workspace)
    backup = path.parent / json.loads(path.read_text())["file"]
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle
    backup.write_bytes(bytes(data))

    drill = workspace.deploygate("restore-check", "--from", str(path))

    assert drill.status == 1
    assert f"error: {backup.name}: SHA-256 " in drill.out
    assert "the file changed after the backup; it is not that backup" in drill.out
    assert "restore-check: FAILED" in drill.out


def test_a_backup_that_does_not_restore_fails_even_with_a_matching_manifest(
    workspace: Workspace,
) -> None:
    # Given a backup cut short, and its manifest rewritten to match (a faulty backup job)
    workspace.deploygate("backup")
    [path] = manifests(workspace)
    manifest = json.loads(path.read_text())
    backup = path.parent / manifest["file"]
    backup.write_bytes(backup.read_bytes()[: manifest["size_bytes"] // 3])
    manifest.update(size_bytes=backup.stat().st_size, sha256=sha256_of(backup))
    path.write_text(json.dumps(manifest))

    drill = workspace.deploygate("restore-check", "--from", str(backup))

    assert drill.status == 1
    reason = "pg_restore failed" if workspace.engine_name == "postgresql" else "SQLite "
    assert f"error: {reason}" in drill.out or f"error: {backup.name}: {reason}" in drill.out
    if workspace.engine_name == "postgresql":  # dropped even though the restore failed
        [name] = re.findall(r"scratch database (deploygate_restore_\w+)", drill.out)
        assert not _databases_named(workspace.url, name)


def test_rows_that_differ_from_the_manifest_fail_the_drill(workspace: Workspace) -> None:
    workspace.deploygate("backup")
    [path] = manifests(workspace)
    manifest = json.loads(path.read_text())
    manifest["tables"]["bookings"] += 1
    path.write_text(json.dumps(manifest))

    drill = workspace.deploygate("restore-check", "--from", str(path))

    assert drill.status == 1
    assert "error: bookings: 25 rows restored, the manifest says 26" in drill.out


def test_a_copy_that_breaks_the_contract_fails_the_drill(
    tmp_path: Path, sqlite_workspace: Workspace
) -> None:
    # Given a database that lost bookings.notes, at the contract's version
    url = f"sqlite:///{tmp_path / 'faulty.db'}"
    prepare_reference(url, "drop-column")
    sqlite_workspace.monkeypatch.setenv("DEPLOYGATE_TEST_DB_URL", url)
    sqlite_workspace.url = url
    sqlite_workspace.write_environments(["2025.01.0", "2026.11.1"])
    sqlite_workspace.deploygate("backup")

    drill = sqlite_workspace.deploygate("restore-check", "--from", "backups")

    assert drill.status == 1
    assert "error: missing bookings.notes" in drill.out


def test_the_contract_holds_a_backup_strictly_only_at_its_own_version(
    sqlite_workspace: Workspace,
) -> None:
    # Given a contract that wants a tenants table, and a 2026.11.1 backup without one
    sqlite_workspace.platform = 'tables = { tenants = ["id"] }'
    sqlite_workspace.deploygate("backup")

    # When the contract describes 2026.11.1 the drill fails; when it describes the coming
    # 2027.01.0, the backup of 2026.11.1 still passes, the finding shown as a warning
    sqlite_workspace.write_environments(["2026.11.1"])
    strict = sqlite_workspace.deploygate("restore-check", "--from", "backups")
    sqlite_workspace.write_environments(["2026.11.1", "2027.01.0"])
    lenient = sqlite_workspace.deploygate("restore-check", "--from", "backups")

    assert strict.status == 1
    assert "  error: missing tenants (table)\n" in strict.out
    assert lenient.status == 0, lenient.text
    assert (
        "  warning: missing tenants (table) (the contract describes 2027.01.0; this database "
        "is at 2026.11.1)" in lenient.out
    )


def test_backup_is_read_only_and_allowed_on_a_sensitive_environment(
    sqlite_workspace: Workspace,
) -> None:
    source = Path(sa.make_url(sqlite_workspace.url).database or "")
    before = sha256_of(source)

    backup = sqlite_workspace.deploygate("backup", env="production")
    drill = sqlite_workspace.deploygate("restore-check", "--from", "backups", env="production")

    assert (backup.status, drill.status) == (0, 0), backup.text + drill.text
    assert sha256_of(source) == before


def test_a_missing_manifest_or_backup_is_one_line(sqlite_workspace: Workspace) -> None:
    nothing = sqlite_workspace.deploygate("restore-check", "--from", "backups")
    sqlite_workspace.backups.mkdir()
    orphan = sqlite_workspace.backups / "staging-1.sqlite"
    orphan.write_bytes(b"")
    no_manifest = sqlite_workspace.deploygate("restore-check", "--from", str(orphan))

    assert nothing.status == 4
    assert nothing.err.strip() == (
        "deploygate db restore-check: backups: no such backup, manifest or directory"
    )
    assert no_manifest.status == 1
    assert "no manifest beside it (staging-1.manifest.json)" in no_manifest.err


def _databases_named(url: str, name: str) -> list[str]:
    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text("SELECT datname FROM pg_database WHERE datname = :name"),
                    {"name": name},
                ).scalars()
            )
    finally:
        engine.dispose()
