"""Fixtures of the database suite: the environment's contract and its database, checked once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from pytest_deploygate import Environment
from pytest_deploygate.config.contract import DatabaseContract

# pytest_deploygate.database needs SQLAlchemy (the database extra): imported in the fixtures, so
# a core install collects this folder and skips its tests naming the extra (extras.require).


@pytest.fixture(scope="session")
def database_contract(deploy_env: Environment) -> DatabaseContract:
    """What the database must hold: ``[platform.database]`` (checked when the file was loaded)."""
    return deploy_env.platform.database


@dataclass
class _Reachability:
    error: str = ""
    reported: bool = False


@pytest.fixture(scope="session")
def _reachability(deploy_db: Any, deploy_env: Environment) -> _Reachability:
    from pytest_deploygate.database import DatabaseUnreachable, connect

    try:
        connect(deploy_db, deploy_env)
    except DatabaseUnreachable as exc:
        return _Reachability(str(exc))
    return _Reachability()


@pytest.fixture
def database(deploy_db: Any, _reachability: _Reachability) -> Any:
    """The ``deploy_db`` engine once the database has answered. Unreachable is one error, with one
    masked line naming the key and the fix; the checks after it are skipped as not checked."""
    if _reachability.error and _reachability.reported:
        pytest.skip("not checked: the database is unreachable (see the error above)")
    if _reachability.error:
        _reachability.reported = True
        pytest.fail(_reachability.error, pytrace=False)
    return deploy_db
