"""Load testing as a pytest plugin: ``--load-*`` options, ``load_test``/``stress_test`` fixtures,
and the pytest-html extras (Locust report links, the stress table and chart).

The policy itself (``--allow-destructive``/``--allow-load`` on sensitive environments) is the
core's (policy.py); the fixtures check it again, so a load run never starts there through a test
that forgot its ``load`` marker.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path

import pytest

from pytest_deploygate.config import Environment
from pytest_deploygate.config.locate import reports_location
from pytest_deploygate.load.config import LoadConfigError, LoadSettings
from pytest_deploygate.load.harness import (
    EXTRAS_KEY,
    LoadAuth,
    LoadHarness,
    booking_shape_of,
    endpoints_of,
)
from pytest_deploygate.load.results import LoadResult
from pytest_deploygate.load.stress import StressResult
from pytest_deploygate.session.state import ENVIRONMENT_KEY, MASKER_KEY, SESSION_KEY

LOAD_SETTINGS_KEY = pytest.StashKey[LoadSettings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    # Help texts: what the option does, then its default, in one sentence each.
    group = parser.getgroup("deploygate-load", "deploygate load and stress tests (Locust)")
    group.addoption(
        "--load-users",
        dest="deploygate_load_users",
        type=int,
        metavar="N",
        help="users of a load test (default: normal_users x load_factor of the environment).",
    )
    group.addoption(
        "--load-duration",
        dest="deploygate_load_duration",
        type=float,
        metavar="SECONDS",
        help="run time of a load test (default: duration of [environments.X.load], 60).",
    )
    group.addoption(
        "--load-ramp-up",
        dest="deploygate_load_ramp_up",
        type=float,
        metavar="SECONDS",
        help="time to start all users (default: ramp_up of [environments.X.load], 10).",
    )
    group.addoption(
        "--load-step-duration",
        dest="deploygate_load_step_duration",
        type=float,
        metavar="SECONDS",
        help="run time of each stress step (default: stress_step_duration, 60).",
    )
    group.addoption(
        "--load-processes",
        dest="deploygate_load_processes",
        type=int,
        metavar="N",
        help="Locust worker processes on this machine (default: processes, 0 = one process).",
    )
    group.addoption(
        "--load-workers",
        dest="deploygate_load_workers",
        type=int,
        metavar="N",
        help="run Locust as master and wait for N workers from other machines (default: 0).",
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # trylast: the core has put the selected environment on the stash by now.
    env = config.stash.get(ENVIRONMENT_KEY, None)
    try:
        config.stash[LOAD_SETTINGS_KEY] = settings_for(config, env)
    except LoadConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def settings_for(config: pytest.Config, env: Environment | None) -> LoadSettings:
    """The environment's traffic model with the ``--load-*`` options applied."""
    settings = env.load if env is not None else LoadSettings()
    option = config.option
    settings = settings.with_options(
        users=getattr(option, "deploygate_load_users", None),
        duration=getattr(option, "deploygate_load_duration", None),
        ramp_up=getattr(option, "deploygate_load_ramp_up", None),
        processes=getattr(option, "deploygate_load_processes", None),
        step_duration=getattr(option, "deploygate_load_step_duration", None),
        workers=getattr(option, "deploygate_load_workers", None),
    )
    return settings


@pytest.fixture(scope="session")
def load_settings(pytestconfig: pytest.Config) -> LoadSettings:
    """The traffic model in force: ``[environments.X.load]`` with the ``--load-*`` options."""
    found = pytestconfig.stash.get(LOAD_SETTINGS_KEY, None)
    return found if found is not None else settings_for(pytestconfig, None)


@pytest.fixture
def load_test(request: pytest.FixtureRequest) -> Callable[..., LoadResult]:
    """Run a bounded Locust load test on the environment; returns a LoadResult.

    ``load_test()`` runs 10x the environment's normal users; ``users=``, ``duration=``,
    ``ramp_up=``, ``think_time=`` and ``destructive=False`` adjust one run. The ``load.*``
    metrics go to the gates (``load.p95_ms``, ``load.error_rate``, ...).
    """
    return _harness(request).load


@pytest.fixture
def stress_test(request: pytest.FixtureRequest) -> Callable[..., StressResult]:
    """Run the stepped stress test (50 % → 200 % of peak users); returns a StressResult."""
    return _harness(request).stress


def _harness(request: pytest.FixtureRequest) -> LoadHarness:
    config = request.config
    env: Environment = request.getfixturevalue("deploy_env")
    session = config.stash[SESSION_KEY]
    if env.sensitive and not (session.allow_destructive and session.allow_load):
        pytest.skip(
            f"load refused on sensitive environment {env.name}; "
            "pass --allow-destructive --allow-load to run it"
        )
    host = request.getfixturevalue("base_url") or env.base_url
    if not host:
        pytest.skip(f"environment {env.name} has no base_url to put load on")
    endpoints = endpoints_of(env.platform.api)
    masker = config.stash.get(MASKER_KEY, None)
    auth, read_only = None, ""
    if env.platform.auth.mode == "none":
        read_only = "[platform.auth] mode = 'none': the platform has no sign-in"
    elif "customer" not in env.credentials:
        read_only = f"environment {env.name} has no credentials.customer"
    else:
        # Booking and cancelling need the owner's sign-in (a bearer token, a session cookie and
        # its CSRF token, an API key): the core's login caches and masks it; Locust gets all of it.
        request.getfixturevalue("customer_api")
        signed = session.signed_in["customer"]
        auth = LoadAuth.of(signed.headers, signed.cookies, env.platform, endpoints)
        if masker is not None:
            masker.add(*auth.secrets)
    return LoadHarness(
        item=request.node,
        settings=request.getfixturevalue("load_settings"),
        host=str(host),
        run_id=session.run_id,
        reports_dir=reports_dir(config),
        endpoints=endpoints,
        auth=auth,
        mask=masker,
        shape=booking_shape_of(env.platform),
        read_only=read_only,
    )


def reports_dir(config: pytest.Config) -> Path:
    """The folder of the pytest-html report (so relative links work), else ``reports/``."""
    html = getattr(config.option, "htmlpath", None)
    if html:
        return Path(html).absolute().parent
    chosen = getattr(config.option, "deploygate_reports_dir", None)
    return reports_location(chosen, config.invocation_params.dir)


_EXTRAS_PLUGIN_NAME = "deploygate-load-extras"


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    # Its report hook wraps every test: only a session with load or stress tests registers it.
    manager = session.config.pluginmanager
    if manager.has_plugin(_EXTRAS_PLUGIN_NAME):
        return
    fixtures = {"load_test", "stress_test"}
    if any(not fixtures.isdisjoint(getattr(i, "fixturenames", ())) for i in session.items):
        manager.register(LoadReportExtras(), _EXTRAS_PLUGIN_NAME)


class LoadReportExtras:
    """Moves a load run's report links and stress table onto the test's pytest-html report."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        extras = item.stash.get(EXTRAS_KEY, None)
        if call.when == "call" and extras:
            # pytest-html reads report.extras; plain dicts, so they survive pytest-xdist.
            setattr(report, "extras", [*getattr(report, "extras", []), *extras])  # noqa: B010
        return report
