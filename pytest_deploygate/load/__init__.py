"""Load and stress tests with Locust, run in a bounded subprocess (never imported here)."""

from __future__ import annotations

from pytest_deploygate.load.config import (
    BookingShape,
    Endpoints,
    LoadConfigError,
    LoadRun,
    LoadSettings,
)
from pytest_deploygate.load.results import LoadResult, resolution_ms
from pytest_deploygate.load.runner import Artifacts, LoadRunError, run_locust
from pytest_deploygate.load.stress import StressResult, StressStep, StressThresholds, run_stress

__all__ = [
    "Artifacts",
    "BookingShape",
    "Endpoints",
    "LoadConfigError",
    "LoadResult",
    "LoadRun",
    "LoadRunError",
    "LoadSettings",
    "StressResult",
    "StressStep",
    "StressThresholds",
    "resolution_ms",
    "run_locust",
    "run_stress",
]
