"""The hosted suites as a pytest plugin: collected beside a user's own tests, and the fixtures
they share with them (``test_data_name``, ``booking_api``, ``bookings``, ``other_customer_api``).

When ``--env`` is given and pytest is given no paths (it falls back on ``testpaths`` or the
current directory), the suites shipped in this package are collected after the user's own tests,
so a directory holding only an ``environments.toml`` runs them. A plain ``pytest`` (a project's
own unit tests) never collects them. Paths on the command line
select exactly what runs; ``--pyargs pytest_deploygate.suites.security`` picks one hosted suite;
``--no-hosted-suites`` (ini ``deploygate_hosted_suites = false``) leaves them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_deploygate.session.state import ENVIRONMENT_KEY, MASKER_KEY

#: Where the hosted suites live (one folder per suite marker).
SUITES_DIR = Path(__file__).resolve().parent


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("deploygate")
    group.addoption(
        "--no-hosted-suites",
        dest="deploygate_hosted_suites",
        action="store_false",
        default=None,
        help="do not collect the hosted suites when no paths are given (default: collect them).",
    )
    parser.addini(
        "deploygate_hosted_suites",
        "collect the hosted suites when pytest is given no paths (default: true).",
        type="bool",
        default=True,
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # trylast: the session plugin has put the selected environment on the stash by now.
    if ENVIRONMENT_KEY not in config.stash or hasattr(config, "workerinput"):
        return
    if not config.option.deploygate_env or config.args_source == pytest.Config.ArgsSource.ARGS:
        return  # not a run against an environment, or the user named what to run
    wanted = config.option.deploygate_hosted_suites
    if wanted is None:
        wanted = config.getini("deploygate_hosted_suites")
    if wanted and str(SUITES_DIR) not in config.args:
        config.args.append(str(SUITES_DIR))


@pytest.fixture(scope="session")
def test_data_name(deploygate_run_id: str) -> Callable[[str], str]:
    """Names for data a destructive test creates: ``deploygate-<run id>-<what>``, for cleanup."""

    def name(what: str) -> str:
        return f"deploygate-{deploygate_run_id}-{what}"

    return name


@pytest.fixture(scope="session")
def booking_api(platform: Any) -> Any:
    """What the platform promises about its booking API ([platform.api], seed defaults)."""
    return platform.api


@pytest.fixture
def bookings(
    booking_api: Any,
    test_data_name: Callable[[str], str],
    deploy_env: Any,
    base_url: str | None,
    pytestconfig: pytest.Config,
) -> Iterator[Any]:
    """Creates bookings named after the run and cancels them after the test."""
    import httpx

    from pytest_deploygate.session.http import platform_tls
    from pytest_deploygate.suites.api.bookings import BookingFactory
    from pytest_deploygate.suites.api.clients import signed_in

    admins: list[httpx.Client] = []

    def admin() -> httpx.Client:
        if not admins:
            admins.append(
                signed_in(
                    base_url or deploy_env.base_url,
                    deploy_env,
                    "admin",
                    pytestconfig.stash[MASKER_KEY],
                )
            )
        return admins[0]

    factory = BookingFactory(
        booking_api, test_data_name("booking"), admin, verify=platform_tls(deploy_env.platform)
    )
    yield factory
    try:
        left = factory.cancel_all()
    finally:
        for client in admins:
            client.close()
    assert not left, f"could not cancel test bookings: {', '.join(left)}"


@pytest.fixture
def other_customer_api(
    deploy_env: Any, base_url: str | None, pytestconfig: pytest.Config
) -> Iterator[Any]:
    """Customer B: signed in with ``credentials.customer2``, for the BOLA checks."""
    from pytest_deploygate.suites.api.clients import signed_in

    client = signed_in(
        base_url or deploy_env.base_url, deploy_env, "customer2", pytestconfig.stash[MASKER_KEY]
    )
    yield client
    client.close()
