"""Fixtures of the database suite: the environment's contract and its database, checked once."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_deploygate import DeployGateConfigError, Environment
from pytest_deploygate.database import DatabaseContract, DatabaseUnreachable, connect, contract_of


@pytest.fixture(scope="session")
def database_contract(deploy_env: Environment) -> DatabaseContract:
    """What the database must hold: ``[platform.database]`` of environments.toml."""
    try:
        return contract_of(deploy_env)
    except DeployGateConfigError as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def database(db: Any, deploy_env: Environment) -> Any:
    """The ``db`` engine once the database has answered; unreachable fails each check with the
    same one masked line (not a driver traceback)."""
    try:
        connect(db, deploy_env)
    except DatabaseUnreachable as exc:
        unreachable = str(exc)
    else:
        return db
    pytest.fail(unreachable, pytrace=False)  # outside `except`: no chained driver error
