"""The entry point of pytest-deploygate: the list of its module plugins, and nothing else.

Every package that hooks into pytest does so in its own ``plugin`` module; they are loaded in
this order. Alerting reads the gate engine's result, so it comes after it.
"""

from __future__ import annotations

pytest_plugins = [
    "pytest_deploygate.session.plugin",
    "pytest_deploygate.session.fixtures",
    "pytest_deploygate.suites.plugin",
    "pytest_deploygate.browser.plugin",
    "pytest_deploygate.features.plugin",
    "pytest_deploygate.load.plugin",
    "pytest_deploygate.gates.plugin",
    "pytest_deploygate.alerting.plugin",
]
