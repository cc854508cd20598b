"""The session plugin: --env and friends, the environment on the stash, policy, preflight, the
local platform, and the metrics each test report carries."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

import pytest

from pytest_deploygate import markers
from pytest_deploygate.config import (
    DeploygateConfig,
    DeployGateConfigError,
    Environment,
    load_config,
    locate,
    read_document,
)
from pytest_deploygate.masking import Masker
from pytest_deploygate.mismatch import PREFIX
from pytest_deploygate.session import metrics, policy
from pytest_deploygate.session.state import (
    CONFIG_KEY,
    ENVIRONMENT_KEY,
    MASKER_KEY,
    POLICY_SKIP_KEY,
    SESSION_KEY,
    Session,
)

# Where --env=local publishes the launched platform's JWT signing key ([platform.security]).
JWT_SECRET_VARIABLE = "DEPLOYGATE_JWT_SECRET"

# Pytest exits 2 when a session stops before running tests (as for collection errors).
UNREACHABLE_EXIT = pytest.ExitCode.INTERRUPTED


def pytest_addoption(parser: pytest.Parser) -> None:
    # Help texts: what the option does, then its default, in one sentence each.
    group = parser.getgroup("deploygate", "deployment gates for the booking platform")
    group.addoption(
        "--env",
        dest="deploygate_env",
        metavar="NAME",
        help="environment of environments.toml to test (default: ini deploygate_env, 'local').",
    )
    group.addoption(
        "--environments-file",
        dest="deploygate_environments_file",
        metavar="PATH",
        help="environments file to read (default: $DEPLOYGATE_ENVIRONMENTS_FILE, else the "
        "nearest environments.toml from the current folder up).",
    )
    group.addoption(
        "--allow-destructive",
        dest="deploygate_allow_destructive",
        action="store_true",
        help="run destructive tests on a sensitive environment (default: they are skipped).",
    )
    group.addoption(
        "--allow-load",
        dest="deploygate_allow_load",
        action="store_true",
        help="also run load/stress tests on a sensitive environment (default: skipped).",
    )
    group.addoption(
        "--no-preflight",
        dest="deploygate_preflight",
        action="store_false",
        help="skip the reachability check before the first test (default: check once).",
    )
    group.addoption(
        "--run-id",
        dest="deploygate_run_id",
        metavar="ID",
        help="id naming this run's test data (default: $DEPLOYGATE_RUN_ID or a new one).",
    )
    parser.addini("deploygate_env", "environment used when --env is not given.", default="local")
    parser.addini(
        "deploygate_environments_file",
        "environments file, relative to the ini file (default: found as --environments-file is).",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    for marker, text in markers.MARKERS.items():
        config.addinivalue_line("markers", f"{marker}: {text}")
    workerinput = getattr(config, "workerinput", {})
    run_id = (
        workerinput.get("deploygate_run_id")
        or config.option.deploygate_run_id
        or os.environ.get("DEPLOYGATE_RUN_ID")
        or time.strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(2)
    )
    if config.pluginmanager.hasplugin("xdist") and not workerinput:
        config.pluginmanager.register(_XdistHooks(run_id), "deploygate-xdist")
    config.stash[SESSION_KEY] = Session(
        run_id=run_id,
        allow_destructive=config.option.deploygate_allow_destructive,
        allow_load=config.option.deploygate_allow_load,
        preflight=config.option.deploygate_preflight,
    )
    config.stash[MASKER_KEY] = Masker()
    _refuse_a_moved_rootdir(config)
    loaded = _load(config)
    if loaded is None:
        return
    env = loaded.environment
    config.stash[CONFIG_KEY] = loaded
    config.stash[ENVIRONMENT_KEY] = env
    config.stash[MASKER_KEY].add(*env.secrets)
    _add_metadata(config, env)
    if workerinput:
        return
    controller = _Controller(config, env)
    config.pluginmanager.register(controller, "deploygate-controller")
    if config.pluginmanager.hasplugin("html"):
        config.pluginmanager.register(_HtmlHooks(controller), "deploygate-html")


def _refuse_a_moved_rootdir(config: pytest.Config) -> None:
    """pytest picks its rootdir and ini file before any plugin's options exist, so it reads the
    path in ``--environments-file /elsewhere/env.toml`` as a test path and looks for its ini file
    from /elsewhere: the project's ini file is not read, the rootdir moves, other tests are
    collected. Nothing can undo that from a plugin; refuse it with the fix (the ``=`` form)."""
    if config.getoption("rootdir", None):
        return  # the user chose the rootdir
    args = list(config.invocation_params.args)
    invocation_dir = config.invocation_params.dir.resolve()
    inipath = config.inipath
    if inipath is not None and _within(invocation_dir, inipath.parent.resolve()):
        return  # the ini file found applies to where pytest was started
    for flag, value in zip(args, args[1:], strict=False):
        if flag != "--environments-file":
            continue
        if _within((invocation_dir / value).resolve().parent, invocation_dir):
            continue  # searched from inside the project, pytest finds the project's ini file
        raise pytest.UsageError(
            f"--environments-file {value} as two arguments: pytest reads {value} as a test "
            "path before plugins load and looks for its configuration from there, not from "
            f"{invocation_dir}; its rootdir became {config.rootpath} and other tests would be "
            f"collected. Write --environments-file={value}"
        )


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _load(config: pytest.Config) -> DeploygateConfig | None:
    """environments.toml, read once per process (None: the plugin stays out of the way)."""
    explicit = config.option.deploygate_environments_file
    start = config.invocation_params.dir
    if not explicit and config.getini("deploygate_environments_file"):
        explicit = config.getini("deploygate_environments_file")
        start = config.inipath.parent if config.inipath else config.rootpath
    path, named = locate(explicit, start)
    name = config.option.deploygate_env or config.getini("deploygate_env")
    alerts_file = config.getoption("deploygate_alerts_file", None)
    try:
        document = None
        if not config.option.deploygate_env and not named:
            # A plain run: test the default environment only if the file defines it, so a
            # project's own unit tests run undisturbed beside an environments.toml.
            if not path.exists():
                return None
            document = read_document(path)
            if name not in document.get("environments", {}):
                return None
        return load_config(
            path, name, alerts_path=Path(alerts_file) if alerts_file else None, document=document
        )
    except DeployGateConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def _add_metadata(config: pytest.Config, env: Environment) -> None:
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:
        return
    metadata = config.stash.get(metadata_key, None)
    if metadata is None:
        return
    metadata.update(env.summary())
    state = config.stash[SESSION_KEY]
    metadata["Deploygate policy"] = policy.policy_line(env, 0, state.allow_destructive).replace(
        "policy skipped 0 destructive tests", "destructive tests are skipped"
    )
    metadata["Deploygate run id"] = state.run_id


def pytest_report_header(config: pytest.Config) -> list[str]:
    env = config.stash.get(ENVIRONMENT_KEY, None)
    if env is None:
        return []
    facts = env.summary()
    where = facts["Deploygate base URL"]
    sensitive = " (sensitive)" if env.sensitive else ""
    return [
        f"deploygate: environment {env.name}{sensitive} at {where}, run id "
        f"{config.stash[SESSION_KEY].run_id}"
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # Under xdist the controller collects nothing, so it checks reachability up front.
    config = session.config
    env = config.stash.get(ENVIRONMENT_KEY, None)
    if env is not None and _is_xdist_controller(config) and not env.is_local:
        _preflight(config, env)


@pytest.hookimpl(tryfirst=True)  # suite markers must exist before -m deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    env = config.stash.get(ENVIRONMENT_KEY, None)
    state = config.stash[SESSION_KEY]
    for item in items:
        policy.apply_markers(item)
        if env is None:
            continue
        decision = policy.decide(item, env, state.allow_destructive, state.allow_load)
        if decision is not None:
            item.add_marker(pytest.mark.skip(reason=decision.reason))
            if decision.refused_by_policy:
                item.stash[POLICY_SKIP_KEY] = decision.reason


def pytest_collection_finish(session: pytest.Session) -> None:
    """Boot or preflight the environment, once, if a collected test will talk to it."""
    config = session.config
    env = config.stash.get(ENVIRONMENT_KEY, None)
    if env is None or config.option.collectonly:
        return
    if not any(map(policy.talks_to_environment, session.items)):
        return
    state = config.stash[SESSION_KEY]
    if env.is_local and not config.getoption("base_url", None):
        from pytest_deploygate.session.launch import boot

        try:
            state.launched = boot(env.database_url, env.launch_profile, env.launch_tls)
        except RuntimeError as exc:
            failed = str(exc)
        else:
            failed = ""
        if failed:  # stopped outside the except: one line, no chain of tracebacks to format
            pytest.exit(config.stash[MASKER_KEY](f"deploygate: {failed}"), UNREACHABLE_EXIT)
        config.stash[MASKER_KEY].add(state.launched.jwt_secret)
        # The platform is ours, so its signing key is known: the expired-token check can run.
        state.environ_before.setdefault(JWT_SECRET_VARIABLE, os.environ.get(JWT_SECRET_VARIABLE))
        os.environ[JWT_SECRET_VARIABLE] = state.launched.jwt_secret
        launched = state.launched
        env = env.with_endpoint(launched.url, launched.database_url, launched.ca_bundle)
        config.stash[ENVIRONMENT_KEY] = env
    elif not hasattr(config, "workerinput"):
        _preflight(config, env)
    if not config.getoption("base_url", None):
        # Feed pytest-base-url (and through it Playwright's relative page.goto).
        config.option.base_url = env.base_url


def _preflight(config: pytest.Config, env: Environment) -> None:
    if not config.stash[SESSION_KEY].preflight or not env.base_url:
        return
    error = policy.preflight(env)
    if error is not None:
        pytest.exit(config.stash[MASKER_KEY](error), UNREACHABLE_EXIT)


def _is_xdist_controller(config: pytest.Config) -> bool:
    return (
        not hasattr(config, "workerinput")
        and config.pluginmanager.hasplugin("dsession")
        and bool(getattr(config.option, "tx", None) or getattr(config.option, "numprocesses", 0))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    entries = metrics.drain()
    if entries:
        metrics.attach(report, metrics=entries)
    env = item.config.stash.get(ENVIRONMENT_KEY, None)
    # The marker lookup last: it walks the node chain, and this hook runs three times a test.
    if (
        report.failed
        and call.when == "call"
        and env is not None
        and any(item.get_closest_marker(name) for name in markers.SUITES)
    ):
        reason = unreached(entries, env.platform.endpoints)
        if reason is not None:  # the test never reached the platform's code: not a finding
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {reason}")
    if call.when == "setup" and POLICY_SKIP_KEY in item.stash:
        metrics.attach(report, policy="refused")
    _mask_report(report, item.config.stash[MASKER_KEY])
    return report


def unreached(entries: list[dict[str, Any]], endpoints: Mapping[str, str]) -> str | None:
    """A contract mismatch line when every request a test made answered 404/405: the
    configured paths do not exist on this platform, so its failure says nothing about it."""
    requests = [e for e in entries if e.get("kind") == "http"]
    if not requests or any(e.get("status") not in (404, 405) for e in requests):
        return None
    seen = list(dict.fromkeys(f"{e['method']} {e['url_path']}" for e in requests))
    names = {
        name
        for e in requests
        for name, path in endpoints.items()
        if path != "/" and str(e["url_path"]).startswith(path.rstrip("/"))
    }
    keys = ", ".join(sorted(names)) or "the paths of [platform.api]"
    return (
        f"{PREFIX}every request answered 404/405 ({', '.join(seen[:3])}); if the platform "
        f"is shaped differently, set [platform.endpoints] {keys}"
    )


def _mask_report(report: pytest.TestReport, masker: Masker) -> None:
    """Scrub secrets from what the terminal, pytest-html and JUnit will show of this report."""
    if not masker.secrets or (report.passed and not report.sections):
        return
    if report.failed and report.longrepr is not None:
        text = str(report.longrepr)
        if masker(text) != text:
            report.longrepr = masker(text)
    elif report.skipped and isinstance(report.longrepr, tuple):
        path, lineno, reason = report.longrepr
        report.longrepr = (path, lineno, masker(reason))
    report.sections = [(title, masker(content)) for title, content in report.sections]


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(SESSION_KEY, None)
    if state is None:
        return
    if state.launched is not None:
        state.launched.stop()
        state.launched = None
    for name, before in state.environ_before.items():
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
    state.environ_before.clear()


class _Controller:
    """Counts policy refusals where reports arrive (the controller under xdist) and says so."""

    def __init__(self, config: pytest.Config, env: Environment) -> None:
        self.config = config
        self.env = env
        self.state = config.stash[SESSION_KEY]

    def policy_line(self) -> str:
        line = policy.policy_line(self.env, self.state.policy_skipped, self.state.allow_destructive)
        return self.config.stash[MASKER_KEY](f"deploygate: {line}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup" and metrics.carried_by(report).get("policy") == "refused":
            self.state.policy_skipped += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.env.sensitive:
            terminalreporter.write_line(self.policy_line(), yellow=self.state.policy_skipped > 0)


class _HtmlHooks:
    """pytest-html additions, registered only when pytest-html is active."""

    def __init__(self, controller: _Controller) -> None:
        self.controller = controller

    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        import html

        line = html.escape(self.controller.policy_line())
        prefix.append(f'<p class="deploygate-policy">{line}</p>')


class _XdistHooks:
    """Hands the controller's run id to every worker."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["deploygate_run_id"] = self.run_id
