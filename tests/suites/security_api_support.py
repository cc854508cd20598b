"""Helpers for running the security and api suites in pytester subprocesses on real platforms.

- `run_suite`: `pytest <repo>/suites/<suite> ...` with the repo's ini, in a subprocess.
- `Tamper`: ASGI middleware in front of the reference platform that counts every exchange and
  breaks what the reference app has no fault for (CORS, cookies, version headers, CSP, JWT
  verification, booking list and anonymous reads, availability errors), so those checks are
  shown to fail too. Tamperings: reflect-cors, insecure-cookie, version-leak, unsafe-csp,
  unverified-jwt, leaky-booking-list, anonymous-booking-reads, errors-as-200, chat-always-429
  (every chat request is rate limited), failed-owner-reads (a signed-in booking read answers 503),
  plain-json-health (the health document loses its application/health+json type).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from inner_session import run_repository

REPO = Path(__file__).resolve().parents[2]
JWT_SECRET = "deploygate-tests-signing-key-0123456789abcdef"  # noqa: S105 - a test platform's
ACCOUNTS = {
    "admin": ("admin@test.com", "TestAdmin123!"),
    "customer": ("customer@test.com", "TestCustomer123!"),
    "customer2": ("customer2@test.com", "TestCustomer456!"),
}


def run_suite(pytester: pytest.Pytester, *args: str, timeout: float = 240) -> pytest.RunResult:
    """Run the repo's suites with the repo's ini and conftest, in a fresh interpreter."""
    return run_repository(pytester, "--tb=short", *args, timeout=timeout)


def environments_file(path: Path, name: str, base_url: str, sensitive: bool = False) -> Path:
    """An environments.toml with one environment at ``base_url`` and the seed's accounts."""
    lines = [f"[environments.{name}]", f'base_url = "{base_url}"']
    if sensitive:
        lines.append("sensitive = true")
    lines += [
        f'credentials.{role} = {{ username = "{user}", password = "{password}" }}'
        for role, (user, password) in ACCOUNTS.items()
    ]
    target = path / "environments.toml"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@dataclass
class Tamper:
    """Counts `(method, path, status)` and applies the switched-on tamperings."""

    app: Any
    tamperings: set[str] = field(default_factory=set)
    exchanges: Counter[tuple[str, str, int]] = field(default_factory=Counter)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        active = set(self.tamperings)
        headers = dict(scope.get("headers", []))
        if "unverified-jwt" in active:
            scope = {**scope, "headers": _resigned(scope["headers"])}
        if _reads_as_admin(scope["method"], scope["path"], headers, active):
            scope = {**scope, "headers": _as_admin(scope["headers"])}
        errors_as_200 = "errors-as-200" in active and scope["path"].startswith("/api/availability/")
        payment = scope["method"] == "POST" and scope["path"] == "/api/payments"
        if payment and "payments-ignore-idempotency-key" in active:
            kept = [(k, v) for k, v in scope["headers"] if k.lower() != b"idempotency-key"]
            scope = {**scope, "headers": kept}
        accepts_any_card = payment and "payments-accept-any-card" in active
        if "chat-always-429" in active and (scope["method"], scope["path"]) == (
            "POST",
            "/api/chat",
        ):
            await _rate_limited(send)
            self.exchanges[(scope["method"], scope["path"], 429)] += 1
            return
        # failed-owner-reads: a signed-in GET of one booking answers 503 (the re-read fails).
        failed_read = (
            "failed-owner-reads" in active
            and scope["method"] == "GET"
            and scope["path"].startswith("/api/bookings/")
            and b"authorization" in headers
        )

        async def tampered_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.exchanges[(scope["method"], scope["path"], message["status"])] += 1
                message = {**message, "headers": _tampered(message["headers"], headers, active)}
                if "plain-json-health" in active and scope["path"] == "/api/health":
                    message["headers"] = _plain_json(message["headers"])
                if errors_as_200 and 400 <= message["status"] < 500:
                    message["status"] = 200
                if failed_read:
                    message["status"] = 503
                if accepts_any_card and message["status"] in (400, 402, 422):
                    message["status"] = 201  # declined and invalid cards "succeed"
            await send(message)

        await self.app(scope, receive, tampered_send)

    def count(self, method: str, path_prefix: str, status: int | None = None) -> int:
        return sum(
            n
            for (m, p, s), n in self.exchanges.items()
            if m == method and p.startswith(path_prefix) and status in (None, s)
        )


async def _rate_limited(send: Any) -> None:
    """chat-always-429: the chat endpoint is always over its budget."""
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [(b"content-type", b"application/json"), (b"retry-after", b"60")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"error":"rate limited"}'})


def _plain_json(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """plain-json-health: the health document served as application/json."""
    kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
    return [*kept, (b"content-type", b"application/json")]


def _tampered(
    response: list[tuple[bytes, bytes]], request: dict[bytes, bytes], active: set[str]
) -> list[tuple[bytes, bytes]]:
    headers = list(response)
    if "reflect-cors" in active and b"origin" in request:
        headers += [
            (b"access-control-allow-origin", request[b"origin"]),
            (b"access-control-allow-credentials", b"true"),
        ]
    if "insecure-cookie" in active:
        headers.append((b"set-cookie", b"session=deploygate; Path=/"))
    if "version-leak" in active:
        headers += [(b"server", b"uvicorn/0.30.6"), (b"x-powered-by", b"FastAPI/0.110.0")]
    if "unsafe-csp" in active:
        headers = [(k, v) for k, v in headers if k.lower() != b"content-security-policy"]
        headers.append(
            (b"content-security-policy", b"default-src 'self'; script-src 'self' 'unsafe-inline'")
        )
    return headers


def _reads_as_admin(method: str, path: str, request: dict[bytes, bytes], active: set[str]) -> bool:
    """leaky-booking-list: every signed-in caller's booking list is the admin's (all bookings);
    anonymous-booking-reads: a booking is readable without signing in."""
    if method != "GET":
        return False
    if "leaky-booking-list" in active and path == "/api/bookings" and b"authorization" in request:
        return True
    return (
        "anonymous-booking-reads" in active
        and path.startswith("/api/bookings/")
        and b"authorization" not in request
    )


def _as_admin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    now = int(time.time())
    claims = {"sub": "1", "role": "admin", "iat": now, "exp": now + 600}
    token = jwt.encode(claims, JWT_SECRET, algorithm="HS256").encode()
    kept = [(k, v) for k, v in headers if k.lower() != b"authorization"]
    return [*kept, (b"authorization", b"Bearer " + token)]


def _resigned(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A platform that never verifies signatures or expiry: re-sign whatever bearer arrives."""
    result = []
    for name, value in headers:
        if name.lower() == b"authorization" and value.lower().startswith(b"bearer "):
            try:
                claims = jwt.decode(value[7:].decode(), options={"verify_signature": False})
                now = int(time.time())
                claims.update(iat=now, exp=now + 600)
                value = b"Bearer " + jwt.encode(claims, JWT_SECRET, algorithm="HS256").encode()
            except (jwt.PyJWTError, ValueError, json.JSONDecodeError):
                pass
        result.append((name, value))
    return result


@dataclass
class TamperedPlatform:
    url: str
    tamper: Tamper
    database_url: str
