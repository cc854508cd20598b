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


def stack_trace(response: httpx.Response) -> str | None:
    """The first stack-trace fragment found in the body, or None."""
    match = _STACK_TRACE.search(response.text)
    return match.group(0) if match else None


def error_problems(response: httpx.Response) -> list[str]:
    """What is wrong with an error response: not JSON, no `error` field, a stack trace."""
    problems = []
    body = json_body(response)
    if not isinstance(body, dict):
        problems.append(f"the body is not a JSON object ({response.headers.get('content-type')})")
    elif not body.get("error"):
        problems.append(f"the JSON body has no 'error' field: {excerpt(response)}")
    trace = stack_trace(response)
    if trace:
        problems.append(f"the body leaks a stack trace ({trace!r})")
    return problems
