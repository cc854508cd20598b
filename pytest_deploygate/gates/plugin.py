"""The gate engine as a pytest plugin: options, metric collection, verdicts and outputs.

When it acts (the rest of the time it stays quiet, e.g. for a project's own unit tests):
- the pytest-html default (``reports/report.html``, self-contained, previous run rotated aside)
  applies when ``--env`` is given explicitly and ``--html`` is not;
- gates are evaluated on the controller when ``--env`` is given, or a ``--coverage-report`` /
  ``--vuln-report`` is, or an environment is configured and some test belonged to a suite.
Under pytest-xdist only the controller pools and evaluates; workers only stamp their reports.
Exit status 99 means: every test passed, but a gate breached (k6 uses the same code).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_deploygate.config.locate import reports_location
from pytest_deploygate.gates import coverage_reports, report, trends, vuln_reports
from pytest_deploygate.gates.aggregate import MetricPool
from pytest_deploygate.gates.catalog import SUITES, measured_by_history
from pytest_deploygate.gates.endpoints import operations_from_openapi
from pytest_deploygate.gates.evaluate import GateResult
from pytest_deploygate.gates.expressions import GateConfigError, Threshold
from pytest_deploygate.gates.outcome import detail_lines, evaluate_run, thresholds_of
from pytest_deploygate.gates.regression import Baseline, load_baseline
from pytest_deploygate.session import policy
from pytest_deploygate.session.metrics import attach, carried_by
from pytest_deploygate.session.state import ENVIRONMENT_KEY

GATE_BREACHED_EXIT = 99
_OPENAPI_FETCHED = pytest.StashKey[bool]()
#: Tests the user's -m/-k (or --deselect, --lf) deselected in this process, per suite ("" = all).
_DESELECTED = pytest.StashKey[dict[str, int]]()
_DESELECTED_SENT = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    # Help texts: what the option does, then its default, in one sentence each.
    group = parser.getgroup("deploygate-gates", "deploygate quality gates")
    group.addoption(
        "--coverage-report",
        dest="deploygate_coverage_reports",
        action="append",
        default=[],
        metavar="PATH",
        help="LCOV, Cobertura XML or coverage.py JSON report for coverage.* gates (repeatable).",
    )
    group.addoption(
        "--vuln-report",
        dest="deploygate_vuln_reports",
        action="append",
        default=[],
        metavar="PATH",
        help="pip-audit, npm audit (v2) or OSV JSON report for vulnerabilities.* (repeatable).",
    )
    group.addoption(
        "--gate-strict",
        dest="deploygate_gate_strict",
        action="store_true",
        help="a gate whose metric was not measured fails (default: it passes as not measured).",
    )
    group.addoption(
        "--baseline",
        dest="deploygate_baseline",
        metavar="PATH",
        help="an earlier gates.json for the regression.* gates (default: no regression gates).",
    )
    group.addoption(
        "--gates-junit",
        dest="deploygate_gates_junit",
        metavar="PATH",
        help="JUnit file with one testcase per gate (default: <reports dir>/gates.xml).",
    )
    group.addoption(
        "--reports-dir",
        dest="deploygate_reports_dir",
        metavar="DIR",
        help="where report.html, gates.json and gates.xml go (default: reports/ in the folder "
        "pytest was started from).",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # tryfirst: the HTML default must be in place before pytest-html reads --html.
    if hasattr(config, "workerinput") or config.pluginmanager.has_plugin(GateEngine.NAME):
        return
    option = config.option
    invocation_dir = config.invocation_params.dir
    reports_dir = reports_location(option.deploygate_reports_dir, invocation_dir)
    junit = Path(option.deploygate_gates_junit or reports_dir / "gates.xml")
    explicit_env = bool(getattr(option, "deploygate_env", None))
    engine = GateEngine(
        config,
        reports_dir=reports_dir,
        junit_path=junit if junit.is_absolute() else invocation_dir / junit,
        strict=option.deploygate_gate_strict,
        explicit=explicit_env
        or bool(option.deploygate_coverage_reports or option.deploygate_vuln_reports),
    )
    config.pluginmanager.register(engine, GateEngine.NAME)
    if explicit_env and not getattr(option, "htmlpath", "unset") and not option.collectonly:
        latest = reports_dir / "report.html"
        report.rotate(latest)
        option.htmlpath = str(latest)
        option.self_contained_html = True


_STAMPS_PLUGIN_NAME = "deploygate-gate-stamps"


def pytest_deselected(items: list[pytest.Item]) -> None:
    # Counted where collection happens (each xdist worker); they travel on the first report, so
    # the controller can tell "deselected" from "not there" (never a gate breach, DESIGN §8).
    if not items:
        return
    counts = items[0].config.stash.setdefault(_DESELECTED, {})
    for item in items:
        for suite in {"", *(mark.name for mark in item.iter_markers() if mark.name in SUITES)}:
            counts[suite] = counts.get(suite, 0) + 1


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    # Its report hook wraps every test: only a session that tests an environment registers it.
    config = session.config
    if ENVIRONMENT_KEY not in config.stash or config.pluginmanager.has_plugin(_STAMPS_PLUGIN_NAME):
        return
    if any(policy.talks_to_environment(item) for item in session.items):
        config.pluginmanager.register(SuiteStamps(), _STAMPS_PLUGIN_NAME)


class SuiteStamps:
    """Stamps each report with its suites (and once per process, the platform's operations)."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        test_report = yield
        if call.when == "setup":
            # Once per test, on the report every test has (a crash later loses nothing of it);
            # only tests of a suite carry it.
            suites = sorted({mark.name for mark in item.iter_markers() if mark.name in SUITES})
            if suites:
                attach(test_report, suites=suites)
            if not item.config.stash.get(_DESELECTED_SENT, False):
                item.config.stash[_DESELECTED_SENT] = True
                counts = item.config.stash.get(_DESELECTED, {})
                if counts:
                    attach(test_report, metrics=[{"kind": "deselected", "counts": counts}])
        elif call.when == "call" and not item.config.stash.get(_OPENAPI_FETCHED, False):
            entry = _openapi_entry(item)
            if entry is not None:
                attach(test_report, metrics=[entry])
        return test_report


def _openapi_entry(item: pytest.Item) -> dict[str, Any] | None:
    """Once per process, and only when a gate wants it: the platform's OpenAPI operations,
    fetched from the first test that already talks to the platform (its ``base_url``), or why
    they could not be (then ``[platform.endpoints]`` is the denominator, and the note says so)."""
    config = item.config
    if "api.endpoint_coverage" not in config.stash[ENVIRONMENT_KEY].gates:
        config.stash[_OPENAPI_FETCHED] = True
        return None
    base_url = getattr(item, "funcargs", {}).get("base_url")
    if not (isinstance(base_url, str) and base_url):
        return None  # ask again with the next test
    config.stash[_OPENAPI_FETCHED] = True
    operations, why = _fetch_operations(config, base_url)
    if not operations:
        return {"kind": "operations_unavailable", "why": why}
    return {"kind": "operations", "source": "openapi", "operations": operations}


def _fetch_operations(config: pytest.Config, base_url: str) -> tuple[list[str], str]:
    """The platform's OpenAPI operations, fetched where the platform is (the worker under xdist),
    or none and why. Only a failed fetch or an unusable document is caught: a bug must show.
    (urllib: one GET needs no client, and its errors are the stdlib's OSError/ValueError.)"""
    from pytest_deploygate.session.http import platform_tls

    env = config.stash[ENVIRONMENT_KEY]
    path = env.platform.endpoints.get("openapi", "/openapi.json")
    url = base_url.rstrip("/") + path
    context = platform_tls(env.platform) if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(url, timeout=3.0, context=context) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        return [], f"GET {path} answered HTTP {exc.code}"
    except OSError as exc:  # refused, timed out, DNS: URLError and socket errors
        return [], f"GET {path} failed ({getattr(exc, 'reason', exc)})"
    try:
        document = json.loads(body)
    except ValueError:
        return [], f"GET {path} is not JSON"
    operations = operations_from_openapi(document) if isinstance(document, dict) else []
    if not operations:
        return [], f"GET {path} declares no operations under paths"
    return [str(operation) for operation in operations], ""


class GateEngine:
    """The controller's gate state and hooks (registered once, on the controller only)."""

    NAME = "deploygate-gates"

    def __init__(
        self,
        config: pytest.Config,
        *,
        reports_dir: Path,
        junit_path: Path,
        strict: bool,
        explicit: bool,
    ) -> None:
        self.config = config
        self.reports_dir = reports_dir
        self.junit_path = junit_path
        self.strict = strict
        self.explicit = explicit
        self.started = time.time()
        self.pool = MetricPool()
        self.thresholds: dict[str, Threshold] = {}
        self.coverage: coverage_reports.CoverageSummary | None = None
        self.vulns: vuln_reports.VulnSummary | None = None
        self.baseline: Baseline | None = None
        self.saw_suite = False
        self.results: list[GateResult] | None = None
        self.document: dict[str, Any] | None = None
        self.history: list[dict[str, Any]] = []
        self.history_problem = ""

    @property
    def active(self) -> bool:
        return self.explicit or self.saw_suite

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Validate the gate tables and read the inputs before any test runs."""
        option = self.config.option
        try:
            self.thresholds = {
                metric: threshold
                for metric, threshold in thresholds_of(
                    self.config.stash.get(ENVIRONMENT_KEY, None)
                ).items()
                if not measured_by_history(metric)  # deploy.*: deploygate gate --history
            }
            if option.deploygate_baseline:
                self.baseline = load_baseline(Path(option.deploygate_baseline))
            if option.deploygate_coverage_reports:
                self.coverage = coverage_reports.merge(
                    coverage_reports.read_coverage_report(Path(path))
                    for path in option.deploygate_coverage_reports
                )
            if option.deploygate_vuln_reports:
                self.vulns = vuln_reports.merge(
                    vuln_reports.read_vuln_report(Path(path))
                    for path in option.deploygate_vuln_reports
                )
        except (
            GateConfigError,
            coverage_reports.CoverageReportError,
            vuln_reports.VulnReportError,
            ValueError,  # a --baseline that is not a gates.json
        ) as exc:
            raise pytest.UsageError(str(exc)) from None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Pool outcomes and entries (reports from xdist workers arrive here too)."""
        self.pool.add_report(report)
        if not self.saw_suite and report.when == "setup":
            self.saw_suite = "suites" in carried_by(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # tryfirst: before pytest-html's trylast sessionfinish asks for the summary.
        if not self.active or self.results is not None or self.config.option.collectonly:
            return
        self.results, self.document = evaluate_run(
            self.config,
            self.pool,
            self.thresholds,
            coverage=self.coverage,
            vulns=self.vulns,
            strict=self.strict,
            started=self.started,
            exitstatus=int(session.exitstatus),
            baseline=self.baseline,
        )
        report.write_json(self.reports_dir / "gates.json", self.document)
        self._record_history()
        self.junit_path.parent.mkdir(parents=True, exist_ok=True)
        self.junit_path.write_text(report.junit_xml(self.results, "deploygate.gates"), "utf-8")
        if session.exitstatus == pytest.ExitCode.OK and any(r.breached for r in self.results):
            session.exitstatus = GATE_BREACHED_EXIT
        self.config.hook.pytest_deploygate_gates_evaluated(
            config=self.config, results=self.results, document=self.document
        )

    def _record_history(self) -> None:
        """This run onto the environment's trend history (the report's charts read it)."""
        env = self.config.stash.get(ENVIRONMENT_KEY, None)
        entry = trends.entry_of(self.document or {}, time.time())
        if env is None or entry is None:
            return
        path = trends.history_path(self.reports_dir, env.name)
        try:
            self.history = trends.record(path, entry)
        except OSError as exc:  # trends are a convenience: the run's result stands
            self.history_problem = f"trend history not written: {path} ({exc.strerror or exc})"

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.results is None:
            return
        terminalreporter.write_sep("=", "deploygate quality gates")
        if not self.results:
            terminalreporter.write_line(
                "no gates configured: add a [gates] table to the environments file"
            )
        for line in report.table_lines(self.results):
            terminalreporter.write_line(line)
        for line in detail_lines(self.document or {}):
            terminalreporter.write_line(line)
        breached = any(r.breached for r in self.results)
        terminalreporter.write_line(
            "gates: " + report.summary_line(self.results), red=breached, green=not breached
        )
        worse = trends.worse_since_last_pass(self.history)
        if worse:
            terminalreporter.write_line(
                "worse since the last passing run: " + "; ".join(w.text() for w in worse),
                yellow=True,
            )
        if self.history_problem:
            terminalreporter.write_line(self.history_problem, yellow=True)
        terminalreporter.write_line(f"gates written to {self.reports_dir / 'gates.json'}")

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        env = self.config.stash.get(ENVIRONMENT_KEY, None)
        if self.active and env is not None:
            report.title = f"deploygate: {env.name}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        if self.document is not None:
            env = self.config.stash.get(ENVIRONMENT_KEY, None)
            block = report.html_summary(self.document)
            if env is not None:
                block += trends.html_trends(self.history, env.name)
            prefix.insert(0, block)
