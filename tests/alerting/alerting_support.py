"""Fixtures for the alerting tests: real HTTP receivers and a real SMTP server on loopback."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from loopback_server import serve

from pytest_deploygate.alerting import AlertRule, ManualClock, Notice, RetryPolicy

SMTP_USER = "alerts@example.test"
SMTP_PASSWORD = "smtp-Secret-4711"

#: Retries that keep dead-channel tests short: 3 attempts, 1 s each, 2.5 s in all.
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.05, max_backoff=0.2, timeout=1.0, deadline=2.5)

RULE = AlertRule(
    name="database-down",
    metric="health.database.status",
    operator=">=",
    threshold=2,
    severity="critical",
    channels=("any",),
    recipients=("oncall@example.test", "+44 7700 900123", "ops-team"),
)
T0 = 1_800_000_000.0


def notice(kind: Any = "firing", **changes: Any) -> Notice:
    return Notice(**{"kind": kind, "rule": RULE, "environment": "production", "value": 2.0,
                     "since": T0, "at": T0 + 60, **changes})  # fmt: skip


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on loopback that records requests and answers as told."""

    url: str
    requests: list[Request] = field(default_factory=list)
    status: int = 200
    answer: bytes = b"ok"
    #: While set, requests are held until the test ends (a receiver that hangs).
    hang: bool = False
    release: threading.Event = field(default_factory=threading.Event)

    def reset(self) -> None:
        self.requests.clear()
        self.status, self.answer, self.hang = 200, b"ok", False
        self.release = threading.Event()

    def bodies(self) -> list[Any]:
        return [request.json() for request in self.requests]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(
                Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            if receiver.hang:
                receiver.release.wait(30)
                return
            self.send_response(receiver.status)
            self.send_header("Content-Length", str(len(receiver.answer)))
            self.end_headers()
            self.wfile.write(receiver.answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def _receiver_server() -> Iterator[Receiver]:
    receiver = Receiver(url="")
    with serve(_handler(receiver)) as receiver.url:
        yield receiver
        receiver.release.set()  # let a hanging request finish before the server stops


@pytest.fixture
def receiver(_receiver_server: Receiver) -> Iterator[Receiver]:
    _receiver_server.reset()
    yield _receiver_server
    _receiver_server.release.set()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


class _MailHandler:
    def __init__(self) -> None:
        self.messages: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == SMTP_USER
        and auth_data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: _MailHandler


class _BoundController(Controller):
    """aiosmtpd's Controller on a socket bound to port 0 here and kept: the kernel picks the
    port and nothing can take it between picking and serving (a released port could be)."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        super().__init__(
            handler, hostname="127.0.0.1", port=self._socket.getsockname()[1], **kwargs
        )

    def _create_server(self) -> Any:
        return self.loop.create_server(
            self._factory_invoker, sock=self._socket, ssl=self.ssl_context
        )


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (the test's own private relay CA)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP with AUTH allowed without TLS (a relay on a trusted network)."""
    handler = _MailHandler()
    controller = _BoundController(
        handler,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield SmtpServer("127.0.0.1", controller.port, handler)
    controller.stop()


@pytest.fixture(scope="module")
def starttls_smtp_server(tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """SMTP that requires STARTTLS before anything else, and AUTH after it."""
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = _MailHandler()
    controller = _BoundController(
        handler,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    )
    controller.start()
    yield SmtpServer("127.0.0.1", controller.port, handler)
    controller.stop()
