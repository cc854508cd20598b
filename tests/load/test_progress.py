"""Live progress of load runs: a refreshing line on a terminal, plain periodic lines in a pipe."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import inner_session
import pytest
from booking_stub import BookingStub

from pytest_deploygate.load.progress import Snapshot, describe, latest
from pytest_deploygate.progress import Progress

LOAD_TEST = """
def test_load(load_test):
    load_test(users=3, duration=6, ramp_up=0, think_time=(0.05, 0.1), destructive=False)
"""


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_are_throttled_and_the_last_one_always_shows() -> None:
    written: list[str] = []
    clock = Clock()
    progress = Progress(written.append, live=False, interval=5, clock=clock)

    for second in range(12):
        clock.now = float(second)
        progress.update(f"t={second}")
    progress.done("finished")

    assert written == ["\nt=0\n", "t=5\n", "t=10\n", "finished\n"]


def test_a_live_line_refreshes_in_place_and_ends_with_a_newline() -> None:
    written: list[str] = []
    clock = Clock()
    progress = Progress(written.append, live=True, interval=0.5, clock=clock)

    progress.update("a")
    clock.now = 0.2
    progress.update("skipped")  # within the interval
    clock.now = 0.7
    progress.update("b")
    progress.done("c")

    assert written == ["\na\x1b[K", "\rb\x1b[K", "\rc\x1b[K", "\n"]


def test_the_latest_aggregated_row_of_locusts_history_is_read(tmp_path: Path) -> None:
    history = tmp_path / "run_stats_history.csv"
    header = (
        "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,"
        "99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,"
        "Total Average Response Time,Total Min Response Time,Total Max Response Time,"
        "Total Average Content Size"
    )
    history.write_text(
        f"{header}\n"
        "1,2,,Aggregated,0.000000,0.000000,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,0,0,0,0,0,0,0\n"
        "2,3,,Aggregated,41.500000,0.5,12,13,14,15,20,45,50,60,70,70,70,83,1,12,14.2,1,70,120\n"
        "3,3,,Aggreg"  # a row cut off by the flush
    )

    snapshot = latest(history)

    assert snapshot == Snapshot(users=3, rps=41.5, p95_ms=45.0, requests=83, failures=1)
    assert describe("load", 3, snapshot, 2.2) == (
        "load: 3/3 users, 41.5 req/s, p95 45 ms, 1.20 % errors, 83 requests, 3 s left"
    )
    assert latest(tmp_path / "missing.csv") is None
    assert (
        describe("stress step 2/4", 6, None, 10) == "stress step 2/4: starting 6 users, 10 s left"
    )
    before_the_first_user = Snapshot(users=0, rps=0.0, p95_ms=float("nan"), requests=0, failures=0)
    assert describe("load", 3, before_the_first_user, 5) == "load: starting 3 users, 5 s left"


@pytest.fixture
def load_project(pytester: pytest.Pytester, stub: BookingStub) -> pytest.Pytester:
    pytester.path.joinpath("environments.toml").write_text(
        f'[environments.stub]\nbase_url = "{stub.url}"\n'
    )
    pytester.makepyfile(test_progress=LOAD_TEST)
    return pytester


def test_in_a_pipe_the_run_writes_plain_lines(load_project: pytest.Pytester) -> None:
    result = inner_session.run_sub(load_project, "--env=stub", "--no-preflight")

    result.assert_outcomes(passed=1)
    lines = [line for line in result.stdout.lines if line.startswith("load: ")]
    assert lines[0].startswith("load: starting 3 users, ") and lines[0].endswith(" s left")
    assert lines[-1].startswith("load: 3 users, ") and " requests, 0 failed " in lines[-1]
    assert 2 <= len(lines) <= 4  # a line at most every 5 s of a 6 s run, and the result
    assert "\r" not in result.stdout.str()


def test_on_a_terminal_one_line_refreshes(load_project: pytest.Pytester) -> None:
    # Given pytest attached to a pseudo-terminal, as in a person's shell
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--env=stub", "--no-preflight", "-p", "no:cacheprovider"],
        cwd=load_project.path,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env={**env, "PYTEST_ADDOPTS": "--no-hosted-suites", "COLUMNS": "200"},
    )
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + 120  # a hung session fails the test instead of hanging it
    while time.monotonic() < deadline:
        if not select.select([controller], [], [], deadline - time.monotonic())[0]:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: pytest exited
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert process.wait(timeout=120) == 0, output.decode(errors="replace")[-2000:]

    # Then the progress refreshed in place (carriage returns, cleared line ends)
    text = output.decode(errors="replace")
    assert "\rload: " in text and "\x1b[K" in text
    assert "load: starting 3 users" in text
