"""The public fixtures: deploy_env, platform, api, admin_api, customer_api, deploy_db and
deploygate_run_id (``base_url`` is pytest-base-url's, fed from the environment)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_deploygate.config import Environment, Platform
from pytest_deploygate.session.state import ENVIRONMENT_KEY, MASKER_KEY, SESSION_KEY

if TYPE_CHECKING:
    from pytest_deploygate.session.http import InstrumentedClient


@pytest.fixture(scope="session")
def deploy_env(pytestconfig: pytest.Config) -> Environment:
    """The environment selected with --env, resolved (secrets interpolated) and reachable."""
    env = pytestconfig.stash.get(ENVIRONMENT_KEY, None)
    if env is None:
        pytest.skip("deploygate is inactive: no environments.toml (pass --environments-file)")
    return env


@pytest.fixture(scope="session")
def platform(deploy_env: Environment) -> Platform:
    """The platform contract: endpoints, data-testid selectors, expected headers, test cards."""
    return deploy_env.platform


@pytest.fixture
def api(
    base_url: str | None, deploy_env: Environment, pytestconfig: pytest.Config
) -> Iterator[InstrumentedClient]:
    """An anonymous instrumented httpx client on the environment's base URL."""
    with _client(base_url or deploy_env.base_url, deploy_env, pytestconfig) as client:
        yield client


@pytest.fixture
def admin_api(
    base_url: str | None, deploy_env: Environment, pytestconfig: pytest.Config
) -> Iterator[InstrumentedClient]:
    """An instrumented client signed in with the environment's ``admin`` credentials."""
    with _client(base_url or deploy_env.base_url, deploy_env, pytestconfig) as client:
        _sign_in(client, deploy_env, "admin", pytestconfig)
        yield client


@pytest.fixture
def customer_api(
    base_url: str | None, deploy_env: Environment, pytestconfig: pytest.Config
) -> Iterator[InstrumentedClient]:
    """An instrumented client signed in with the environment's ``customer`` credentials."""
    with _client(base_url or deploy_env.base_url, deploy_env, pytestconfig) as client:
        _sign_in(client, deploy_env, "customer", pytestconfig)
        yield client


@pytest.fixture(scope="session")
def deploy_db(deploy_env: Environment) -> Iterator[Any]:
    """A SQLAlchemy engine on the environment's database; skips when it has no database.url.

    Not called ``db``: that is pytest-django's fixture, and a project may use both plugins.
    """
    if not deploy_env.database_url:
        pytest.skip(
            f"environment {deploy_env.name} has no database.url "
            f"(add it to [environments.{deploy_env.name}])"
        )
    # Here, not at the top: SQLAlchemy is heavy and most runs never need it.
    from pytest_deploygate.database import create_engine

    engine = create_engine(deploy_env.database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def deploygate_run_id(pytestconfig: pytest.Config) -> str:
    """This run's id, shared by xdist workers; name test data ``deploygate-<run id>``."""
    return pytestconfig.stash[SESSION_KEY].run_id


def _client(base_url: str | None, env: Environment, config: pytest.Config) -> InstrumentedClient:
    from pytest_deploygate.session.auth import shape
    from pytest_deploygate.session.http import InstrumentedClient

    if not base_url:
        pytest.skip("the environment has no base_url")

    client = InstrumentedClient(
        base_url=base_url, masker=config.stash[MASKER_KEY], ca_bundle=env.platform.ca_bundle
    )
    shape(client, env.platform)
    return client


def _sign_in(
    client: InstrumentedClient, env: Environment, role: str, config: pytest.Config
) -> None:
    """Sign in once per session and role ([platform.auth]); what comes back is cached and
    masked from then on."""
    from pytest_deploygate.session.auth import sign_in

    cache = config.stash[SESSION_KEY].signed_in
    if role in cache:
        cache[role].apply(client)
        return
    signed = sign_in(client, env, role)
    for secret in signed.secrets:
        config.stash[MASKER_KEY].add(secret)
    cache[role] = signed
