"""Database: the seed's health query, migration validation and rollback verification queries,
and the latency of representative reads for the ``db.query_p95_ms`` gate. Read-only (every
connection refuses writes), so it runs on production."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("database")

from typing import Any

import pytest

from pytest_deploygate import record_metric
from pytest_deploygate.config.contract import DatabaseContract
from pytest_deploygate.database import (
    missing_schema,
    ping_ms,
    sample_latency,
    schema_version,
    verification_problem,
    version_problem,
)


def test_database_answers_select_1(database: Any, database_contract: DatabaseContract) -> None:
    """The seed's health query: reachable (the fixture), and healthy under 1000 ms."""
    ms = ping_ms(database)
    assert ms < database_contract.healthy_ms, (
        f"database is degraded: connect + SELECT 1 took {ms:.0f} ms "
        f"(healthy under {database_contract.healthy_ms:.0f} ms)"
    )


def test_expected_tables_and_columns_exist(
    database: Any, database_contract: DatabaseContract
) -> None:
    missing = missing_schema(database, database_contract.tables)
    assert not missing, "database schema is missing: " + ", ".join(missing)


def test_schema_version_is_the_deployed_one(
    database: Any, database_contract: DatabaseContract
) -> None:
    version = schema_version(database, database_contract.version_query)
    problem = version_problem(database_contract, version)
    assert problem is None, problem


def test_verification_queries_hold(database: Any, database_contract: DatabaseContract) -> None:
    if not database_contract.verify:
        pytest.skip("no verification queries in [platform.database] verify")
    problems = [verification_problem(database, check) for check in database_contract.verify]
    failed = [problem for problem in problems if problem is not None]
    assert not failed, "verification queries failed:\n  " + "\n  ".join(failed)


def test_representative_queries_latency(database: Any, database_contract: DatabaseContract) -> None:
    """Each sample is a db.query_ms measurement; the gate judges their 95th percentile."""
    if not database_contract.latency:
        pytest.skip("no representative queries in [platform.database] latency")
    for query in database_contract.latency.values():
        for ms in sample_latency(database, query, database_contract.latency_samples):
            record_metric("db.query_ms", ms)
