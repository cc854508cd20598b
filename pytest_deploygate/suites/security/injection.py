"""Injection probes: each payload family into each parameter the suites know, and the evidence
that gives a successful injection away, not just a refusal:

- a database error signature in the body (an error message that shows the query broke),
- a 5xx (the payload reached code that could not cope),
- the payload evaluated (a template expression's result) or reflected where a browser renders
  it (an HTML response, or a reply a page displays),
- a time-based delay well above the same request's baseline (a sleep the database ran).

A 4xx refusal or accepting the text as data is fine: a booking may be called "' OR '1'='1".
"""

from __future__ import annotations

import json
import re
import string
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from pytest_deploygate.suites.api.evidence import shown

#: Seconds a time-based payload asks the database to sleep; twice the same wait confirms it.
DELAY_S = 2.0
#: A product no page shows by chance: a template that evaluates {{9187*7411}} answers it.
EVALUATED = "68084857"


@dataclass(frozen=True)
class Payload:
    family: str  # sql, nosql, traversal, template, xss
    value: Any  # text, or a JSON object (NoSQL operators) in JSON fields
    delay: bool = False  # a time-based payload: success is a DELAY_S wait

    def text(self) -> str:
        """The payload where only text can go (paths, query strings)."""
        return self.value if isinstance(self.value, str) else json.dumps(self.value)

    def __str__(self) -> str:
        return f"{self.family} payload {self.text()!r}"


# Few per family, on purpose: every parameter gets every one, and the run must stay quick.
PAYLOADS: tuple[Payload, ...] = (
    Payload("sql", "'"),
    Payload("sql", "' OR '1'='1' -- "),  # never a destructive statement: this runs on staging
    Payload("sql", "' UNION SELECT NULL, NULL, NULL -- "),
    Payload("sql", "x' || (SELECT sleep(2)) || '", delay=True),  # MySQL's SLEEP (SQLite: a udf)
    Payload("sql", "x'; SELECT pg_sleep(2); -- ", delay=True),  # PostgreSQL
    Payload("nosql", {"$ne": None}),
    Payload("nosql", '{"$where": "1 == 1"}'),
    Payload("traversal", "../../../../etc/passwd"),
    Payload("template", "{{9187*7411}}"),
    Payload("template", "${9187*7411}"),
    Payload("xss", "<script>alert('deploygate')</script>"),
)

# Messages databases and their drivers put in errors; the payload itself is removed first.
DB_ERROR = re.compile(
    r"error in your SQL syntax|syntax error at or near|unterminated quoted string|"
    r"unrecognized token|"
    r"near \"[^\"]*\": syntax error|no such (?:column|table|function)|sqlite3?\.\w*Error|"
    r"psycopg|SQLSTATE|ORA-\d{5}|unclosed quotation mark|sqlalchemy\.exc|"
    r"MongoServerError|MongoError|CastError|pg_query\(\)",
    re.IGNORECASE,
)
_PASSWD = re.compile(r"root:[^:\n]*:0:0:")


@dataclass(frozen=True)
class Target:
    """One parameter: ``send(value)`` puts a value there in an otherwise valid request."""

    name: str  # "POST /api/auth/login field email"
    send: Callable[[Any], httpx.Response]
    neutral: Any  # a harmless value, the baseline of timing
    json_field: bool = True  # JSON objects go as they are; elsewhere as text
    renders: bool = False  # what comes back is displayed by a page (the chat reply)


def path_target(
    client: httpx.Client, method: str, template: str, name: str, valid: dict[str, str]
) -> Target:
    """The ``name`` placeholder of a path template, the others filled with valid values."""

    def send(value: Any) -> httpx.Response:
        values = {**valid, name: urllib.parse.quote(str(value), safe="")}
        return client.request(method, template.format(**values))

    return Target(f"{method} {template} path parameter {name}", send, valid[name], False)


def placeholders(template: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(template) if field]


def json_targets(
    client: httpx.Client,
    method: str,
    url: str,
    body: dict[str, Any],
    seen: Callable[[httpx.Response, dict[str, Any]], object] = lambda response, sent: None,
) -> list[Target]:
    """One target per leaf field of ``body`` (nested objects included: customerDetails.name);
    ``seen`` gets every answer with the body sent (to clean up what a request created)."""
    found = []
    for path in _leaves(body):

        def send(value: Any, path: tuple[str, ...] = path) -> httpx.Response:
            sent = _replaced(body, path, value)
            response = client.request(method, url, json=sent)
            seen(response, sent)
            return response

        found.append(Target(f"{method} {url} field {'.'.join(path)}", send, _get(body, path)))
    return found


def probe(targets: Iterable[Target], payloads: Iterable[Payload] = PAYLOADS) -> list[str]:
    """Findings: one line per (target, payload) whose answer shows the injection worked."""
    findings = []
    chosen = list(payloads)
    for target in targets:
        for payload in chosen:
            value = payload.value if target.json_field else payload.text()
            started = time.perf_counter()
            response = target.send(value)
            elapsed = time.perf_counter() - started
            evidence = _evidence(target, payload, response)
            if evidence is None and payload.delay and elapsed >= DELAY_S * 0.75:
                evidence = _confirmed_delay(target, value, elapsed)
            if evidence is not None:
                findings.append(f"{target.name} with {payload}: {evidence}")
    return findings


def _evidence(target: Target, payload: Payload, response: httpx.Response) -> str | None:
    body = response.text
    if response.status_code >= 500:
        return f"the server failed ({shown(response)})"
    cleaned = body.replace(payload.text(), "")
    signature = DB_ERROR.search(cleaned)
    if signature:
        return f"a database error shows in the answer ({signature.group(0)!r}: {shown(response)})"
    if _PASSWD.search(body):
        return f"the answer holds /etc/passwd ({shown(response)})"
    if payload.family == "template" and EVALUATED in body:
        return f"the template was evaluated ({EVALUATED} in {shown(response)})"
    html = response.headers.get("content-type", "").startswith("text/html")
    if payload.family == "xss" and (html or target.renders) and payload.text() in body:
        where = "an HTML page" if html else "a reply the page displays"
        return f"the markup comes back unescaped in {where} ({shown(response)})"
    return None


def _confirmed_delay(target: Target, value: Any, elapsed: float) -> str | None:
    """A slow answer counts when the neutral request is fast and the payload is slow again."""
    started = time.perf_counter()
    target.send(target.neutral)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    target.send(value)
    again = time.perf_counter() - started
    if min(elapsed, again) - baseline >= DELAY_S * 0.75:
        return (
            f"the answer took {elapsed:.1f} s and {again:.1f} s against {baseline:.2f} s "
            f"without the payload (a {DELAY_S:g} s sleep ran)"
        )
    return None


def _leaves(body: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(body, dict):
        return [leaf for key, item in body.items() for leaf in _leaves(item, (*prefix, key))]
    return [prefix]


def _get(body: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        body = body[key]
    return body


def _replaced(body: Any, path: tuple[str, ...], value: Any) -> Any:
    if not path:
        return value
    return {**body, path[0]: _replaced(body[path[0]], path[1:], value)}
