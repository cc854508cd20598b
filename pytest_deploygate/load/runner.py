"""Run Locust headless in a subprocess, bounded in time, and always reap it.

Locust is never imported here: it monkey-patches the importing process with gevent. The process
runs in its own session, so on the hard timeout (or any interruption of pytest) the whole group,
including ``--processes`` workers, is terminated, then killed, then waited for.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pytest_deploygate.load.config import WORKER_WAIT_S, LoadRun
from pytest_deploygate.load.results import LoadResult, read_result

#: Seconds between SIGTERM (Locust writes its reports) and SIGKILL on a timed-out run.
TERMINATE_GRACE_S = 5.0
#: Seconds between progress ticks while Locust runs.
TICK_S = 1.0
#: Lines of Locust's log quoted in an error.
LOG_TAIL_LINES = 15


class LoadRunError(RuntimeError):
    """A Locust run that could not produce statistics: bad arguments, crash, or hard timeout."""


@dataclass(frozen=True)
class Artifacts:
    """Where one run's reports go: ``<dir>/<name>.html``, ``.json``, ``_stats.csv``, ``.log``."""

    directory: Path
    name: str

    @property
    def html(self) -> Path:
        return self.directory / f"{self.name}.html"

    @property
    def json_prefix(self) -> Path:
        return self.directory / self.name  # Locust appends ".json"

    @property
    def json(self) -> Path:
        return self.directory / f"{self.name}.json"

    @property
    def csv_prefix(self) -> Path:
        return self.directory / self.name

    @property
    def failures_csv(self) -> Path:
        return self.directory / f"{self.name}_failures.csv"

    @property
    def errors_json(self) -> Path:
        return self.directory / f"{self.name}_errors.json"

    @property
    def log(self) -> Path:
        return self.directory / f"{self.name}.log"

    @property
    def output(self) -> Path:
        return self.directory / f"{self.name}.out"


def locust_executable() -> list[str]:
    """Locust of this interpreter's environment, as a module (no PATH lookup)."""
    return [sys.executable, "-m", "locust"]


def locust_command(run: LoadRun, artifacts: Artifacts) -> list[str]:
    """The full, headless, time-bounded command line of ``run``."""
    check_host(run.host)
    options = {
        "--locustfile": str(run.locustfile),
        "--host": run.host,
        "--users": str(run.users),
        "--spawn-rate": f"{run.spawn_rate:g}",
        "--run-time": f"{run.run_seconds}s",
        "--stop-timeout": f"{run.stop_timeout:g}",
        "--json-file": str(artifacts.json_prefix),
        "--csv": str(artifacts.csv_prefix),
        "--html": str(artifacts.html),
        "--logfile": str(artifacts.log),
        # The locustfile's own arguments; a Locust master forwards them to its workers.
        "--dg-services-path": run.endpoints.services,
        "--dg-availability-path": run.endpoints.availability,
        "--dg-bookings-path": run.endpoints.bookings,
        "--dg-cancel-path": run.endpoints.cancel,
        "--dg-body": run.shape.body,
        "--dg-fields": json.dumps(dict(run.shape.fields)),
        "--dg-csrf-cookie": run.shape.csrf_cookie,
        "--dg-csrf-header": run.shape.csrf_header,
        "--dg-csrf-field": run.shape.csrf_field,
        "--dg-think-min": f"{run.think_time[0]:g}",
        "--dg-think-max": f"{run.think_time[1]:g}",
        "--dg-run-id": run.run_id,
        "--dg-errors-file": str(artifacts.errors_json),
    }
    command = [*locust_executable(), "--headless", "--only-summary"]
    for flag, value in options.items():
        command += [flag, value]
    if run.destructive:
        command.append("--dg-destructive")
    if run.processes > 1:
        # The implicit master and its forked workers talk on loopback: a free port, never
        # Locust's fixed 5557, which two concurrent runs (or xdist workers) would fight over.
        port = str(free_loopback_port())
        command += ["--processes", str(run.processes), "--master-bind-host", "127.0.0.1"]
        command += ["--master-bind-port", port, "--master-port", port]
    if run.workers:
        # Workers elsewhere run: locust -f <this locustfile> --worker --master-host <this host>
        command += [
            "--master",
            "--master-bind-port", str(run.master_port),
            "--expect-workers", str(run.workers),
            "--expect-workers-max-wait", str(WORKER_WAIT_S),
        ]  # fmt: skip
    return command


def free_loopback_port() -> int:
    """A port the OS says is free now (bind port 0, read it back); Locust binds it itself."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check_host(host: str) -> None:
    """Refuse anything but an absolute http(s) URL: the host must be the environment's base_url."""
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadRunError(
            f"load target {host!r} is not an http(s) URL; set the environment's base_url"
        )


def run_locust(
    run: LoadRun,
    artifacts: Artifacts,
    environ: Mapping[str, str] | None = None,
    on_tick: Callable[[float], None] | None = None,
) -> LoadResult:
    """Run ``run`` to completion (or its hard timeout) and read its statistics.

    ``on_tick(elapsed_seconds)`` is called about once a second while Locust runs (progress).
    """
    artifacts.directory.mkdir(parents=True, exist_ok=True)
    for stale in (artifacts.json, artifacts.failures_csv, artifacts.errors_json):
        stale.unlink(missing_ok=True)
    command = locust_command(run, artifacts)
    with artifacts.output.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=dict(environ) if environ is not None else None,
            start_new_session=True,  # its own process group: one signal reaches every worker
        )
        try:
            timed_out = not _wait(process, run.hard_timeout, on_tick)
        finally:
            _reap(process)
    # Locust exits 1 when any request failed: statistics are complete, the gates judge them.
    if timed_out:
        raise LoadRunError(
            f"Locust did not finish within its hard timeout of {run.hard_timeout:.0f} s "
            f"(run time {run.run_seconds} s) and was killed; log: {artifacts.log}"
            + _tail(artifacts)
        )
    if process.returncode not in (0, 1) or not artifacts.json.is_file():
        raise LoadRunError(
            f"Locust exited with status {process.returncode} without statistics; "
            f"log: {artifacts.log}" + _tail(artifacts)
        )
    return read_result(
        artifacts.json,
        artifacts.failures_csv,
        run.users,
        run.run_seconds,
        artifacts.html,
        errors_json=artifacts.errors_json,
    )


def _wait(
    process: subprocess.Popen[bytes], timeout: float, on_tick: Callable[[float], None] | None
) -> bool:
    """Wait for the process, ticking about once a second; False when ``timeout`` ran out."""
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        if elapsed >= timeout:
            return process.poll() is not None
        try:
            process.wait(timeout=min(TICK_S, timeout - elapsed))
            return True
        except subprocess.TimeoutExpired:
            if on_tick is not None:
                on_tick(time.monotonic() - started)


def _reap(process: subprocess.Popen[bytes]) -> None:
    """Terminate the process group if still running, kill it after a grace, and wait."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=TERMINATE_GRACE_S)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    # Forked --processes workers may outlive the master; they share its process group.
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _tail(artifacts: Artifacts) -> str:
    lines: list[str] = []
    for source in (artifacts.log, artifacts.output):
        if source.is_file():
            lines += source.read_text(encoding="utf-8", errors="replace").splitlines()
    tail = [line for line in lines if line.strip()][-LOG_TAIL_LINES:]
    return ("\n" + "\n".join(tail)) if tail else ""
