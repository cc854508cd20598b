"""Small readers of HTTP responses that make failure messages show what the platform said."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

# What a framework's debug page or an unhandled exception leaves in a response body.
_STACK_TRACE = re.compile(
    r"Traceback \(most recent call last\)"
    r"|File \"[^\"]+\", line \d+"
    r"|\bat [\w$.<>]+ \([^)]*:\d+:\d+\)"  # Node.js frames
    r"|\bat [\w$.]+\([\w]+\.java:\d+\)"  # JVM frames
    r"|sqlalchemy\.exc\.|psycopg\.|sqlite3\.|SQLSTATE\[",
)


def excerpt(response: httpx.Response, limit: int = 300) -> str:
    """The start of the body, on one line, for a failure message."""
    text = " ".join(response.text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def shown(response: httpx.Response) -> str:
    """`201 {"id": ...}`: the status and the start of the body."""
    return f"{response.status_code} {excerpt(response)}".rstrip()


def json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _error_shape(response: httpx.Response) -> Any:
    from pytest_deploygate.config.shape import ErrorShape
    from pytest_deploygate.session.auth import ERRORS_EXTENSION

    try:
        return response.request.extensions.get(ERRORS_EXTENSION) or ErrorShape()
    except RuntimeError:  # a response built without a request
        return ErrorShape()


def _field(body: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        elif isinstance(body, dict):
            body = body.get(part)
        else:
            return None
    return body


def stack_trace(response: httpx.Response) -> str | None:
    """The first stack-trace fragment found in the body, or None."""
    match = _STACK_TRACE.search(response.text)
    return match.group(0) if match else None


def error_problems(response: httpx.Response) -> list[str]:
    """What is wrong with an error response: not JSON, no error field, a stack trace.

    The shape expected is ``[platform.errors]``, carried on the request by the clients the
    suites get (the seed's ``{"error": ...}`` otherwise)."""
    problems = []
    shape = _error_shape(response)
    body = json_body(response)
    # With body = "any" (server-rendered error pages) only a leaked stack trace is a problem.
    if shape.body == "json" and not isinstance(body, dict):
        problems.append(f"the body is not a JSON object ({response.headers.get('content-type')})")
    elif shape.body == "json" and not _field(body, shape.field):
        problems.append(f"the JSON body has no {shape.field!r} field: {excerpt(response)}")
    trace = stack_trace(response)
    if trace:
        problems.append(f"the body leaks a stack trace ({trace!r})")
    return problems


def refused_or_hidden(response: httpx.Response, platform: Any) -> bool:
    """A 404, or a refusal as ``[platform.auth]`` defines it (a redirect to login, say)."""
    location = response.headers.get("location", "")
    return response.status_code == 404 or platform.auth.is_refusal(response.status_code, location)
