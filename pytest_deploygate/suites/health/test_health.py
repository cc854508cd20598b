"""Health: the platform's own health document, component by component. Read-only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pytest_deploygate import ENVIRONMENT_KEY, Platform, record_metric
from pytest_deploygate.health import HEALTHY, STATUS_SPELLINGS, read_document, status_of
from pytest_deploygate.mismatch import json_of


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # [platform.health] components, without those of absent features.
    if "component" in metafunc.fixturenames:
        env = metafunc.config.stash.get(ENVIRONMENT_KEY, None)
        components = env.platform.health.components if env else ()
        if not components:  # say which key left nothing to check, not pytest's "empty set"
            reason = "[platform.health] components is empty: the health document has no checks"
            none = pytest.param(None, id="none", marks=pytest.mark.skip(reason=reason))
            metafunc.parametrize("component", [none])
            return
        metafunc.parametrize("component", components)


@pytest.fixture
def health(api: httpx.Client, platform: Platform) -> httpx.Response:
    return api.get(platform.endpoint("health"))


def test_health_is_health_json(health: httpx.Response, platform: Platform) -> None:
    body = json_of(health, "endpoints.health")  # an HTML page here is the wrong endpoint
    wanted = platform.health.content_type
    assert health.headers.get("content-type", "").startswith(wanted), (
        f"health content type is {health.headers.get('content-type')!r}, expected {wanted} "
        "([platform.health] content_type)"
    )
    assert isinstance(body, dict) and str(body.get("status")).lower() in STATUS_SPELLINGS, (
        f"health document has no known status (one of {', '.join(sorted(STATUS_SPELLINGS))}): "
        f"HTTP {health.status_code} {health.text[:200]}"
    )


def test_health_document_says_healthy(health: httpx.Response) -> None:
    # The document's own status decides, whatever the HTTP code: a 200 saying "fail" is a failure.
    verdict = read_document(json_of(health, "endpoints.health"))
    assert verdict.status == HEALTHY, (
        f"health is {verdict.status or 'not stated'} (HTTP {health.status_code}): "
        f"{', '.join(verdict.problems) or health.text[:200]}"
    )


def test_component_is_healthy(health: httpx.Response, component: str) -> None:
    body = json_of(health, "endpoints.health")
    checks: list[dict[str, Any]] = body.get("checks", {}).get(component, [])
    assert checks, f"health reports no {component} check ([platform.health] components lists it)"
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
