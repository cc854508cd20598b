"""The declarative schema of environments.toml: one table of known keys and types per section.

Adding a section or key is one line here; validation and error messages follow from it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from pytest_deploygate.load.config import SCHEMA as LOAD


@dataclass(frozen=True)
class MapOf:
    """A table whose keys are free (service names, roles, metric names) and values share a spec."""

    value: Spec


Spec: TypeAlias = type | tuple[type, ...] | Mapping[str, "Spec"] | MapOf

_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
}

NUMBER = (int, float)
DURATION = (str, int, float)  # "15m", "1h", or seconds

CREDENTIAL: Spec = {"username": str, "password": str}

DATABASE: Spec = {  # pytest_deploygate.database checks what types cannot (list items, ...)
    "tables": MapOf(list),
    "version_query": str,
    "versions": list,
    "expected_version": str,
    "verify": MapOf({"query": str, "min_rows": int, "rows": int, "value": (str, int, float, bool)}),
    "latency": MapOf(str),
    "latency_samples": int,
    "healthy_ms": NUMBER,
}

API: Spec = {  # suites/api/contract.py gives the defaults and checks the values
    **{
        name: str
        for name in (
            "services",
            "employees",
            "availability",
            "create_booking",
            "list_bookings",
            "get_booking",
            "cancel_booking",
            "openapi",
        )
    },
    "booking_days_ahead": int,
    "race_size": int,
    "schema_examples": int,
}

SECURITY: Spec = {  # suites/api/contract.py gives the defaults and checks the values
    "protected": MapOf(str),
    "public_writes": list,
    "header_paths": list,
    "script_readable_cookies": list,
    "malicious_inputs": list,
    "hsts_min_max_age": int,
    "chat": str,
    "chat_field": str,
    "max_body_bytes": int,
    "fuzz_examples": int,
    "cors_probe_origin": str,
    "signing_key_variable": str,
}

ALERTS: Spec = {  # pytest_deploygate.alerting.config checks channels and rules in depth
    "enabled": bool,
    "state_file": str,
    "max_resends": int,
    "resend": {"critical": DURATION, "warning": DURATION, "info": DURATION},
    "retry": {
        "attempts": int,
        "backoff": DURATION,
        "max_backoff": DURATION,
        "timeout": DURATION,
        "deadline": DURATION,
    },
    "channels": MapOf(dict),
    "rules": list,
}

PLATFORM: Mapping[str, Spec] = {
    "endpoints": MapOf(str),
    "selectors": MapOf(str),
    "headers": MapOf(str),
    "rate_limit": {"endpoint": str, "burst": int, "window_seconds": int},
    "test_cards": MapOf(str),
    "database": DATABASE,
    "api": API,
    "security": SECURITY,
}

ENVIRONMENT: Mapping[str, Spec] = {
    "description": str,
    "sensitive": bool,
    "base_url": str,
    "launch": str,
    "database": {"url": str},
    "credentials": MapOf(CREDENTIAL),
    "services": MapOf(str),
    "gates": MapOf(str),
    "load": LOAD,
    "preflight": {"path": str, "timeout_seconds": NUMBER, "attempts": int},
    "platform": PLATFORM,
}

FILE: Mapping[str, Spec] = {
    "platform": PLATFORM,
    "gates": MapOf(str),
    "environments": MapOf(ENVIRONMENT),
    "alerts": ALERTS,
}


def describe(spec: Spec) -> str:
    if isinstance(spec, (MapOf, Mapping)):
        return "a table"
    if isinstance(spec, tuple):
        return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in spec)
    return _TYPE_NAMES.get(spec, spec.__name__)


@dataclass(frozen=True)
class Problem:
    """Where a document breaks the schema: the table, the key, what is wrong and how to fix it."""

    table: str
    key: str
    message: str


def validate(data: Mapping[str, Any], spec: Mapping[str, Spec], table: str = "") -> Problem | None:
    """The first problem in ``data``, or None when it conforms."""
    for key, value in data.items():
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            known = ", ".join(spec)
            return Problem(table, key, f"unknown key; {hint}known keys: {known}")
        problem = _check(value, spec[key], table, key)
        if problem is not None:
            return problem
    return None


def _check(value: Any, spec: Spec, table: str, key: str) -> Problem | None:
    here = f"{table}.{key}" if table else key
    if isinstance(spec, MapOf):
        if not isinstance(value, Mapping):
            return _type_error(table, key, value, spec)
        for name, item in value.items():
            problem = _check(item, spec.value, here, name)
            if problem is not None:
                return problem
        return None
    if isinstance(spec, Mapping):
        if not isinstance(value, Mapping):
            return _type_error(table, key, value, spec)
        return validate(value, spec, here)
    types = spec if isinstance(spec, tuple) else (spec,)
    # TOML booleans are ints to Python; a number key must not accept `true`.
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        return _type_error(table, key, value, spec)
    return None


def _type_error(table: str, key: str, value: Any, spec: Spec) -> Problem:
    got = "a table" if isinstance(value, Mapping) else f"{type(value).__name__} {value!r}"
    return Problem(table, key, f"must be {describe(spec)}, not {got}")
