"""``deploygate db migrate`` on real SQLite and PostgreSQL databases: a rehearsal changes
nothing, a run adds the schema with its version and checksum recorded, a broken migration or
a failed contract leaves no partial change, and a changed applied file is refused."""

from __future__ import annotations

import json

import pytest
from db_release_support import REVIEWS, TENANTS, Workspace, prepare_reference

from pytest_deploygate.db_release.migrations import checksum


def test_a_rehearsed_migration_changes_nothing_and_a_real_one_records_its_version(
    workspace: Workspace,
) -> None:
    # Given the reference database at 2026.11.1 and the tenants migration
    path = workspace.migration("2027.01.0_add_tenants.sql", TENANTS)
    before = workspace.shape()

    # When it is rehearsed
    rehearsal = workspace.deploygate("migrate", "--rehearse")

    # Then it ran, verified and rolled back: the schema and version are as they were
    assert rehearsal.status == 0, rehearsal.text
    assert "  applied 2027.01.0_add_tenants.sql\n" in rehearsal.out
    assert "2026.11.1 → 2027.01.0 verified, then rolled back; the database is unchanged" in (
        rehearsal.out
    )
    assert workspace.shape() == before
    assert workspace.version() == "2026.11.1"

    # When it runs for real
    applied = workspace.deploygate("migrate")

    # Then the table and column are there, and the version is recorded with the checksum
    assert applied.status == 0, applied.text
    assert "2026.11.1 → 2027.01.0, the contract verified and committed" in applied.out
    assert "tenants" in workspace.shape()
    assert "tenant_id" in workspace.shape()["bookings"]
    assert workspace.scalar("SELECT count(*) FROM bookings WHERE tenant_id = 1") == 25
    assert workspace.version() == "2027.01.0"
    assert workspace.rows(
        "SELECT checksum, applied_by FROM schema_migrations WHERE version = '2027.01.0'"
    ) == [(checksum(path), "deploygate migrate")]
    assert len(list(workspace.backups.glob("*.manifest.json"))) == 2  # a backup before each

    # And a second run has nothing to do
    again = workspace.deploygate("migrate")
    assert again.status == 0
    assert "nothing to apply; the contract holds" in again.out


def test_a_broken_migration_leaves_no_partial_change(workspace: Workspace) -> None:
    # Given a good migration, then one whose third statement fails
    workspace.migration("2027.01.0_add_tenants.sql", TENANTS)
    workspace.migration(
        "2027.02.0_add_reviews.sql",
        REVIEWS + "INSERT INTO reviews (id, booking_id, stars) VALUES (1, 'b', 5);\n\n"
        "ALTER TABLE no_such_table ADD COLUMN stars INTEGER;\n",
    )
    before = workspace.shape()

    result = workspace.deploygate("migrate")

    # Then the error names the file, line and statement, and nothing of either file is kept
    assert result.status == 1
    assert (
        "  error: 2027.02.0_add_reviews.sql line 4: ALTER TABLE no_such_table ADD COLUMN stars "
        "INTEGER: "
    ) in result.out
    assert (
        "  error: the migration transaction was rolled back: the database is still at 2026.11.1\n"
    ) in result.out
    assert "undone with it: 2027.01.0_add_tenants.sql (applied earlier in this run)" in result.out
    assert workspace.shape() == before
    assert workspace.version() == "2026.11.1"


def test_a_migration_that_breaks_the_contract_is_rolled_back(workspace: Workspace) -> None:
    # Given a migration that drops a column the contract requires
    workspace.migration("2027.01.0_drop_notes.sql", "ALTER TABLE bookings DROP COLUMN notes;\n")

    result = workspace.deploygate("migrate")

    assert result.status == 1
    assert "  error: missing bookings.notes\n" in result.out
    assert "  error: the migration transaction was rolled back" in result.out
    assert "notes" in workspace.shape()["bookings"]
    assert workspace.version() == "2026.11.1"


def test_a_changed_applied_migration_is_refused(workspace: Workspace) -> None:
    # Given an applied migration, edited afterwards, and a new one waiting
    path = workspace.migration("2027.01.0_add_tenants.sql", TENANTS)
    assert workspace.deploygate("migrate").status == 0
    recorded = checksum(path)
    path.write_text(TENANTS + "CREATE INDEX tenants_name ON tenants (name);\n")
    workspace.migration("2027.02.0_add_reviews.sql", REVIEWS)

    result = workspace.deploygate("migrate")

    assert result.status == 1
    assert result.err.strip() == (
        "deploygate db migrate: applied migration changed since it ran: "
        f"2027.01.0_add_tenants.sql (recorded {recorded[:12]}…, now {checksum(path)[:12]}…); "
        "an applied file must not change: restore it, and put new changes in a new migration"
    )
    assert "reviews" not in workspace.shape()
    assert workspace.version() == "2027.01.0"


def test_a_migration_the_contract_does_not_describe_is_refused(
    sqlite_workspace: Workspace,
) -> None:
    sqlite_workspace.migration("2027.01.0_add_tenants.sql", TENANTS)
    sqlite_workspace.write_environments(["2025.01.0", "2026.11.1"])  # not updated with it

    result = sqlite_workspace.deploygate("migrate", "--rehearse")

    assert result.status == 1
    assert (
        "error: the database contract does not describe 2027.01.0: schema version is 2027.01.0, "
        "expected 2026.11.1"
    ) in result.out
    assert "add it to [platform.database] versions (or expected_version) with the migration" in (
        result.out
    )


def test_sqlite_trigger_bodies_and_quoted_semicolons_run_as_written(
    sqlite_workspace: Workspace,
) -> None:
    sqlite_workspace.migration(
        "2027.01.0_audit.sql",
        "CREATE TABLE audit (note TEXT DEFAULT 'a;b');\n"
        "CREATE TRIGGER bookings_audit AFTER UPDATE ON bookings BEGIN\n"
        "  INSERT INTO audit (note) VALUES ('updated; ' || new.id);\n"
        "  INSERT INTO audit (note) VALUES ('twice');\n"
        "END;\n"
        "UPDATE bookings SET status = 'confirmed' WHERE reference = 'BK00000000';\n",
    )

    result = sqlite_workspace.deploygate("migrate")

    assert result.status == 0, result.text
    assert sqlite_workspace.scalar("SELECT count(*) FROM audit") == 2


def test_the_reference_platform_starts_on_a_migrated_database(sqlite_workspace: Workspace) -> None:
    sqlite_workspace.migration("2027.01.0_add_tenants.sql", TENANTS)
    assert sqlite_workspace.deploygate("migrate").status == 0

    prepare_reference(sqlite_workspace.url, bookings_count=0)  # what the platform does at boot

    assert sqlite_workspace.version() == "2027.01.0"


def test_json_result(sqlite_workspace: Workspace) -> None:
    sqlite_workspace.migration("2027.01.0_add_tenants.sql", TENANTS)

    result = sqlite_workspace.deploygate("migrate", "--rehearse", "--json")

    document = json.loads(result.out)
    assert document["ok"] is True and document["committed"] is False
    assert (document["from_version"], document["to_version"]) == ("2026.11.1", "2027.01.0")
    assert document["applied"] == ["2027.01.0_add_tenants.sql"]


@pytest.mark.parametrize("action", [["migrate"], ["rollback", "--to", "2026.11.1"]])
def test_a_sensitive_environment_needs_allow_destructive(
    sqlite_workspace: Workspace, action: list[str]
) -> None:
    sqlite_workspace.migration("2027.01.0_add_tenants.sql", TENANTS)
    before = sqlite_workspace.shape()

    refused = sqlite_workspace.deploygate(*action, "--rehearse", env="production")

    assert refused.status == 4
    assert refused.err.strip() == (
        f"deploygate db {action[0]}: production is sensitive: db {action[0]} changes its "
        "database; add --allow-destructive to run it (db backup and db restore-check only "
        "read and need no flag)"
    )
    assert sqlite_workspace.shape() == before
    allowed = sqlite_workspace.deploygate("migrate", "--allow-destructive", env="production")
    assert allowed.status == 0, allowed.text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("add_tenants.sql", "not a migration name; name it VERSION_description.sql"),
        ("2026.01.0_add.sql", None),
    ],
)
def test_bad_migration_files_are_one_line(
    sqlite_workspace: Workspace, name: str, message: str | None
) -> None:
    sqlite_workspace.migration("2027.01.0_add_tenants.sql", TENANTS)
    (sqlite_workspace.migrations / name).write_text("SELECT 1;\n")

    result = sqlite_workspace.deploygate("migrate", "--rehearse")

    if message is None:  # older than the database and never recorded: the baseline
        assert result.status == 0, result.text
        assert "warning: not recorded but older than the database's 2026.11.1" in result.out
        return
    assert result.status == 4
    assert message in result.err and len(result.err.splitlines()) == 1


def test_missing_configuration_is_a_config_error(
    sqlite_workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    no_dir = sqlite_workspace.deploygate("migrate", "--migrations", "nowhere")
    (sqlite_workspace.path / "environments.toml").write_text(
        '[environments.staging]\nbase_url = "http://127.0.0.1:9"\n'
    )
    no_url = sqlite_workspace.deploygate("backup")

    assert no_dir.status == 4
    assert "nowhere: no such migrations directory; pass --migrations DIR" in no_dir.err
    assert no_url.status == 4
    assert "[environments.staging] has no database.url" in no_url.err


def test_the_rehearsal_proof_names_a_change_that_escaped_the_transaction(
    sqlite_workspace: Workspace,
) -> None:
    # Given the schema as a rehearsal saw it, and a table committed outside its transaction
    from pytest_deploygate.config.contract import database_contract
    from pytest_deploygate.db_release.engines import opened
    from pytest_deploygate.db_release.migrations import MigrationResult, _prove_unchanged, _shape

    result = MigrationResult("staging", rehearse=True, from_version="2026.11.1")
    with opened(sqlite_workspace.url, 5) as engine, engine.connect() as connection:
        before = _shape(connection)
        connection.rollback()
        with engine.begin() as other:
            other.exec_driver_sql("CREATE TABLE escaped (id INTEGER)")

        _prove_unchanged(connection, database_contract({}), before, "2026.11.1", result)

    assert result.findings.errors == [
        "the rehearsal left changes behind (version 2026.11.1 → 2026.11.1; tables ['escaped']): "
        "a statement committed on its own"
    ]


def test_bad_database_settings_are_one_config_line(sqlite_workspace: Workspace) -> None:
    sqlite_workspace.configure(lock_timeout_seconds=0)
    zero = sqlite_workspace.deploygate("backup")
    sqlite_workspace.database.clear()
    sqlite_workspace.configure(backup_directory="b")
    unknown = sqlite_workspace.deploygate("backup")

    assert (zero.status, unknown.status) == (4, 4)
    assert zero.err.strip() == (
        "deploygate: environments.toml: [environments.staging] database.lock_timeout_seconds: "
        "must be more than 0, not 0"
    )
    assert "backup_directory: unknown key; did you mean 'backup_dir'?" in unknown.err


def test_without_the_database_extra_it_is_one_line_naming_it(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_deploygate import extras

    monkeypatch.setitem(extras.EXTRAS, "database", ("deploygate_no_such_module",))

    result = sqlite_workspace.deploygate("backup")

    assert result.status == 4
    assert result.err.strip() == (
        "deploygate db backup: needs the database extra (deploygate_no_such_module not "
        'installed): pip install "pytest-deploygate[database]"'
    )
