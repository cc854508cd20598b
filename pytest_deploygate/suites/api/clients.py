"""Signed-in clients for roles the plugin's fixtures do not cover (a second customer, cleanup)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pytest_deploygate.suites.api.evidence import shown


def signed_in(base_url: str, env: Any, role: str, masker: Any = None) -> httpx.Client:
    """A client logged in as ``credentials.<role>``; skips, naming the key, when it is missing."""
    credential = env.credentials.get(role)
    if credential is None:
        pytest.skip(
            f"environment {env.name} has no credentials.{role} "
            f"(add it to [environments.{env.name}])"
        )
    login = env.platform.endpoint("login")
    client = httpx.Client(base_url=base_url, timeout=10.0)
    response = client.post(
        login, json={"email": credential.username, "password": credential.password}
    )
    if response.status_code != 200:
        client.close()
        pytest.fail(
            f"login as {role} on {env.name} failed: POST {login} answered "
            f"{response.status_code}; check credentials.{role} in "
            f"[environments.{env.name}]",
            pytrace=False,
        )
    body = response.json()
    token = body.get("accessToken") if isinstance(body, dict) else None
    assert token, f"POST {login} as {role} returned no accessToken: {shown(response)}"
    if masker is not None:
        masker.add(token)
    client.headers["Authorization"] = f"Bearer {token}"
    return client
