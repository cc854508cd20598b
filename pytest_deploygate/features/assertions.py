"""Checks on a JSON response body: dotted paths and the ``expect:`` operators."""

from __future__ import annotations

import re
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}


class PathMissing(LookupError):
    """A dotted path leads nowhere; ``str()`` says where it stopped."""


def at_path(document: Any, path: str) -> Any:
    """The value at ``path``: ``$`` is the body, ``a.b.0`` walks in, ``-1`` is the last item."""
    value = document
    walked = "$"
    parts = [] if path in ("$", "") else path.removeprefix("$.").split(".")
    for part in parts:
        if isinstance(value, dict):
            if part not in value:
                keys = ", ".join(map(str, list(value)[:10])) or "none"
                raise PathMissing(f"{walked} has no key {part!r} (keys: {keys})")
            value = value[part]
        elif isinstance(value, list):
            try:
                value = value[int(part)]
            except (ValueError, IndexError):
                raise PathMissing(
                    f"{walked} is a list of {len(value)}, which has no item {part!r}"
                ) from None
        else:
            raise PathMissing(f"{walked} is {describe(value)}, not an object or a list")
        walked = f"{walked}.{part}" if walked != "$" else part
    return value


def describe(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same(left: Any, right: Any) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_same, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    return bool(left == right)


def check(document: Any, path: str, operator: str, operand: Any) -> str | None:
    """None when the check holds, else ``expected …, saw …``."""
    try:
        actual = at_path(document, path)
    except PathMissing as missing:
        if operator == "exists" and operand is False:
            return None
        return f"expected {path} {operator} {describe(operand)}, saw no value: {missing}"
    if operator == "exists":
        return None if operand else f"expected no {path}, saw {describe(actual)}"
    if operator == "equals":
        ok = _same(actual, operand)
    elif operator == "type":
        kinds = _TYPES[operand]
        ok = isinstance(actual, kinds) and (operand == "boolean" or not isinstance(actual, bool))
    elif operator == "min_items":
        if isinstance(actual, list | dict | str):
            if len(actual) >= operand:
                return None
            return f"expected {path} min_items {operand}, saw {len(actual)}: {describe(actual)}"
        ok = False
    elif operator == "contains":
        if isinstance(actual, str):
            ok = isinstance(operand, str) and operand in actual
        elif isinstance(actual, list):
            ok = any(_same(item, operand) for item in actual)
        else:
            ok = isinstance(actual, dict) and operand in actual
    elif operator == "matches":
        ok = isinstance(actual, str) and re.search(operand, actual) is not None
    else:  # the schema admits no other operator
        raise ValueError(f"unknown operator {operator!r}")
    return None if ok else f"expected {path} {operator} {describe(operand)}, saw {describe(actual)}"
