"""Publishes each run's gate results to the team's monitoring (``[metrics]``), as a pytest plugin.

Acts on the controller only, once the gates are evaluated (``pytest_deploygate_gates_evaluated``),
and only when the environment configures a textfile or a Pushgateway. Never changes the run's
result: a failed push is a line in the terminal summary.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from pytest_deploygate.monitoring.exposition import render, samples_from_gates
from pytest_deploygate.monitoring.publish import PublishResult, publish
from pytest_deploygate.session.state import ENVIRONMENT_KEY, MASKER_KEY, SESSION_KEY

_RESULT_KEY = pytest.StashKey[PublishResult]()


def pytest_deploygate_gates_evaluated(
    config: pytest.Config, results: Sequence[Any], document: Mapping[str, Any]
) -> None:
    env = config.stash.get(ENVIRONMENT_KEY, None)
    if env is None or not env.metrics.enabled:
        return
    labels = {"environment": env.name, "run_id": config.stash[SESSION_KEY].run_id}
    exposition = render(samples_from_gates(document, time.time()), labels)
    config.stash[_RESULT_KEY] = publish(
        exposition, env.metrics, env.name, env.source.parent, config.stash[MASKER_KEY]
    )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    result = config.stash.get(_RESULT_KEY, None)
    if result is None:
        return
    for line in result.written:
        terminalreporter.write_line(f"metrics: {line}")
    for line in result.failed:
        terminalreporter.write_line(f"metrics: {line}", red=True)
