"""The public surface of pytest_deploygate.load changes only on purpose."""

from __future__ import annotations

import sys

import pytest_deploygate.load


def test_public_names() -> None:
    assert sorted(pytest_deploygate.load.__all__) == [
        "Artifacts", "BookingShape", "Endpoints", "LoadConfigError", "LoadResult", "LoadRun",
        "LoadRunError", "LoadSettings", "StressResult", "StressStep", "StressThresholds",
        "resolution_ms", "run_locust", "run_stress",
    ]  # fmt: skip


def test_locust_is_never_imported_into_the_pytest_process() -> None:
    # Importing it would monkey-patch this process with gevent; the plugin only runs it.
    import pytest_deploygate.load.plugin  # noqa: F401

    assert "locust" not in sys.modules and "gevent" not in sys.modules
