"""examples/ci/deploy-with-gates.sh: gates stop a deploy; a failed verification rolls back.

The tools are stubbed by tiny scripts on PATH that log their call and exit as told, so what is
under test is the pipeline's control flow (the tools themselves are tested elsewhere).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "examples" / "ci" / "deploy-with-gates.sh"
TOOLS = ("coverage", "pip-audit", "pytest", "deploygate", "deploy", "rollback")


def pipeline(tmp_path: Path, once: bool = False, **exits: int) -> tuple[int, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in TOOLS:
        key = tool.replace("-", "_")
        stub = bin_dir / tool
        # "pytest -m smoke" and "deploygate health" get their own exit codes; with once=True
        # only their first call fails (the rollback then verifies).
        failed = tmp_path / f"{tool}.failed"
        fail = f'[ -e "{failed}" ] && exit 0; touch "{failed}"; ' if once else ""
        stub.write_text(
            "#!/bin/sh\n"
            f'echo "{tool} $*" >> "{log}"\n'
            f'case "$*" in *smoke*) [ {exits.get("smoke", 0)} = 0 ] || {{ {fail}'
            f"exit {exits.get('smoke', 0)}; }}; exit 0;; "
            f"health*) [ {exits.get('health', 0)} = 0 ] || {{ {fail}"
            f"exit {exits.get('health', 0)}; }}; exit 0;; esac\n"
            f"exit {exits.get(key, 0)}\n"
        )
        stub.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "DEPLOY_COMMAND": str(bin_dir / "deploy"),
        "ROLLBACK_COMMAND": str(bin_dir / "rollback"),
    }
    result = subprocess.run(
        ["bash", str(SCRIPT), "staging"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return result.returncode, [call.split(" ")[0] + " " + call.split(" ")[1] for call in calls]


def test_green_pipeline_deploys_and_verifies(tmp_path: Path) -> None:
    status, calls = pipeline(tmp_path)
    assert status == 0
    assert "deploy staging" in calls and "rollback staging" not in calls
    assert calls.index("deploy staging") < calls.index("deploygate health")


@pytest.mark.parametrize("pytest_exit", [99, 1])
def test_breached_gate_or_failed_tests_stop_the_deploy(tmp_path: Path, pytest_exit: int) -> None:
    status, calls = pipeline(tmp_path, pytest=pytest_exit)
    assert status == pytest_exit
    assert "deploy staging" not in calls


@pytest.mark.parametrize("failing", ["health", "smoke"])
def test_failed_verification_rolls_back_and_verifies_the_rollback(
    tmp_path: Path, failing: str
) -> None:
    status, calls = pipeline(tmp_path, once=True, **{failing: 2})
    assert status == 3
    assert calls.index("deploy staging") < calls.index("rollback staging")


def test_a_rollback_that_does_not_verify_is_not_restored(tmp_path: Path) -> None:
    status, calls = pipeline(tmp_path, smoke=1)
    assert status == 5
    assert calls.index("rollback staging") < len(calls) - 1  # verified after it
