"""Collects ``*.feature.yaml`` files as pytest items, one per case (a module-style plugin).

Each case is a :class:`pytest.Function` whose callable declares exactly the fixtures its steps
need (``page`` for browser steps, ``api``/``admin_api``/``customer_api`` per role), so browser
reuse, failure screenshots, the safety policy and ``-m``/``-k`` treat it like any other test.
Loading this module twice (entry point and ``-p``) is harmless: pytest registers it once.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_deploygate.features.model import Case, Feature
from pytest_deploygate.features.nodes import FeatureSchemaError
from pytest_deploygate.features.schema import load_feature
from pytest_deploygate.session.state import CONFIG_KEY

# Chromium discovery and failure screenshots/traces for the browser steps.
pytest_plugins = ["pytest_deploygate.browser.plugin"]

SUFFIX = ".feature.yaml"
ROLE_FIXTURES = {"anonymous": "api", "admin": "admin_api", "customer": "customer_api"}
_MARKER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> FeatureFile | None:
    if file_path.name.endswith(SUFFIX):
        return FeatureFile.from_parent(parent, path=file_path)
    return None


class FeatureFile(pytest.File):
    """One feature file; a schema problem is a collection error naming file, line and field."""

    def collect(self) -> Iterator[FeatureCase]:
        try:
            feature = load_feature(
                self.path,
                source=self.nodeid,
                environments=_environment_names(self.config),
                markers=_marker_names(self.config),
            )
        except FeatureSchemaError as error:
            raise self.CollectError(str(error)) from None
        for case in feature.cases:
            yield FeatureCase.from_parent(self, name=case.name, feature=feature, case=case)


class FeatureCase(pytest.Function):
    """One case of a feature file, run step by step."""

    def __init__(self, *, feature: Feature, case: Case, **kwargs: Any) -> None:
        self.feature = feature
        self.case = case
        super().__init__(callobj=_runner(feature, case, kwargs["parent"].nodeid), **kwargs)
        self.add_marker("features")
        if feature.is_destructive(case):
            self.add_marker("destructive")
        if feature.environments:
            self.add_marker(pytest.mark.environments(*feature.environments))
        parts = feature.requires(case)
        if parts:
            self.add_marker(pytest.mark.requires(*parts))
        for marker in dict.fromkeys((*feature.markers, *case.markers)):
            self.add_marker(marker)

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, self.case.line - 1, f"{self.feature.name}: {self.case.name}"


def _runner(feature: Feature, case: Case, source: str) -> Callable[..., None]:
    """The case as a function whose parameters are the fixtures its steps use."""
    names = ["platform", "deploygate_run_id"]
    names += ["page"] if case.uses_browser else []
    names += [ROLE_FIXTURES[role] for role in case.api_roles]

    def run_feature_case(**fixtures: Any) -> None:
        from pytest_deploygate.browser.timing import PageLoadRecorder
        from pytest_deploygate.features.steps import Context, builtin_values, run_case
        from pytest_deploygate.session.metrics import record_metric

        platform = fixtures["platform"]
        page = fixtures.get("page")
        context = Context(
            platform=platform,
            clients={
                role: fixtures[name] for role, name in ROLE_FIXTURES.items() if name in fixtures
            },
            page=page,
            page_loads=PageLoadRecorder(record_metric) if page is not None else None,
            builtins=builtin_values(
                fixtures["deploygate_run_id"], platform.test_cards, platform.endpoints
            ),
        )
        run_case(feature, case, source, context)

    parameters = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in names]
    run_feature_case.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return run_feature_case


def _environment_names(config: pytest.Config) -> list[str] | None:
    loaded = config.stash.get(CONFIG_KEY, None)
    return None if loaded is None else list(loaded.environment_names)


def _marker_names(config: pytest.Config) -> set[str]:
    lines: list[str] = config.getini("markers")
    return {match.group(0) for line in lines if (match := _MARKER_NAME.match(line))}
