"""Rate limiting (OWASP API4:2023): a bounded burst past the limit gets 429 with Retry-After.

The burst spends this client's budget for a whole window, so the suite's conftest moves this
module to the end of the session; other workers (xdist) talk to their own local platform.
"""

from __future__ import annotations

from pytest_deploygate.extras import require

require("security")

import email.utils
from typing import Any

import httpx
import pytest

from pytest_deploygate.config.contract import SecurityContract
from pytest_deploygate.suites.api.evidence import error_problems, shown


def retry_after_problem(value: str | None) -> str | None:
    """What is wrong with a Retry-After value (seconds or an HTTP date), or None."""
    if value is None:
        return "has no Retry-After header"
    text = value.strip()
    if text.isdigit():
        return None if int(text) > 0 else f"has Retry-After: {value!r} (must be > 0)"
    try:
        email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return f"has an unreadable Retry-After: {value!r}"
    return None


def test_a_burst_past_the_limit_gets_429_with_retry_after(
    api: httpx.Client, security: SecurityContract, platform: Any
) -> None:
    endpoint = security.rate_limited
    if endpoint.path in platform.features.absent_paths(platform.endpoints):
        pytest.skip(
            f"[platform.rate_limit] endpoint = {str(endpoint)!r} belongs to a feature "
            "[platform.features] declares absent; point it at a rate-limited endpoint"
        )
    limited: httpx.Response | None = None
    sent = 0
    # The seed's burst (101 by default), stopping at the first 429: the check needs one.
    for sent in range(1, security.rate_limit_burst + 1):  # noqa: B007 - `sent` is reported
        response = api.request(
            endpoint.method, endpoint.url(), json={security.chat_field: f"Test message {sent}"}
        )
        if response.status_code == 429:
            limited = response
            break
        assert response.status_code < 500, (
            f"request {sent} of the burst to {endpoint} crashed the server: {shown(response)}"
        )
    assert limited is not None, (
        f"{sent} requests to {endpoint} in a burst got no 429 (rate limit not enforced)"
    )
    problem = retry_after_problem(limited.headers.get("Retry-After"))
    assert problem is None, f"the 429 from {endpoint} after {sent} requests {problem}"
    problems = error_problems(limited)
    assert not problems, f"the 429 from {endpoint}: {'; '.join(problems)}"
