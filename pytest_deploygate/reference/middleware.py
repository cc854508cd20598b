"""ASGI middleware: security headers, body size limit, last-resort error handling, slow-api."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_field
from .settings import Settings

log = logging.getLogger("reference_app")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-xss-protection", b"1; mode=block"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# OWASP's current advice (the session profile follows it): the old XSS auditor is off.
OWASP_XSS_PROTECTION = (b"x-xss-protection", b"0")
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
VERSION_LEAKS = {b"server", b"x-powered-by"}


class BodyTooLarge(HTTPException):
    """The request body is larger than Settings.max_body_bytes (an HTTPException, so FastAPI's
    body parser lets it through instead of reporting a generic 400)."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


def _is_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":
            return bool(value.split(b",")[0].strip().lower() == b"https")
    return False


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class SecurityHeadersMiddleware:
    """Add the security headers to every response and drop version-leaking ones."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.enabled = not settings.has("no-security-headers")
        # HSTS only over https, as real platforms send it (a browser ignores it over http).
        self.hsts = self.enabled and not settings.has("no-hsts")
        self.headers = list(SECURITY_HEADERS)
        if settings.profile == "session":
            self.headers = [
                OWASP_XSS_PROTECTION if k == b"x-xss-protection" else (k, v)
                for k, v in SECURITY_HEADERS
            ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(self.headers) if self.enabled else []
        if self.hsts and _is_https(scope):
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in VERSION_LEAKS
                ]
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class GuardMiddleware:
    """Reject oversized bodies with 413, turn unhandled errors into JSON 500s, slow-api delay."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        # The no-body-limit fault: read whatever is sent (a memory exhaustion vector).
        self.limit = float("inf") if settings.has("no-body-limit") else settings.max_body_bytes
        self.leaky = settings.has("leaky-500s")
        self.delay = 0.3 if settings.has("slow-api") else 0.0
        self.field = error_field(settings.profile)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.delay and scope["path"].startswith("/api"):
            await asyncio.sleep(self.delay)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _send_json(send, 413, {self.field: self._too_large()})
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise BodyTooLarge(self._too_large())
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            if not started:
                await _send_json(send, 413, {self.field: exc.detail})
        except Exception as exc:
            if started:
                raise
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            body: dict[str, Any] = {self.field: "internal server error"}
            if self.leaky:
                body = {self.field: repr(exc), "traceback": traceback.format_exc()}
            await _send_json(send, 500, body)

    def _too_large(self) -> str:
        return f"request body is larger than {self.limit} bytes"
