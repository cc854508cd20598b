"""``deploygate watch`` shows the wait between polls: plain throttled lines on stderr in a pipe,
one refreshing line on a terminal; stdout keeps one line per poll."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from pytest_deploygate.progress import PLAIN_INTERVAL_S

DEPLOYGATE = Path(sys.executable).with_name("deploygate")
INTERVAL_S = 6


def command(tmp_path: Path) -> list[str]:
    environments = tmp_path / "environments.toml"
    environments.write_text('[environments.local]\nlaunch = "reference"\n')
    return [
        str(DEPLOYGATE), "watch", "--env", "local", "--environments-file", str(environments),
        "--interval", f"{INTERVAL_S}s", "--count", "2",
    ]  # fmt: skip


def environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("CI", "REFERENCE_APP_FAULTS")}


def test_in_a_pipe_the_wait_is_plain_lines_on_stderr(tmp_path: Path) -> None:
    result = subprocess.run(
        command(tmp_path), capture_output=True, text=True, timeout=120, env=environ(), cwd=tmp_path
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "\r" not in result.stderr and "\x1b[" not in result.stderr
    waits = [line for line in result.stderr.splitlines() if line.startswith("watch local: ")]
    # one line when the wait starts, then at most one every 5 s of the 6 s wait
    assert 1 <= len(waits) <= 1 + INTERVAL_S // PLAIN_INTERVAL_S, waits
    assert waits[0] == (
        f"watch local: 1 of 2 poll(s) done, 0 alert(s) firing, next poll in {INTERVAL_S} s"
    )
    left = [int(re.findall(r"next poll in (\d+) s", line)[0]) for line in waits]
    assert all(a - b >= PLAIN_INTERVAL_S - 1 for a, b in zip(left, left[1:], strict=False))
    # stdout: exactly the two polls
    polls = [line for line in result.stdout.splitlines() if " local: " in line]
    assert len(polls) == 2 and "watch local" not in result.stdout


def test_on_a_terminal_the_wait_is_one_refreshing_line(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        command(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=environ(),
        cwd=tmp_path,
    )
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the command exited
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(timeout=120) == 0, output.decode(errors="replace")[-2000:]

    text = output.decode(errors="replace")
    # refreshed in place (about twice a second), and cleared before the second poll's line
    assert text.count("\rwatch local: 1 of 2 poll(s) done") >= 3, text
    assert "next poll in 1 s" in text
    assert re.search(r"\r\x1b\[K\S+ local: ", text), text
