"""The entry point of pytest-deploygate: the list of its module plugins, and its hookspecs.

Every package that hooks into pytest does so in its own ``plugin`` module; they are loaded in
this order. Alerting reacts to the gate engine's result through a hook, so the order among them
is only the order of their terminal sections.
"""

from __future__ import annotations

import pytest

from pytest_deploygate.load import locust_plugin

pytest_plugins = [
    "pytest_deploygate.session.plugin",
    "pytest_deploygate.session.fixtures",
    "pytest_deploygate.suites.plugin",
    "pytest_deploygate.browser.plugin",
    "pytest_deploygate.features.plugin",
    "pytest_deploygate.load.plugin",
    "pytest_deploygate.gates.plugin",
    "pytest_deploygate.alerting.plugin",
    "pytest_deploygate.monitoring.plugin",
]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from pytest_deploygate import hookspecs

    pluginmanager.add_hookspecs(hookspecs)
    locust_plugin.block_early(pluginmanager)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    locust_plugin.drop_if_loaded(early_config, parser, args)
