"""Fixtures for the feature-file tests: a small platform on loopback and a pytester project."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import inner_session
import pytest
from loopback_server import serve

TOKEN = "tok-feature-5e4d3c2b1a"  # what the stub platform hands out at login

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stub booking</title></head>
<body><main>
  <h1>Book</h1>
  <label for="name">Name</label><input id="name" data-testid="customer-name">
  <button type="button" data-testid="submit-booking" onclick="
    document.querySelector('[data-testid=booking-confirmation]').hidden = false;
    document.querySelector('[data-testid=booking-name]').textContent =
      document.querySelector('#name').value;
    history.pushState({}, '', '/page.html?confirmed=BK123');">Book</button>
  <section data-testid="booking-confirmation" hidden>
    <p>Reference <strong data-testid="booking-reference">BK123</strong></p>
    <p data-testid="booking-name"></p>
  </section>
  <p data-testid="spinner" hidden>Loading</p>
</main></body></html>
"""


@dataclass
class StubPlatform:
    """Answers a handful of JSON endpoints and one page; records what it was sent."""

    url: str = ""
    received: list[tuple[str, str, str, object]] = field(default_factory=list)

    def bodies(self, path: str) -> list[object]:
        return [body for _, p, _, body in self.received if p == path]

    def auth(self, path: str) -> list[str]:
        return [auth for _, p, auth, _ in self.received if p == path]


def _handler(state: StubPlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _reply(
            self,
            status: int,
            body: object,
            kind: str = "application/json",
            headers: dict[str, str] | None = None,
        ) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> object:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            path = urlsplit(self.path).path
            state.received.append((self.command, path, self.headers.get("Authorization", ""), body))
            return body

        def do_GET(self) -> None:
            self._record()
            path = urlsplit(self.path).path
            if path == "/api/health":
                self._reply(200, {"status": "pass"})
            elif path == "/api/items":
                self._reply(200, [{"id": 7, "name": "cut", "tags": ["short", "wash"]}])
            elif path == "/api/items/7":
                self._reply(200, {"id": 7, "reference": "BK7", "paid": True, "price": 12.5})
            elif path == "/api/broken":
                self._reply(500, "boom: the stub is broken", "text/plain")
            elif path == "/api/html":
                self._reply(200, "<p>not json</p>", "text/html")
            elif path == "/page.html":
                self._reply(200, PAGE, "text/html")
            else:
                self._reply(404, {"error": f"no {path}"})

        def do_POST(self) -> None:
            body = self._record()
            path = urlsplit(self.path).path
            if path == "/api/auth/login":
                self._reply(200, {"accessToken": TOKEN})
            elif path == "/api/items":
                if not self.headers.get("Authorization"):
                    self._reply(401, {"error": "login required"})
                else:
                    self._reply(
                        201, {"id": 8, "reference": "BK8"}, headers={"Location": "/api/items/8"}
                    )
            elif path == "/api/echo":
                self._reply(200, {"received": body})
            else:
                self._reply(404, {"error": f"no {path}"})

    return Handler


@pytest.fixture(scope="session")
def stub_platform() -> Iterator[StubPlatform]:
    state = StubPlatform()
    with serve(_handler(state)) as state.url:
        yield state


@pytest.fixture
def platform_server(stub_platform: StubPlatform) -> StubPlatform:
    stub_platform.received.clear()
    return stub_platform


ENVIRONMENTS = """
[platform.test_cards]
success = "4242424242424242"

[environments.stub]
base_url = "{url}"
credentials.customer = {{ username = "customer@test.com", password = "Customer-Pw-1" }}
credentials.admin = {{ username = "admin@test.com", password = "Admin-Pw-1" }}
services.payment = "/api/health"

[environments.bare]
base_url = "{url}"

[environments.prod]
sensitive = true
base_url = "{url}"
credentials.customer = {{ username = "customer@test.com", password = "Customer-Pw-1" }}
services.payment = "/api/health"
"""

# Plugins an in-process inner session does not need: playwright's global state cannot nest
# in-process (browser cases run in a subprocess), the others only cost start-up time.


@pytest.fixture
def feature_project(pytester: pytest.Pytester, platform_server: StubPlatform) -> pytest.Pytester:
    """A project whose environments.toml points at the stub platform and loads the collector."""
    pytester.path.joinpath("environments.toml").write_text(
        ENVIRONMENTS.format(url=platform_server.url)
    )
    pytester.makeini(
        """
        [pytest]
        addopts = -p pytest_deploygate.features.plugin -p no:cacheprovider
                  --strict-markers --run-id=run42
        """
    )
    return pytester


Write = Callable[[str, str], None]


@pytest.fixture
def write_feature(feature_project: pytest.Pytester) -> Write:
    """Write a dedented feature file at a path relative to the project."""

    def write(relative: str, text: str) -> None:
        path = feature_project.path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    return write


def run_inprocess(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return inner_session.run(pytester, *args)
