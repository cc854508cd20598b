"""Alert rules evaluated over the run's gate metrics at session end, as a pytest plugin.

Register with ``pytest_plugins`` in plugin.py. Acts only on the controller, only when the
selected environment has enabled rules, and never changes the run's exit status: a dead channel
is reported in the terminal summary and the log, and tried again at the next run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from pytest_deploygate.alerting.manager import AlertManager, AlertReport
from pytest_deploygate.alerting.rules import AlertConfigError
from pytest_deploygate.alerting.state import AlertStateError
from pytest_deploygate.masking import Masker
from pytest_deploygate.session.state import CONFIG_KEY, ENVIRONMENT_KEY, MASKER_KEY

PLUGIN_NAME = "deploygate-alerts"


def pytest_addoption(parser: pytest.Parser) -> None:
    # Help texts: what the option does, then its default, in one sentence each.
    group = parser.getgroup("deploygate-alerts", "deploygate alerting")
    group.addoption(
        "--no-alerts",
        dest="deploygate_no_alerts",
        action="store_true",
        help="do not evaluate alert rules at session end (default: evaluate them).",
    )
    group.addoption(
        "--alerts-file",
        dest="deploygate_alerts_file",
        metavar="PATH",
        help="TOML file holding the [alerts] table (default: the environments file).",
    )


def gate_metrics(document: Mapping[str, Any]) -> dict[str, float]:
    """The run's metric values by name, from gates.json, plus ``gates.breached`` (the number of
    breached gates), so a rule can page on any breach."""
    metrics = {
        str(name): float(value)
        for name, value in document.get("metrics", {}).items()
        if isinstance(value, int | float)
    }
    gates = document.get("gates", [])
    metrics["gates.breached"] = float(sum(1 for g in gates if g.get("verdict") == "fail"))
    return metrics


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # trylast: the core has resolved the environment by now.
    if hasattr(config, "workerinput") or config.option.deploygate_no_alerts:
        return
    env = config.stash.get(ENVIRONMENT_KEY, None)
    if env is None:
        return
    masker = config.stash.get(MASKER_KEY, None)
    if masker is None:
        masker = Masker()
    alerts = config.stash[CONFIG_KEY].alerts  # checked when environments.toml was loaded
    if not alerts.enabled or not alerts.rules_for(env.name):
        return
    try:
        manager = AlertManager.for_environment(
            alerts, env.name, base_dir=env.source.parent, masker=masker
        )
        manager.store.prepare()  # a bad state file is a usage error now, not at session end
    except (AlertConfigError, AlertStateError) as exc:
        raise pytest.UsageError(masker(str(exc))) from None
    config.pluginmanager.register(SessionAlerts(config, manager, env.name, masker), PLUGIN_NAME)


class SessionAlerts:
    """Evaluates the environment's rules once, after the gate engine has computed the metrics."""

    def __init__(
        self, config: pytest.Config, manager: AlertManager, environment: str, masker: Masker
    ) -> None:
        self.config = config
        self.manager = manager
        self.environment = environment
        self.masker = masker
        self.report: AlertReport | None = None
        self.error = ""

    def pytest_deploygate_gates_evaluated(
        self, config: pytest.Config, results: Sequence[Any], document: Mapping[str, Any]
    ) -> None:
        try:
            self.report = self.manager.evaluate(gate_metrics(document), self.environment)
        except Exception as exc:  # noqa: BLE001 - alerting never changes the run's result
            self.error = f"{type(exc).__name__}: {exc}"

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_sep("=", "deploygate alerts")
        if self.error:
            line = f"alerts: rules not evaluated ({self.error}); the run's result is unchanged"
            terminalreporter.write_line(self.masker(line), red=True)
            return
        if self.report is None:
            terminalreporter.write_line("alerts: no gate metrics in this run; rules not evaluated")
            return
        for line in self.report.lines():
            terminalreporter.write_line(self.masker(line))
        failed = self.report.failed_deliveries
        firing = len(self.report.firing)
        summary = f"alerts: {firing} firing in {self.environment}"
        if failed:
            summary += f"; {len(failed)} delivery failure(s), the run's result is unchanged"
        terminalreporter.write_line(summary, red=bool(firing or failed), green=not firing)
