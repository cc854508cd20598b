"""``${VAR}`` in environments.toml: the one interpolator, with one rule.

A variable that is unset *or empty* is missing: an empty password or URL is never what a team
meant, and treating it as set would send an empty credential to a real environment. Every value
a variable supplies is a secret (the caller collects them for masking).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

#: Builds the error for a missing variable from (variable, dotted key where it is used).
MissingError = Callable[[str, str], Exception]


def variables_in(value: Any) -> list[str]:
    """Every ``${VAR}`` named in a value, a table or an array, in order of appearance."""
    if isinstance(value, str):
        return VARIABLE.findall(value)
    if isinstance(value, Mapping):
        return [name for item in value.values() for name in variables_in(item)]
    if isinstance(value, list | tuple):
        return [name for item in value for name in variables_in(item)]
    return []


def is_set(name: str, environ: Mapping[str, str]) -> bool:
    """The rule: a variable counts only when it is set to something."""
    return bool(environ.get(name))


def interpolate(
    value: Any,
    environ: Mapping[str, str],
    missing: MissingError,
    secrets: set[str],
    where: str = "",
) -> Any:
    """``value`` with every ``${VAR}`` replaced; strings that used one are added to ``secrets``.

    ``where`` is the dotted key of ``value`` (``environments.staging.database.url``); a missing
    variable raises ``missing(variable, where)``.
    """
    if isinstance(value, Mapping):
        return {
            key: interpolate(item, environ, missing, secrets, f"{where}.{key}" if where else key)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [interpolate(item, environ, missing, secrets, where) for item in value]
    if not isinstance(value, str) or "${" not in value:
        return value

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if not is_set(name, environ):
            raise missing(name, where)
        secrets.add(environ[name])
        return environ[name]

    resolved = VARIABLE.sub(substitute, value)
    secrets.add(resolved)
    return resolved
