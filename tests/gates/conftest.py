"""Fixtures for the gate engine's pytester sessions: a project with environments.toml."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from gate_helpers import RECORDING_TEST, toml_table, write


@pytest.fixture
def gate_project(pytester: pytest.Pytester) -> Callable[..., pytest.Pytester]:
    """Write environments.toml (a ``staging`` environment on a dead loopback port) and suites."""

    def make(
        gates: Mapping[str, str],
        env_gates: Mapping[str, str] | None = None,
        entries: list[dict[str, Any]] | None = None,
        files: Mapping[str, str] | None = None,
    ) -> pytest.Pytester:
        text = toml_table("gates", gates)
        text += '[environments.staging]\nbase_url = "http://127.0.0.1:9"\n'
        text += '[environments.production]\nbase_url = "http://127.0.0.1:9"\nsensitive = true\n'
        if env_gates:
            text += toml_table("environments.staging.gates", env_gates)
        pytester.path.joinpath("environments.toml").write_text(text)
        if entries is not None:
            write(
                pytester.path / "suites/api/test_measured.py",
                RECORDING_TEST.format(entries=json.dumps(entries)),
            )
        for name, content in (files or {}).items():
            write(pytester.path / name, textwrap.dedent(content))
        return pytester

    return make
