"""Running the team's deploy and rollback commands: as given, bounded in time, whole group stopped.

The command runs in its own process group with the terminal's output, so a script's children
(a ``kubectl rollout``, a ``pm2 restart``) are stopped with it when its time is up or the
deploy is interrupted. It gets ``DEPLOYGATE_ENV`` and ``DEPLOYGATE_PHASE`` (deploy, rollback).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence

from pytest_deploygate.deploy.record import CommandRun

#: How long a stopped command gets to exit after SIGTERM before SIGKILL.
STOP_GRACE_S = 10.0


def run_command(
    argv: Sequence[str], timeout: float, extra_env: Mapping[str, str] | None = None
) -> CommandRun:
    """Run ``argv`` to completion or for at most ``timeout`` seconds."""
    argv = tuple(argv)
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            argv, start_new_session=True, env={**os.environ, **(extra_env or {})}
        )
    except OSError as exc:  # not found, not executable
        return CommandRun(argv, None, 0.0, f"could not start {argv[0]!r}: {exc.strerror or exc}")
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        stop_group(process)
        elapsed = time.monotonic() - started
        return CommandRun(argv, None, elapsed, f"stopped at its {timeout:g} s time limit")
    except BaseException:  # interrupted: take the command's processes down with us
        stop_group(process)
        raise
    return CommandRun(argv, code, time.monotonic() - started, f"exit {code}")


def stop_group(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """SIGTERM the process's group, SIGKILL it if it has not exited within the grace period."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, STOP_GRACE_S)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue
