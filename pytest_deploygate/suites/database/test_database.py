"""Database: the seed's health query, migration validation and rollback verification queries,
and the latency of representative reads for the ``db.query_p95_ms`` gate. Read-only (every
connection refuses writes), so it runs on production."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("database")

from typing import Any

import pytest

from pytest_deploygate import Environment, record_metric
from pytest_deploygate.config.contract import DatabaseContract
from pytest_deploygate.database import (
    missing_schema,
    ping_ms,
    sample_latency,
    schema_version,
    verification_problem,
    version_problem,
)
from pytest_deploygate.gates.aggregate import percentile
from pytest_deploygate.gates.expressions import parse_threshold

LATENCY_GATE = "db.query_p95_ms"


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


def test_representative_queries_latency(
    database: Any, database_contract: DatabaseContract, deploy_env: Environment
) -> None:
    """Each sample is a db.query_ms measurement for the gate, which judges the 95th percentile
    of them all; this check names the query that breaks the gate's threshold on its own (a
    missing index), so the report says where to look."""
    if not database_contract.latency:
        pytest.skip("no representative queries in [platform.database] latency")
    gate = deploy_env.gates.get(LATENCY_GATE)
    threshold = parse_threshold(gate) if gate else None
    slow = []
    for name, query in database_contract.latency.items():
        samples = sample_latency(database, query, database_contract.latency_samples)
        for ms in samples:
            record_metric("db.query_ms", ms)
        p95 = percentile(samples, 95)
        if threshold is not None and not threshold.holds(p95):
            slow.append(f"{name}: p95 {p95:.1f} ms over {len(samples)} runs ({query})")
    assert not slow, (
        f"representative queries break the {LATENCY_GATE} gate ({gate} ms) on their own "
        "(a missing index?):\n  " + "\n  ".join(slow)
    )
