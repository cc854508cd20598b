"""pytest-deploygate: deployment gates for a booking platform, as a pytest plugin."""

from __future__ import annotations

from pytest_deploygate.config import (
    Credential,
    DeploygateConfig,
    DeployGateConfigError,
    Environment,
    Platform,
)
from pytest_deploygate.masking import Masker
from pytest_deploygate.session.metrics import record_http, record_metric
from pytest_deploygate.session.state import CONFIG_KEY, ENVIRONMENT_KEY, MASKER_KEY

__all__ = [
    "CONFIG_KEY",
    "ENVIRONMENT_KEY",
    "MASKER_KEY",
    "Credential",
    "DeployGateConfigError",
    "DeploygateConfig",
    "Environment",
    "Masker",
    "Platform",
    "record_http",
    "record_metric",
]
