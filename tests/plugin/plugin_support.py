"""Shared fixtures of the plugin tests: a counting loopback server and environments files."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import inner_session
import pytest
import sqlalchemy  # noqa: F401
from loopback_server import serve

# Imported here, before any in-process inner session: pytester drops modules first imported
# inside an inner run, and SQLAlchemy does not survive being imported twice in one process.
import pytest_deploygate.reference  # noqa: F401

TOKEN = "tok-9f8e7d6c5b4a"  # what the loopback server hands out at login


@dataclass
class Loopback:
    """A tiny platform on 127.0.0.1 that answers the contract's basics and records requests."""

    url: str = ""
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, auth
    health_status: int = 200
    health_body: dict[str, object] = field(
        default_factory=lambda: {
            "status": "pass",
            "checks": {
                c: [{"status": "pass", "observedValue": 1, "observedUnit": "ms"}]
                for c in ("database", "payment", "email", "sms")
            },
        }
    )

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, p, _ in self.requests if method in (None, m)]

    def reset(self) -> None:
        self.requests.clear()
        self.health_status = 200


def _handler(state: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _reply(self, status: int, body: object, kind: str = "application/json") -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            state.requests.append(("GET", self.path, self.headers.get("Authorization", "")))
            if self.path.startswith("/api/health"):
                self._reply(state.health_status, state.health_body, "application/health+json")
            elif self.path == "/api/services":
                self._reply(200, [{"id": "s1", "name": "Haircut"}])
            else:
                self._reply(200, {"ok": True})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append(("POST", self.path, self.headers.get("Authorization", "")))
            if self.path == "/api/auth/login":
                if body.get("password") == "s3cret-Passw0rd":
                    self._reply(200, {"accessToken": TOKEN, "tokenType": "Bearer", "role": "admin"})
                else:
                    self._reply(401, {"error": "invalid credentials"})
            else:
                self._reply(201, {"id": 1})

    return Handler


@pytest.fixture(scope="session")
def loopback() -> Iterator[Loopback]:
    state = Loopback()
    with serve(_handler(state)) as state.url:
        yield state


@pytest.fixture
def server(loopback: Loopback) -> Loopback:
    loopback.reset()
    return loopback


@pytest.fixture
def environments(pytester: pytest.Pytester) -> Callable[[str], None]:
    """Write environments.toml (dedented) into the pytester directory."""

    def write(text: str) -> None:
        pytester.path.joinpath("environments.toml").write_text(textwrap.dedent(text))

    return write


Run = Callable[..., pytest.RunResult]


@pytest.fixture
def run(pytester: pytest.Pytester) -> Run:
    """Run an inner pytest session in-process (inner_session.run)."""

    def run(*args: str) -> pytest.RunResult:
        return inner_session.run(pytester, *args)

    return run
