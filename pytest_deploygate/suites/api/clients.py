"""Signed-in clients for roles the plugin's fixtures do not cover (a second customer, cleanup)."""

from __future__ import annotations

from typing import Any

import httpx

from pytest_deploygate.session.auth import shape, sign_in
from pytest_deploygate.session.http import platform_tls


def signed_in(base_url: str, env: Any, role: str, masker: Any = None) -> httpx.Client:
    """A client signed in as ``credentials.<role>`` ([platform.auth]); skips, naming the key,
    when it is missing."""
    client = httpx.Client(base_url=base_url, timeout=10.0, verify=platform_tls(env.platform))
    shape(client, env.platform)
    try:
        signed = sign_in(client, env, role)
    except BaseException:
        client.close()
        raise
    if masker is not None:
        for secret in signed.secrets:
            masker.add(secret)
    return client
