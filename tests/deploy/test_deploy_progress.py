"""A deploy shows its progress while it blocks: in a pipe, plain throttled lines on stderr (the
command's seconds and the probe's rounds; then the verification with pytest's percentage)."""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path

from deploy_support import deploygate, environments_toml, supervised_platform

from pytest_deploygate.progress import PLAIN_INTERVAL_S

COMMAND_S = 6


def elapsed(line: str) -> int:
    match = re.search(r"command (\d+) s of 120 s", line)
    assert match, line
    return int(match[1])


def test_in_a_pipe_a_deploy_writes_plain_progress_lines(tmp_path: Path) -> None:
    with supervised_platform(tmp_path / "platform") as platform:
        (tmp_path / "environments.toml").write_text(environments_toml(platform.url))
        # Given a deploy command that takes 6 s, and stdout/stderr that are pipes
        run = deploygate(
            "deploy", "--env", "qa", "--verify", "smoke", "--",
            sys.executable, "-c", f"import time; time.sleep({COMMAND_S})",
            cwd=tmp_path,
        )  # fmt: skip

    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stderr.splitlines()
    assert "\r" not in run.stderr and "\x1b[" not in run.stderr  # no terminal control
    # Then the command step is a line at its start, one at most every 5 s, and its end
    command = [line for line in lines if line.startswith("deploy qa: command ")]
    seconds = [elapsed(line) for line in command]
    updates, end = seconds[:-1], seconds[-1]  # the step's end is always shown
    assert end >= COMMAND_S - 1
    assert 1 <= len(updates) <= 1 + end // PLAIN_INTERVAL_S, command
    assert all(b - a >= PLAIN_INTERVAL_S for a, b in itertools.pairwise(updates)), command
    assert re.search(r"; probe \d+ rounds, 0 failed, up$", command[-1]), command
    # And the verification ends with pytest at 100 %
    verifying = [line for line in lines if line.startswith("deploy qa: verifying the release: ")]
    assert verifying and "pytest 100 %" in verifying[-1], lines
    # And stdout keeps only the deploy's own lines
    assert "probe " not in run.stdout.replace("probing", "")
