"""``${name}`` substitution from saved values, test data and built-ins; ``$${`` is a literal."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_REFERENCE = re.compile(r"(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\}")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class UndefinedVariable(LookupError):
    """A ``${name}`` with no value at run time."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def references(text: str) -> list[str]:
    """The names ``text`` refers to, in order (escaped ``$${x}`` excluded)."""
    return [m.group(2) for m in _REFERENCE.finditer(text) if not m.group(1)]


def substitute(value: Any, lookup: Callable[[str], Any]) -> Any:
    """``value`` with every ``${name}`` replaced, through lists and mappings (values only).

    A string that is exactly one ``${name}`` becomes the value itself, so a saved number
    stays a number in a JSON body; anywhere else the value is written into the text.
    """
    if isinstance(value, str):
        return _substitute_text(value, lookup)
    if isinstance(value, list):
        return [substitute(item, lookup) for item in value]
    if isinstance(value, Mapping):
        return {key: substitute(item, lookup) for key, item in value.items()}
    return value


def _substitute_text(text: str, lookup: Callable[[str], Any]) -> Any:
    whole = _REFERENCE.fullmatch(text)
    if whole and not whole.group(1):
        return lookup(whole.group(2))

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(0)[1:]
        return str(lookup(match.group(2)))

    return _REFERENCE.sub(replace, text)


def scope_lookup(*scopes: Mapping[str, Any]) -> Callable[[str], Any]:
    """Look a name up in each scope in turn (dotted names walk into mappings)."""

    def lookup(name: str) -> Any:
        head, *rest = name.split(".")
        for scope in scopes:
            if head in scope:
                value = scope[head]
                for part in rest:
                    if not isinstance(value, Mapping) or part not in value:
                        raise UndefinedVariable(name)
                    value = value[part]
                return value
        raise UndefinedVariable(name)

    return lookup
