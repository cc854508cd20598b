"""``deploygate db rollback --to VERSION`` on real SQLite and PostgreSQL databases: the plan
returns to the version and records it; preconditions (a long-running transaction, an unknown
target, a missing down file, an unapproved significant impact) stop it before anything
changes; a failed critical step undoes the whole rollback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from db_release_support import REVIEWS, REVIEWS_DOWN, TENANTS, TENANTS_DOWN, Workspace

from pytest_deploygate.database import create_engine


@pytest.fixture
def migrated(workspace: Workspace) -> Workspace:
    """The reference database migrated to 2027.02.0 (tenants, then reviews)."""
    return _migrate(workspace)


@pytest.fixture
def migrated_sqlite(sqlite_workspace: Workspace) -> Workspace:
    return _migrate(sqlite_workspace)


def _migrate(workspace: Workspace) -> Workspace:
    workspace.migration("2027.01.0_add_tenants.sql", TENANTS)
    workspace.migration("2027.01.0_add_tenants.down.sql", TENANTS_DOWN)
    workspace.migration("2027.02.0_add_reviews.sql", REVIEWS)
    workspace.migration("2027.02.0_add_reviews.down.sql", REVIEWS_DOWN)
    result = workspace.deploygate("migrate")
    assert result.status == 0, result.text
    return workspace


def test_a_rollback_plan_returns_to_the_version_and_records_it(migrated: Workspace) -> None:
    # When the database is rolled back to the version before both migrations
    result = migrated.deploygate("rollback", "--to", "2026.11.1")

    # Then both steps ran newest first, and the version query sees the target again
    assert result.status == 0, result.text
    assert "from 2027.02.0 to 2026.11.1; 2 step(s), data impact moderate" in result.out
    assert (
        "  1. 2027.02.0_add_reviews.down.sql: 2027.02.0_add_reviews [critical, impact moderate]"
    ) in result.out
    assert "  done 2. 2027.01.0_add_tenants.down.sql" in result.out
    assert "at 2026.11.1, verified and recorded (2/2 steps, 0 error(s)" in result.out
    shape = migrated.shape()
    assert "reviews" not in shape and "tenants" not in shape
    assert "tenant_id" not in shape["bookings"]
    assert migrated.version() == "2026.11.1"
    assert migrated.rows("SELECT version, applied_by FROM schema_migrations") == [
        ("2026.11.1", "deploygate rollback from 2027.02.0")
    ]
    # and the backup it took first is there, drilled
    reasons = [json.loads(p.read_text())["reason"] for p in migrated.backups.glob("*.json")]
    assert reasons.count("pre-rollback") == 1
    assert "backup " in result.out and " restores (" in result.out


def test_a_rehearsed_rollback_changes_nothing(migrated: Workspace) -> None:
    before = migrated.shape()

    result = migrated.deploygate("rollback", "--to", "2027.01.0", "--rehearse", "--json")

    assert result.status == 0, result.text
    document = json.loads(result.out)
    assert document["success"] is True and document["committed"] is False
    assert document["steps_completed"] == 1
    assert [step["file"] for step in document["steps"]] == ["2027.02.0_add_reviews.down.sql"]
    assert set(document) >= {"duration_ms", "errors", "warnings", "preconditions"}
    assert migrated.shape() == before
    assert migrated.version() == "2027.02.0"


def test_a_long_running_transaction_blocks_the_rollback(
    postgres_workspace: Workspace,
) -> None:
    # Given a migrated PostgreSQL database and, in another connection, an open transaction
    migrated = _migrate(postgres_workspace)
    migrated.configure(max_transaction_seconds=0)
    with _open_transaction(migrated.url) as pid:
        # When the rollback is asked for
        blocked = migrated.deploygate("rollback", "--to", "2026.11.1")

    # Then it stops before any change, naming the transaction and the fix
    assert blocked.status == 1
    assert "  FAIL 1 transaction(s) open longer than 0 s\n" in blocked.out
    assert (
        "  error: a transaction has been open longer than 0 s (database.max_transaction_seconds): "
        f"pid {pid} (postgres, application 'deploygate-test-holder', idle in transaction, open "
    ) in blocked.out
    assert f"end it (SELECT pg_terminate_backend({pid})), then run the rollback again" in (
        blocked.out
    )
    assert migrated.version() == "2027.02.0"
    assert "reviews" in migrated.shape()
    # And once that transaction has ended, the same rollback goes through
    assert migrated.deploygate("rollback", "--to", "2026.11.1").status == 0


def test_a_failed_critical_step_undoes_the_whole_rollback(migrated: Workspace) -> None:
    # Given a down file for 2027.01.0 whose second statement fails
    (migrated.migrations / "2027.01.0_add_tenants.down.sql").write_text(
        "-- deploygate: data-impact = minimal\nDROP TABLE tenants;\nDROP TABLE no_such_table;\n"
    )
    before = migrated.shape()

    result = migrated.deploygate("rollback", "--to", "2026.11.1")

    assert result.status == 1
    assert (
        "  error: step 2 (2027.01.0_add_tenants.down.sql) failed: 2027.01.0_add_tenants.down.sql "
        "line 3: DROP TABLE no_such_table: "
    ) in result.out
    assert "critical: the rollback stops here" in result.out
    assert "the rollback transaction was rolled back: the database is still at 2027.02.0" in (
        result.out
    )
    assert migrated.shape() == before  # step 1 (reviews) is undone too
    assert migrated.version() == "2027.02.0"


def test_a_failed_non_critical_step_is_a_warning_and_the_plan_goes_on(
    migrated_sqlite: Workspace,
) -> None:
    # Given a non-critical step whose check finds nothing
    (migrated_sqlite.migrations / "2027.02.0_add_reviews.down.sql").write_text(
        "-- deploygate: data-impact = none\n-- deploygate: critical = false\n"
        "-- deploygate: verify = SELECT id FROM services WHERE id = 'no-such-service'\n"
        "DROP TABLE reviews;\n"
    )

    result = migrated_sqlite.deploygate("rollback", "--to", "2026.11.1")

    assert result.status == 0, result.text
    assert (
        "  warning: step 1 (2027.02.0_add_reviews.down.sql) failed: its check returned no row "
        "(SELECT id FROM services WHERE id = 'no-such-service'); not critical: the step was "
        "undone, the plan goes on"
    ) in result.out
    assert "reviews" in migrated_sqlite.shape()  # the failed step's own change was undone
    assert "tenants" not in migrated_sqlite.shape()
    assert migrated_sqlite.version() == "2026.11.1"


def test_a_significant_impact_on_a_sensitive_environment_needs_approval(
    migrated_sqlite: Workspace,
) -> None:
    # Given a down file that declares nothing (so its impact counts as significant)
    (migrated_sqlite.migrations / "2027.02.0_add_reviews.down.sql").write_text(
        "DROP TABLE reviews;\n"
    )
    args = ("rollback", "--to", "2027.01.0", "--allow-destructive")

    refused = migrated_sqlite.deploygate(*args, env="production")
    approved = migrated_sqlite.deploygate(*args, "--approve-data-impact", env="production")

    assert refused.status == 4
    assert refused.err.strip() == (
        "deploygate db rollback: rolling production back to 2027.01.0 has significant data "
        "impact (undeclared impact counts as significant): 2027.02.0_add_reviews.down.sql; "
        "production is sensitive: approve it with --approve-data-impact"
    )
    assert approved.status == 0, approved.text
    assert migrated_sqlite.version() == "2027.01.0"


@pytest.mark.parametrize(
    ("target", "status", "message"),
    [
        ("1999.0.0", 1, "unknown target version 1999.0.0: not in schema_migrations, "),
        ("2030.0.0", 1, "unknown target version 2030.0.0"),
        ("2025.01.0", 1, "no down file for 2026.11.1 in "),
        ("2027.02.0", 0, "is at 2027.02.0; nothing to roll back"),
    ],
)
def test_targets_that_cannot_be_reached_stop_before_any_change(
    migrated_sqlite: Workspace, target: str, status: int, message: str
) -> None:
    result = migrated_sqlite.deploygate("rollback", "--to", target)

    assert result.status == status
    assert message in result.text
    assert migrated_sqlite.version() == "2027.02.0"


def test_a_bad_directive_is_one_line_with_file_and_line(migrated_sqlite: Workspace) -> None:
    path = migrated_sqlite.migrations / "2027.02.0_add_reviews.down.sql"
    path.write_text("DROP TABLE reviews;\n-- deploygate: data-impact = huge\n")

    result = migrated_sqlite.deploygate("rollback", "--to", "2027.01.0")

    assert result.status == 4
    assert result.err.strip() == (
        f"deploygate db rollback: {path} line 2: data-impact = 'huge'; use one of none, "
        "minimal, moderate, significant"
    )


@contextmanager
def _open_transaction(url: str) -> Iterator[int]:
    """A transaction held open in a connection of its own (as a stuck report job would)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SET application_name = 'deploygate-test-holder'")
            connection.commit()
            pid = int(connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
            yield pid  # the SELECT opened the transaction; it stays open until here
            connection.rollback()
    finally:
        engine.dispose()


def test_the_example_migrations_apply_and_roll_back(workspace: Workspace) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples" / "migrations"
    for path in sorted(examples.glob("*.sql")):
        workspace.migration(path.name, path.read_text())

    migrated = workspace.deploygate("migrate")
    at_new = workspace.version()
    rolled_back = workspace.deploygate("rollback", "--to", "2026.11.1")

    assert (migrated.status, rolled_back.status) == (0, 0), migrated.text + rolled_back.text
    assert at_new == "2027.01.0"
    assert workspace.version() == "2026.11.1"
    assert "tenants" not in workspace.shape()
