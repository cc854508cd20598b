"""Gate thresholds: parse ``"< 200"``, ``">= 85"``, ``"== 0"`` and check a value against one."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pytest_deploygate.gates.catalog import known_names, lookup

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_EXPRESSION = re.compile(r"^\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*%?\s*$")


class GateConfigError(ValueError):
    """A gate table names an unknown metric or holds a malformed threshold."""


@dataclass(frozen=True)
class Threshold:
    """A comparison a metric value must satisfy, e.g. ``< 200``."""

    op: str
    limit: float

    def holds(self, value: float) -> bool:
        """Whether ``value`` satisfies the threshold (NaN never does)."""
        return not math.isnan(value) and _OPERATORS[self.op](value, self.limit)

    def __str__(self) -> str:
        return f"{self.op} {self.limit:g}"


def parse_threshold(text: str) -> Threshold:
    """Parse ``"<op> <number>"``; a trailing ``%`` is allowed and ignored."""
    match = _EXPRESSION.match(text)
    if match is None:
        raise ValueError(
            f'{text!r} is not a threshold; write an operator and a number, e.g. "< 200", '
            f'">= 85", "== 0" (operators: {" ".join(_OPERATORS)})'
        )
    return Threshold(match.group(1), float(match.group(2)))


def parse_gate_table(table: Mapping[str, object], where: str) -> dict[str, Threshold]:
    """Validate a ``[gates]`` table; ``where`` names it in errors ("environments.toml [gates]")."""
    parsed: dict[str, Threshold] = {}
    for key, raw in table.items():
        if lookup(key) is None:
            raise GateConfigError(
                f"{where}: unknown gate metric {key!r}; use one of {', '.join(known_names())}"
            )
        if not isinstance(raw, str):
            raise GateConfigError(
                f'{where}: {key!r} = {raw!r} must be a string such as "< 200" or ">= 85"'
            )
        try:
            parsed[key] = parse_threshold(raw)
        except ValueError as exc:
            raise GateConfigError(f"{where}: {key!r}: {exc}") from None
    return parsed
