"""pytest_deploygate.database on real databases: SQLite files, and PostgreSQL when configured."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from database_support import needs_postgres, prepare

from pytest_deploygate import Environment
from pytest_deploygate.config import load_environment
from pytest_deploygate.config.contract import ContractError, Verification
from pytest_deploygate.config.contract import database_contract as contract_from
from pytest_deploygate.config.schema import DATABASE_TABLES as DEFAULT_TABLES
from pytest_deploygate.database import (
    DatabaseUnreachable,
    QueryFailed,
    connect,
    create_engine,
    masked_url,
    missing_schema,
    read_only,
    sample_latency,
    schema_version,
    verification_problem,
    version_problem,
)


def test_the_reference_schema_is_complete_and_current(engine: sa.Engine) -> None:
    contract = contract_from({})

    assert missing_schema(engine, contract.tables) == []
    assert version_problem(contract, schema_version(engine, contract.version_query)) is None
    assert [verification_problem(engine, check) for check in contract_from({}).verify] == [None] * 4


def test_missing_tables_and_columns_are_each_named(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE bookings DROP COLUMN notes")
    tables = {**DEFAULT_TABLES, "tenants": ("id",), "services": ("id", "tenant_id")}

    assert missing_schema(engine, tables) == [
        "services.tenant_id",
        "bookings.notes",
        "tenants (table)",
    ]


def test_the_drop_column_fault_loses_exactly_bookings_notes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'faulty.db'}"
    prepare(url, "drop-column")

    assert missing_schema(sa.create_engine(url), DEFAULT_TABLES) == ["bookings.notes"]


def test_a_stale_schema_version_is_named_with_its_history(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stale.db'}"
    prepare(url, "stale-schema")
    contract = contract_from({})

    problem = version_problem(
        contract, schema_version(sa.create_engine(url), contract.version_query)
    )

    assert problem == (
        "schema version is 2025.01.0, expected 2026.11.1 (the latest of [platform.database] "
        "versions); older: a migration was not applied, or was rolled back"
    )


@pytest.mark.parametrize(
    ("config", "version", "problem"),
    [
        ({"expected_version": "2025.01.0"}, "2025.01.0", None),
        ({"expected_version": "2025.01.0"}, "2026.11.1", "newer than expected"),
        ({}, "1999.1", "not a known version (2025.01.0, 2026.11.1)"),
        ({}, None, "the schema version query returned no version"),
        ({"versions": [], "expected_version": "7"}, "7", None),
    ],
)
def test_version_expectations(
    config: dict[str, object], version: str | None, problem: str | None
) -> None:
    found = version_problem(contract_from(config), version)

    assert (found is None) if problem is None else (problem in (found or ""))


@pytest.mark.parametrize(
    ("check", "problem"),
    [
        (Verification("seeded", "SELECT id FROM services"), None),
        (
            Verification("none", "SELECT id FROM bookings"),
            "none: returned 0 rows, expected at least 1",
        ),
        (
            Verification("exact", "SELECT id FROM users", rows=2),
            "exact: returned more than 2 rows, expected 2",
        ),
        (Verification("admins", "SELECT count(*) FROM users WHERE role = 'admin'", value=1), None),
        (
            Verification("admins", "SELECT count(*) FROM users", value=1),
            "admins: returned 3, expected 1",
        ),
        (
            Verification("bad", "SELECT nope FROM services"),
            "bad: the query failed: no such column: nope",
        ),
    ],
)
def test_verification_queries(engine: sa.Engine, check: Verification, problem: str | None) -> None:
    found = verification_problem(engine, check)

    assert (found is None) if problem is None else (found or "").startswith(problem), found


def test_a_booking_without_its_slot_claim_fails_verification(engine: sa.Engine) -> None:
    # What the double-booking fault writes: an active booking that claims no slot.
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO bookings (id, reference, service_id, employee_id, scheduled_date, "
            "scheduled_time, duration_minutes, customer_name, customer_email, customer_phone, "
            "status, payment_status, created_at) SELECT 'b1', 'BK000001', s.id, e.employee_id, "
            "'2030-01-07', '10:00', 30, 'A', 'a@example.test', '+15550100', 'confirmed', "
            "'unpaid', '2030-01-01 00:00:00' FROM services s JOIN employee_services e "
            "ON e.service_id = s.id LIMIT 1"
        )
    check = next(c for c in contract_from({}).verify if c.name == "active_bookings_hold_their_slot")

    assert (verification_problem(engine, check) or "").startswith(
        "active_bookings_hold_their_slot: returned 1, expected 0"
    )


def test_checks_cannot_write_and_leave_the_pool_writable(engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.OperationalError, match="readonly"), read_only(engine) as connection:
        connection.exec_driver_sql("DELETE FROM services")

    with engine.begin() as connection:  # the same pooled connection, writable again for others
        connection.exec_driver_sql("UPDATE services SET name = name")
    with read_only(engine) as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM services").scalar()


def test_latency_samples_every_query_n_times(engine: sa.Engine) -> None:
    samples = sample_latency(engine, "SELECT id FROM services", 7)

    assert len(samples) == 7 and all(ms >= 0 for ms in samples)


def test_a_missing_sqlite_file_is_unreachable_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    env = Environment("local", tmp_path / "environments.toml", launch="reference")

    with pytest.raises(DatabaseUnreachable) as caught:
        connect(sa.create_engine(f"sqlite:///{path}"), env)

    assert str(caught.value) == (
        "environments.toml: [environments.local] database.url (the database of the launched "
        f"reference): could not connect to sqlite:///{path}: database file {path} does not "
        "exist; check that the platform's database is up"
    )
    assert not path.exists()


def test_an_unreachable_server_is_one_masked_line_naming_the_variable(
    tmp_path: Path, closed_port: int
) -> None:
    source = tmp_path / "environments.toml"
    source.write_text(
        '[environments.staging]\nbase_url = "http://127.0.0.1:9"\n'
        'database.url = "${STAGING_DATABASE_URL}"\n'
    )
    url = f"postgresql+psycopg://app:pw-4d1e9c@127.0.0.1:{closed_port}/app"
    env = load_environment(source, "staging", {"STAGING_DATABASE_URL": url})

    with pytest.raises(DatabaseUnreachable) as caught:
        connect(sa.create_engine(url, connect_args={"connect_timeout": 2}), env)

    assert str(caught.value) == (
        "environments.toml: [environments.staging] database.url: could not connect to "
        f"postgresql+psycopg://app:***@127.0.0.1:{closed_port}/app: Connection refused; "
        "check STAGING_DATABASE_URL"
    )


@needs_postgres
def test_a_refused_role_is_one_masked_line(tmp_path: Path, postgres_database: str) -> None:
    # The shared test server trusts 127.0.0.1 whatever the password (the password itself is
    # refused in test_suite_postgres.py, on a server of its own): refuse the role instead.
    url = sa.make_url(postgres_database).set(username="deploygate_nobody", password="pw-77c1")
    env = Environment("qa", tmp_path / "environments.toml", base_url="http://127.0.0.1:9")

    with pytest.raises(DatabaseUnreachable) as caught:
        connect(sa.create_engine(url), env)

    assert str(caught.value) == (
        "environments.toml: [environments.qa] database.url: could not connect to "
        f'{masked_url(url)}: role "deploygate_nobody" does not exist; check database.url in '
        "[environments.qa] and that the database is up"
    )
    assert "pw-77c1" not in str(caught.value)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"tables": {"bookings": "id"}},
            "[platform.database] tables.bookings: must be a list of column names, not 'id'",
        ),
        ({"versions": [1]}, "[platform.database] versions: must be a list of versions, not [1]"),
        (
            {"verify": {"x": {"rows": 1}}},
            '[platform.database] verify.x: needs query = "SELECT ..."',
        ),
        ({"latency_samples": 0}, "[platform.database] latency_samples: must be at least 1, not 0"),
        (
            {"versions": []},
            '[platform.database] expected_version = "latest" needs versions = [..., "newest"]',
        ),
    ],
)
def test_bad_config_is_one_line_naming_the_key(config: dict[str, object], message: str) -> None:
    with pytest.raises(ContractError) as caught:
        contract_from(config)

    assert str(caught.value) == message


def test_configured_keys_replace_the_defaults() -> None:
    contract = contract_from(
        {"tables": {"t": ["a"]}, "verify": {}, "latency": {"q": "SELECT 1"}, "latency_samples": 3}
    )

    assert (contract.tables, contract.verify, contract.latency, contract.latency_samples) == (
        {"t": ("a",)},
        (),
        {"q": "SELECT 1"},
        3,
    )
    assert version_problem(replace(contract, versions=()), "1") == (
        "no expected schema version: set [platform.database] expected_version or versions"
    )


def test_masked_url_hides_only_the_password() -> None:
    assert masked_url("postgresql://app:s3cr%40t@db:5432/app") == "postgresql://app:***@db:5432/app"


@needs_postgres
def test_postgres_schema_version_and_read_only(postgres_database: str) -> None:
    prepare(postgres_database)
    engine = sa.create_engine(postgres_database)
    contract = contract_from({})

    assert missing_schema(engine, contract.tables) == []
    assert schema_version(engine, contract.version_query) == "2026.11.1"
    with pytest.raises(sa.exc.InternalError, match="read-only transaction"), read_only(engine) as c:
        c.exec_driver_sql("DELETE FROM services")
    engine.dispose()


def test_a_failing_configured_query_names_itself(engine: sa.Engine) -> None:
    with pytest.raises(QueryFailed) as version:
        schema_version(engine, "SELECT version FROM migrations")
    with pytest.raises(QueryFailed) as latency:
        sample_latency(engine, "SELECT * FROM tenants", 3)

    assert str(version.value) == (
        "the schema version query failed: no such table: migrations "
        "(SELECT version FROM migrations)"
    )
    assert str(latency.value) == (
        "the latency query failed: no such table: tenants (SELECT * FROM tenants)"
    )


def test_create_engine_routes_postgres_urls_to_psycopg3() -> None:
    for url in ("postgres://app:pw@db/app", "postgresql://app:pw@db/app"):
        assert create_engine(url).url.drivername == "postgresql+psycopg"
    assert create_engine("sqlite:///x.db").url.drivername == "sqlite"


def test_a_server_that_never_answers_times_out_in_one_line(tmp_path: Path) -> None:
    # A loopback socket that accepts connections and says nothing, like a firewalled database.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        url = f"postgresql://app:pw-0a0b@127.0.0.1:{port}/app"
        env = Environment("qa", tmp_path / "environments.toml", base_url="http://127.0.0.1:9")

        with pytest.raises(DatabaseUnreachable) as caught:
            connect(create_engine(url, connect_timeout=2), env)

    assert str(caught.value) == (
        "environments.toml: [environments.qa] database.url: could not connect to "
        f"postgresql+psycopg://app:***@127.0.0.1:{port}/app: connection timeout expired; "
        "check database.url in [environments.qa] and that the database is up"
    )
