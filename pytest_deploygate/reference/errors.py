"""The one error type the domain raises, and how every error becomes `{"error": "..."}` (the
session profile names the field as Django REST framework does: `{"detail": "..."}`)."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from .db import DatabaseUnavailable


class ApiError(Exception):
    """A request the platform refuses, with the HTTP status that says why."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def error_field(profile: str) -> str:
    """The error body's message field in a profile."""
    return "detail" if profile == "session" else "error"


def error_response(
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    field: str = "error",
    **extra: Any,
) -> JSONResponse:
    return JSONResponse({field: message, **extra}, status_code=status, headers=headers)


def _describe(errors: list[Any]) -> str:
    parts = []
    for error in errors[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "invalid request"


HtmlRenderer = Callable[[Request, int, str], Response]


def _naive_read(payload: Any) -> None:
    """What an unguarded handler does with a body: trust its shape (used by leaky-500s)."""
    if "message" in payload:
        payload["message"].strip()
    else:
        payload["customerDetails"]["email"].lower()


def install_error_handlers(
    app: FastAPI, leaky_500s: bool, render_html: HtmlRenderer, field: str = "error"
) -> None:
    """JSON errors for the API and other clients; an HTML page for browsers outside /api."""

    def respond(
        request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        wants_html = "text/html" in request.headers.get("accept", "")
        if wants_html and not request.url.path.startswith("/api"):
            response = render_html(request, status, message)
            response.headers.update(headers or {})
            return response
        return error_response(status, message, dict(headers) if headers else None, field)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return respond(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(DatabaseUnavailable)
    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: Exception) -> Response:
        return respond(request, 503, "database unavailable")

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        messages = {404: "not found", 405: "method not allowed"}
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code in messages and detail in {"Not Found", "Method Not Allowed"}:
            detail = messages[exc.status_code]
        return respond(request, exc.status_code, detail or "request failed", exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        malformed = any(e.get("type") == "json_invalid" for e in errors)
        if leaky_500s:
            # The fault: handle the body the naive way and show the crash to the caller.
            try:
                _naive_read(json.loads(await request.body()))
            except Exception as crash:
                return JSONResponse(
                    {field: repr(crash), "traceback": traceback.format_exc()}, status_code=500
                )
        if malformed:
            return error_response(400, "malformed JSON body", field=field)
        return error_response(422, _describe(errors), field=field)
