"""Contract mismatches: the target does not have the shape a check needs (DESIGN §11).

A mismatch is neither a finding nor a pass. ``contract_mismatch(key, what)`` skips the test
with one line naming the ``[platform]`` key to set; the gates count these skips apart from
findings and passes (terminal summary, gates.json). A leaf module: suites and helpers use it.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import pytest

#: Every mismatch's skip reason starts with this; the gates count them by it.
PREFIX = "contract mismatch: "


def contract_mismatch(key: str, what: str) -> NoReturn:
    """Skip: ``what`` the target did, and the ``[platform]`` key that describes it."""
    pytest.skip(f"{PREFIX}{what}; if the platform is shaped differently, set {where(key)}")


def where(key: str) -> str:
    """``"endpoints.book"`` as the user writes it: ``[platform.endpoints] book``."""
    if key.startswith("["):
        return key
    section, _, name = key.rpartition(".")
    return f"[platform.{section}] {name}" if section else f"[platform] {name}"


def is_mismatch(reason: str) -> bool:
    """Whether a skip reason (``"Skipped: ..."`` or bare) is a contract mismatch."""
    return reason.removeprefix("Skipped: ").startswith(PREFIX)


def json_of(response: Any, key: str) -> Any:
    """The JSON body of ``response`` (httpx), or a mismatch naming ``key`` when it has none:
    an HTML page or a 404 where the contract promised JSON is the wrong endpoint, not a defect."""
    request = f"{response.request.method} {response.request.url.path}"
    if response.status_code in (404, 405):
        contract_mismatch(key, f"{request} answered HTTP {response.status_code}")
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        contract_mismatch(key, f"{request} answered {kind} (HTTP {response.status_code}), not JSON")
