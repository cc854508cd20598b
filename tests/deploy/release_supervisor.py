"""A release supervisor for the deploy tests and the probe benchmark: the reference platform as a
real process on a port that outlives restarts, restarted on request the way a deploy without
downtime protection restarts a server (stop it, nothing listens for a while, start the next).

    python release_supervisor.py serve --state DIR [--faults F]   # prints "ready PORT"
    python release_supervisor.py deploy --state DIR [--faults F] [--downtime S]   # exit 0/1
    python release_supervisor.py stop --state DIR

The listening socket is bound once (port 0, read back) and handed to each release with
``python -m pytest_deploygate.reference --fd N``. A restart first binds a second socket to the same
port without listening (SO_REUSEPORT), so the port stays ours while connections are refused as
by a stopped server; it stops the old release, waits ``--downtime`` seconds, listens, and starts
the new release on that socket. Connections made after ``listen`` queue until the release
accepts them. Every restart's timestamps are appended to DIR/deploys.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

READY_WITHIN_S = 60.0
STOP_WITHIN_S = 10.0


def bound_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class Supervisor:
    def __init__(self, state: Path, faults: str) -> None:
        self.state = state
        self.database_url = f"sqlite:///{state / 'platform.db'}"
        self.listener = bound_socket()
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.release: subprocess.Popen[bytes] | None = None
        self.releases = 0
        self.start_release(faults)

    def start_release(self, faults: str) -> str:
        """Start a release on the listener; "" once it answers HTTP, else why it did not."""
        self.releases += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("REFERENCE_APP_")}
        fd = self.listener.fileno()
        argv = [
            *(sys.executable, "-m", "pytest_deploygate.reference", "--fd", str(fd)),
            *("--database-url", self.database_url, "--no-access-log", "--faults", faults),
        ]
        log = (self.state / f"release-{self.releases}.log").open("wb")
        self.release = subprocess.Popen(
            argv, pass_fds=(fd,), stdout=log, stderr=subprocess.STDOUT, env=env
        )
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline:
            if self.release.poll() is not None:
                return f"release {self.releases} exited with {self.release.returncode}"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/health", timeout=2)
                return ""
            except urllib.error.HTTPError:
                return ""  # it answers (503 with database-down): the process is up
            except OSError:
                time.sleep(0.05)
        return f"release {self.releases} did not answer within {READY_WITHIN_S:g} s"

    def stop_release(self) -> None:
        if self.release is None:
            return
        self.release.terminate()
        try:
            self.release.wait(STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            self.release.kill()
            self.release.wait(STOP_WITHIN_S)
        self.release = None

    def restart(self, faults: str, downtime: float) -> dict[str, Any]:
        reserve = bound_socket(self.port)  # holds the port, refuses connections
        stopped_at = time.time()
        self.stop_release()
        self.listener.close()
        refused_at = time.time()
        time.sleep(downtime)  # the outage this deploy causes
        reserve.listen(128)
        listening_at = time.time()
        self.listener = reserve
        problem = self.start_release(faults)
        timings = {
            "ok": not problem,
            "detail": problem,
            "faults": faults,
            "stopped_at": stopped_at,
            "refused_at": refused_at,
            "listening_at": listening_at,
            "ready_at": time.time(),
        }
        with (self.state / "deploys.jsonl").open("a") as log:
            log.write(json.dumps(timings) + "\n")
        return timings


def serve(state: Path, faults: str) -> int:
    state.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(state, faults)
    control = socket.create_server(("127.0.0.1", 0))
    control.settimeout(1.0)
    (state / "control").write_text(str(control.getsockname()[1]))
    parent = os.getppid()
    print(f"ready {supervisor.port}", flush=True)
    try:
        while os.getppid() == parent:  # an orphaned supervisor stops itself
            try:
                connection, _ = control.accept()
            except TimeoutError:
                continue
            with connection, connection.makefile("rw") as stream:
                request = json.loads(stream.readline())
                if request["action"] == "stop":
                    stream.write(json.dumps({"ok": True}) + "\n")
                    return 0
                reply = supervisor.restart(request.get("faults", ""), request.get("downtime", 0))
                stream.write(json.dumps(reply) + "\n")
    finally:
        supervisor.stop_release()
        supervisor.listener.close()
    return 0


def send(state: Path, request: dict[str, Any]) -> dict[str, Any]:
    port = int((state / "control").read_text())
    with socket.create_connection(("127.0.0.1", port), timeout=120) as connection:
        stream = connection.makefile("rw")
        stream.write(json.dumps(request) + "\n")
        stream.flush()
        reply: dict[str, Any] = json.loads(stream.readline())
        return reply


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release_supervisor")
    parser.add_argument("action", choices=("serve", "deploy", "stop"))
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--faults", default="")
    parser.add_argument("--downtime", type=float, default=0.0)
    parser.add_argument("--token", help="ignored (a deploy token, as CI would pass one)")
    args = parser.parse_args(argv)
    if args.action == "serve":
        return serve(args.state, args.faults)
    if args.action == "stop":
        send(args.state, {"action": "stop"})
        return 0
    reply = send(args.state, {"action": "deploy", "faults": args.faults, "downtime": args.downtime})
    print(f"release: {'started' if reply['ok'] else reply['detail']}")
    return 0 if reply["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
