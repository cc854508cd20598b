"""pytest-deploygate: deployment gates for a booking platform, as a pytest plugin."""

from __future__ import annotations

from .environments import Credential, DeployGateConfigError, Environment, Platform
from .masking import Masker
from .metrics import record_http, record_metric
from .state import ENVIRONMENT_KEY, MASKER_KEY

__all__ = [
    "ENVIRONMENT_KEY",
    "MASKER_KEY",
    "Credential",
    "DeployGateConfigError",
    "Environment",
    "Masker",
    "Platform",
    "record_http",
    "record_metric",
]
