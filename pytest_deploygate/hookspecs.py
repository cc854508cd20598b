"""Hooks deploygate calls, for its own module plugins and for other plugins (added through
``pytest_addhooks`` in plugin.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_deploygate.gates.evaluate import GateResult


def pytest_deploygate_gates_evaluated(
    config: pytest.Config, results: Sequence[GateResult], document: Mapping[str, Any]
) -> None:
    """The run's gates were evaluated on the controller; ``document`` is gates.json (masked).

    Called once per session, before the HTML report is written; alerting evaluates its rules
    over the document's metrics here.
    """
