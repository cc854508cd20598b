"""A real Pushgateway (Debian's prometheus-pushgateway) on a free loopback port, per test."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

BINARY = shutil.which("prometheus-pushgateway") or "/usr/bin/prometheus-pushgateway"


def _bound_port() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def pushgateway(workdir: Path) -> Iterator[str]:
    """Start a Pushgateway and yield its URL. The port is picked by the kernel; if another
    process takes it in the instant between, the gateway exits and we try another (bounded)."""
    if not os.access(BINARY, os.X_OK):
        message = "needs prometheus-pushgateway (apt-get install prometheus-pushgateway)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    for _ in range(5):
        with _bound_port() as sock:
            port = sock.getsockname()[1]
        log = workdir / f"pushgateway-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [BINARY, f"--web.listen-address=127.0.0.1:{port}"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            if _ready(process, url):
                yield url
                return
        finally:
            process.terminate()
            process.wait(timeout=10)
    pytest.fail(f"the Pushgateway did not start; see {workdir}", pytrace=False)


def _ready(process: subprocess.Popen[bytes], url: str) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False  # e.g. the port was taken meanwhile
        try:
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return False
