"""Helpers for the deploy tests: the release supervisor as a real process, a webhook receiver,
and the ``deploygate`` command run as a real subprocess."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from loopback_server import serve

from pytest_deploygate.deploy.probe import Availability
from pytest_deploygate.deploy.record import CommandRun, DeployRecord, RollbackRun, Verification

SUPERVISOR = Path(__file__).with_name("release_supervisor.py")
DEPLOYGATE = Path(sys.executable).with_name("deploygate")
#: Every wait in these tests is bounded by this (a deploy here takes seconds).
DEPLOY_TIMEOUT_S = 240


@dataclass
class Platform:
    """The reference platform under a release supervisor: a port that outlives restarts."""

    port: int
    state: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def release(self, *args: str) -> list[str]:
        """The deploy command that restarts the platform as a new release."""
        return [sys.executable, str(SUPERVISOR), "deploy", "--state", str(self.state), *args]

    def restarts(self) -> list[dict[str, Any]]:
        log = self.state / "deploys.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@contextmanager
def supervised_platform(state: Path, faults: str = "") -> Iterator[Platform]:
    """Start the supervisor; it prints "ready PORT" once the first release answers."""
    process = subprocess.Popen(
        [sys.executable, str(SUPERVISOR), "serve", "--state", str(state), "--faults", faults],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], 90)
        line = process.stdout.readline() if readable else ""
        assert line.startswith("ready "), f"the release supervisor did not start: {line!r}"
        yield Platform(int(line.split()[1]), state)
    finally:
        if process.poll() is None:
            try:
                subprocess.run(
                    [sys.executable, str(SUPERVISOR), "stop", "--state", str(state)],
                    timeout=30,
                    capture_output=True,
                )
                process.wait(30)
            except (subprocess.SubprocessError, OSError):
                process.kill()
                process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


@dataclass
class Receiver:
    """A webhook receiver on loopback: every POSTed JSON body, in order."""

    url: str = ""
    bodies: list[Any] = field(default_factory=list)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.bodies.append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    with serve(_handler(receiver)) as url:
        receiver.url = url + "/hooks/deploys"
        yield receiver


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def record(self, path: Path) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(path.read_text())
        return document


def deploygate(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = DEPLOY_TIMEOUT_S
) -> Run:
    """``deploygate ARGS`` as a real subprocess in ``cwd``."""
    started = time.monotonic()
    environ = {k: v for k, v in os.environ.items() if k != "DEPLOYGATE_HISTORY_URL"}
    result = subprocess.run(
        [str(DEPLOYGATE), *args],
        cwd=cwd,
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(
        list(args), result.returncode, result.stdout, result.stderr, time.monotonic() - started
    )


def environments_toml(base_url: str, *, extra: str = "", sensitive: bool = True) -> str:
    """A ``qa`` environment at ``base_url``, probed every 0.25 s, with short waits."""
    return f"""
[deploy]
probe_interval = {PROBE_INTERVAL}
probe_timeout = "30s"  # a request queued while a release boots is slow, not down
health_wait = "4s"  # a faulty release never becomes healthy: keep its wait short
command_timeout = "120s"
verify_timeout = "180s"

[environments.qa]
base_url = "{base_url}"
sensitive = {str(sensitive).lower()}
services.payment = "/api/health"
services.email = "/api/health"
services.sms = "/api/health"
{extra}
"""


PROBE_INTERVAL = 0.25


def command_line(argv: Sequence[str]) -> str:
    import shlex

    return shlex.join(argv)


NOW = time.time()
DAY = 86400.0


def verification(passed: bool, p95: float = 40.0) -> Verification:
    return Verification(
        "healthy", "", 0.1, "smoke", passed, "" if passed else "1 test(s) failed",
        exit_code=0 if passed else 1, metrics={"http.p95_ms": p95},
        bands={"http.p95_ms": [p95 - 5, p95 + 5]},
    )  # fmt: skip


def record(
    deploy_id: str,
    result: str,
    *,
    days_ago: float = 1.0,
    duration: float = 60.0,
    uptime_failed: int = 0,
    rollback: bool = False,
    refused: bool = False,
    alerts: int = 0,
    p95: float = 40.0,
) -> DeployRecord:
    command = CommandRun(("./deploy.sh", "--token", "tok-History-77"), 0, 5.0, "exit 0")
    passed = result == "deployed"
    return DeployRecord(
        id=deploy_id,
        environment="staging",
        started=NOW - days_ago * DAY,
        result=result,  # type: ignore[arg-type]
        reason="" if passed else "verification failed",
        duration_s=duration,
        before="unhealthy" if refused else "healthy",
        refused=refused,
        command=None if refused else command,
        availability=None
        if refused
        else Availability(0.5, ("/",), 100, uptime_failed, 200, uptime_failed, duration),
        verification=None if refused else verification(passed, p95),
        rollback=RollbackRun(command, verification(result == "rolled_back")) if rollback else None,
        alerts=alerts,
    )
