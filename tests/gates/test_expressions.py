"""Threshold expressions and gate tables: parsing, evaluation and the config errors."""

from __future__ import annotations

import math

import pytest

from pytest_deploygate.gates import GateConfigError, parse_gate_table, parse_threshold
from pytest_deploygate.gates.catalog import METRICS, lookup


@pytest.mark.parametrize(
    ("text", "value", "holds"),
    [
        ("< 200", 199.9, True),
        ("< 200", 200, False),
        ("<= 200", 200, True),
        (">= 85", 85, True),
        (">= 85", 84.99, False),
        ("> 0.5", 0.6, True),
        ("== 0", 0, True),
        ("== 0", 1, False),
        ("!= 3", 4, True),
        (">=85%", 90, True),
        ("  <   0.1 ", 0.05, True),
    ],
)
def test_threshold_holds(text: str, value: float, holds: bool) -> None:
    assert parse_threshold(text).holds(value) is holds


def test_threshold_never_holds_for_nan() -> None:
    assert not parse_threshold(">= 0").holds(math.nan)


def test_threshold_prints_back() -> None:
    assert str(parse_threshold(">=85")) == ">= 85"
    assert str(parse_threshold("< 0.1")) == "< 0.1"


@pytest.mark.parametrize("text", ["200", "=< 5", "< abc", "<", "", "lt 5", "< 5 ms", "=> 3"])
def test_malformed_threshold_is_an_error_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match=r'e\.g\. "< 200"'):
        parse_threshold(text)


def test_gate_table_error_names_file_table_and_key() -> None:
    with pytest.raises(GateConfigError) as info:
        parse_gate_table({"http.p95_ms": "<< 200"}, "environments.toml: [gates]")
    message = str(info.value)
    assert message.startswith("environments.toml: [gates]: 'http.p95_ms'")
    assert "'<< 200' is not a threshold" in message


def test_unknown_metric_lists_known_names() -> None:
    with pytest.raises(GateConfigError, match=r"unknown gate metric 'http.p96_ms'.*http\.p95_ms"):
        parse_gate_table({"http.p96_ms": "< 1"}, "x")


def test_non_string_threshold_is_an_error() -> None:
    with pytest.raises(GateConfigError, match=r"'coverage.lines' = 85 must be a string"):
        parse_gate_table({"coverage.lines": 85}, "x")


def test_pass_rate_accepts_known_suites_only() -> None:
    assert lookup("tests.pass_rate.security") is not None
    assert lookup("tests.pass_rate.integration") is not None
    assert lookup("tests.pass_rate.securty") is None


def test_design_default_gates_are_all_known() -> None:
    # DESIGN §3 [gates]: every default must be a catalogued metric.
    defaults = {
        "coverage.lines": ">= 85",
        "coverage.functions": ">= 90",
        "coverage.branches": ">= 80",
        "tests.pass_rate.integration": ">= 100",
        "tests.pass_rate.e2e": ">= 95",
        "tests.pass_rate.security": ">= 100",
        "vulnerabilities.critical": "== 0",
        "vulnerabilities.high": "< 5",
        "http.p95_ms": "< 200",
        "load.p95_ms": "< 200",
        "load.error_rate": "< 0.1",
        "page.load_ms": "< 3000",
        "db.query_p95_ms": "< 100",
        "accessibility.serious": "== 0",
        "accessibility.critical": "== 0",
        "api.endpoint_coverage": ">= 100",
    }
    assert set(parse_gate_table(defaults, "x")) == set(defaults)


def test_catalog_names_are_unique_and_documented() -> None:
    names = [metric.name for metric in METRICS]
    assert len(names) == len(set(names))
    assert all(metric.description and metric.unit for metric in METRICS)
