"""environments.toml, read and validated once per process into typed objects.

``locate`` finds the file (the same way for pytest and the ``deploygate`` command),
``load_config`` reads it, ``schema`` declares every key with its type and default,
``interpolate`` is the one ``${VAR}`` rule, ``model`` and ``contract`` are what every part receives.
"""

from __future__ import annotations

from pytest_deploygate.config.contract import (
    ApiContract,
    DatabaseContract,
    Endpoint,
    SecurityContract,
    Verification,
)
from pytest_deploygate.config.loader import (
    LAUNCHERS,
    load_config,
    load_environment,
    read_document,
    referenced_variables,
)
from pytest_deploygate.config.locate import locate
from pytest_deploygate.config.model import (
    Credential,
    DatabaseSettings,
    DeploygateConfig,
    DeployGateConfigError,
    Environment,
    Platform,
    Preflight,
)

__all__ = [
    "LAUNCHERS",
    "ApiContract",
    "Credential",
    "DatabaseContract",
    "DatabaseSettings",
    "DeployGateConfigError",
    "DeploygateConfig",
    "Endpoint",
    "Environment",
    "Platform",
    "Preflight",
    "SecurityContract",
    "Verification",
    "load_config",
    "load_environment",
    "locate",
    "read_document",
    "referenced_variables",
]
