"""Suite-wide helpers (the suites use fixtures and public names only)."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture(scope="session")
def test_data_name(deploygate_run_id: str) -> Callable[[str], str]:
    """Names for data a destructive test creates: ``deploygate-<run id>-<what>``, for cleanup."""

    def name(what: str) -> str:
        return f"deploygate-{deploygate_run_id}-{what}"

    return name
