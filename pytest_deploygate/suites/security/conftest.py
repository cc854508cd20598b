"""Fixtures of the security suite: the contract, a second customer, test bookings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from pytest_deploygate.config.contract import SecurityContract
from pytest_deploygate.session.auth import shape
from pytest_deploygate.session.http import platform_tls
from pytest_deploygate.suites.security.tokens import claims_of

# The burst exhausts this client's budget on the rate-limited endpoint for a whole window, so
# it runs after everything else that might call that endpoint in the same session.
RUNS_LAST = "test_security_rate_limit.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    last = [item for item in items if item.path.name == RUNS_LAST]
    if last:
        items[:] = [item for item in items if item.path.name != RUNS_LAST] + last


@pytest.fixture(scope="session")
def security(platform: Any) -> SecurityContract:
    """What the platform promises about security ([platform.security], seed defaults)."""
    contract: SecurityContract = platform.security
    return contract


@pytest.fixture
def customer_token(customer_api: httpx.Client, platform: Any) -> str:
    """The signed-in customer's bearer token (a real one, to forge variants from); the JWT
    forgery checks skip, saying why, where the platform's credentials are not JWTs."""
    mode = platform.auth.mode
    if mode != "json":
        pytest.skip(f"[platform.auth] mode = {mode!r}: no JWT to forge (JWT checks do not apply)")
    header = customer_api.headers.get("Authorization", "")
    token = str(header).partition(" ")[2]
    try:
        if token.count(".") != 2:
            raise ValueError(token)
        claims_of(token)
    except (ValueError, IndexError):
        pytest.skip(
            "the platform's bearer tokens are not JWTs: the JWT forgery checks do not apply"
        )
    return token


@pytest.fixture
def fresh(base_url: str | None, deploy_env: Any) -> Iterator[Callable[..., httpx.Client]]:
    """``fresh(headers=None)``: a new client shaped like the platform's requests (never mutate
    the shared ones), closed after the test."""
    clients: list[httpx.Client] = []

    def make(headers: dict[str, str] | None = None) -> httpx.Client:
        client = httpx.Client(
            base_url=base_url or deploy_env.base_url or "",
            timeout=10.0,
            headers=headers,
            verify=platform_tls(deploy_env.platform),
        )
        clients.append(shape(client, deploy_env.platform))
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def bearer(fresh: Callable[..., httpx.Client]) -> Callable[[str], httpx.Client]:
    """``bearer(token)``: a fresh client that sends ``token``."""
    return lambda token: fresh({"Authorization": f"Bearer {token}"})
