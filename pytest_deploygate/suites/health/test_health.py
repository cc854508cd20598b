"""Health: the platform's own health document, component by component. Read-only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pytest_deploygate import Platform, record_metric
from pytest_deploygate.health import HEALTHY, STATUS_SPELLINGS, read_document, status_of

COMPONENTS = ("database", "payment", "email", "sms")


@pytest.fixture
def health(api: httpx.Client, platform: Platform) -> httpx.Response:
    return api.get(platform.endpoint("health"))


def test_health_is_health_json(health: httpx.Response) -> None:
    assert health.headers.get("content-type", "").startswith("application/health+json"), (
        f"health content type is {health.headers.get('content-type')!r}, "
        "expected application/health+json"
    )
    assert str(health.json().get("status")).lower() in STATUS_SPELLINGS, health.text[:200]


def test_health_document_says_healthy(health: httpx.Response) -> None:
    # The document's own status decides, whatever the HTTP code: a 200 saying "fail" is a failure.
    verdict = read_document(health.json())
    assert verdict.status == HEALTHY, (
        f"health is {verdict.status or 'not stated'} (HTTP {health.status_code}): "
        f"{', '.join(verdict.problems) or health.text[:200]}"
    )


@pytest.mark.parametrize("component", COMPONENTS)
def test_component_is_healthy(health: httpx.Response, component: str) -> None:
    checks: list[dict[str, Any]] = health.json().get("checks", {}).get(component, [])
    assert checks, f"health reports no {component} check"
    check = checks[0]
    assert status_of(check.get("status")) == HEALTHY, (
        f"{component} is {check.get('status')!r}: {check.get('output', 'no output')}"
    )
    if component == "database" and check.get("observedUnit") == "ms":
        record_metric("health.database_ms", float(check["observedValue"]))


@pytest.mark.requires("database")
def test_database_accepts_queries(deploy_db: Any, deploy_env: Any) -> None:
    # The database suite's read-only ping: a missing SQLite file is unreachable, not created.
    from pytest_deploygate.database import DatabaseUnreachable, connect

    try:
        connect(deploy_db, deploy_env)
    except DatabaseUnreachable as exc:
        problem = str(exc)
    else:
        return
    pytest.fail(problem, pytrace=False)
