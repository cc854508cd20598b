"""``deploygate gate PATH``: a stored result printed and evaluated again in a later CI step."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import http, run

from pytest_deploygate.cli.gate import main

Project = Callable[..., pytest.Pytester]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stored") / "gates.json"


@pytest.fixture
def gates_file(gate_project: Project, stored: Path) -> Path:
    """A gates.json from a real session (written once, reused by every test of the module)."""
    if not stored.exists():
        pytester = gate_project(
            {"http.p95_ms": "< 200", "load.p95_ms": "< 200"},
            entries=[http("/api/services", 20), http("/api/services", 400)],
        )
        assert run(pytester).ret == 99
        shutil.copy(pytester.path / "reports" / "gates.json", stored)
    return stored


def test_prints_the_table_and_exits_99_on_a_breach(
    gates_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(gates_file)]) == 99
    out = capsys.readouterr().out
    assert "environment staging" in out
    assert "http.p95_ms  < 200      381 ms        FAIL" in out
    assert "load.p95_ms  < 200      not measured  not measured" in out


def test_a_threshold_override_re_evaluates_the_stored_value(
    gates_file: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junit = tmp_path / "gates.xml"
    assert main([str(gates_file), "--gate", "http.p95_ms=< 500", "--junit", str(junit)]) == 0
    assert "http.p95_ms  < 500" in capsys.readouterr().out
    assert len(ET.parse(junit).findall(".//testcase")) == 2


def test_strict_fails_the_unmeasured_gate(gates_file: Path) -> None:
    assert main([str(gates_file), "--gate", "http.p95_ms=< 500", "--strict"]) == 99


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, [], "cannot read it"),
        ("[1, 2", [], "not JSON"),
        ('{"gates": []}', [], "not a deploygate gates.json"),
        ("stored", ["--gate", "http.p95_ms"], "write it as METRIC=EXPR"),
        ("stored", ["--gate", "http.p95=< 3"], "unknown gate metric 'http.p95'"),
    ],
)
def test_unusable_input_is_one_line_and_exit_4(
    gates_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    args: list[str],
    message: str,
) -> None:
    path = gates_file if content == "stored" else tmp_path / "gates.json"
    if content not in (None, "stored"):
        path.write_text(content)
    assert main([str(path), *args]) == 4
    err = capsys.readouterr().err
    assert err.startswith("deploygate gate: ") and message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("tests_exit", [1, 2, 5])
def test_a_stored_run_whose_tests_did_not_pass_fails_the_step(
    gates_file: Path, tmp_path: Path, tests_exit: int
) -> None:
    document = json.loads(gates_file.read_text())
    document["run"]["tests_exit_status"] = tests_exit
    path = tmp_path / "gates.json"
    path.write_text(json.dumps(document))
    # Even with every gate passing, the step fails: its tests did not.
    assert main([str(path), "--gate", "http.p95_ms=< 500"]) == 1
