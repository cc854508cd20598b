"""Alert rules: ``metric operator threshold for duration``, severity, channels, recipients."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
# The seed writes equality as "="; accept it and show it as "==".
_OPERATOR_ALIASES = {"=": "=="}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class AlertConfigError(ValueError):
    """The ``[alerts]`` configuration is malformed; the message names the key and the fix."""


def parse_duration(raw: object, where: str) -> float:
    """Seconds from ``"15m"``, ``"1h"``, ``"30s"``, ``"250ms"`` or a plain number of seconds."""
    if isinstance(raw, bool):
        raise AlertConfigError(f'{where} = {raw!r} is not a duration; write e.g. "15m", "30s"')
    if isinstance(raw, int | float):
        if raw < 0 or math.isnan(raw):
            raise AlertConfigError(f"{where} = {raw!r} must not be negative")
        return float(raw)
    match = _DURATION.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise AlertConfigError(
            f"{where} = {raw!r} is not a duration; write a number with a unit ms, s, m, h or d, "
            'e.g. "15m", "30s", "4h"'
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]


@dataclass(frozen=True)
class AlertRule:
    """One rule: fires when ``metric operator threshold`` has held for ``for_seconds``."""

    name: str
    metric: str
    operator: str
    threshold: float
    severity: Severity
    channels: tuple[str, ...]
    for_seconds: float = 0.0
    recipients: tuple[str, ...] = ()
    enabled: bool = True
    #: Environments the rule applies to; empty means every environment.
    environments: tuple[str, ...] = ()
    description: str = ""

    def breached(self, value: float) -> bool:
        """Whether ``value`` meets the alert condition (NaN never does)."""
        return not math.isnan(value) and OPERATORS[self.operator](value, self.threshold)

    def applies_to(self, environment: str) -> bool:
        return self.enabled and (not self.environments or environment in self.environments)

    @property
    def condition(self) -> str:
        return f"{self.metric} {self.operator} {self.threshold:g}"


_RULE_KEYS = frozenset(
    {
        "name",
        "metric",
        "operator",
        "threshold",
        "for",
        "severity",
        "channels",
        "recipients",
        "enabled",
        "environments",
        "description",
    }
)


def parse_rule(raw: object, where: str, channel_names: frozenset[str]) -> AlertRule:
    """Validate one ``[[alerts.rules]]`` table; ``where`` names it in errors."""
    if not isinstance(raw, Mapping):
        raise AlertConfigError(f"{where} must be a table with name, metric, operator, threshold")
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise AlertConfigError(
            f"{where}: unknown key {unknown[0]!r}; allowed keys: {', '.join(sorted(_RULE_KEYS))}"
        )
    for key in ("name", "metric", "operator", "threshold", "severity", "channels"):
        if key not in raw:
            raise AlertConfigError(f"{where}: missing key {key!r}")
    name = _text(raw["name"], f"{where}.name")
    where = f"{where} ({name!r})"
    op = _OPERATOR_ALIASES.get(str(raw["operator"]).strip(), str(raw["operator"]).strip())
    if op not in OPERATORS:
        raise AlertConfigError(
            f"{where}: operator = {raw['operator']!r} is not one of {' '.join(OPERATORS)}"
        )
    threshold = raw["threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise AlertConfigError(f"{where}: threshold = {threshold!r} must be a number")
    severity = raw["severity"]
    if severity not in SEVERITIES:
        raise AlertConfigError(
            f"{where}: severity = {severity!r} is not one of {', '.join(SEVERITIES)}"
        )
    channels = _text_list(raw["channels"], f"{where}.channels")
    if not channels:
        raise AlertConfigError(f"{where}: channels is empty; name at least one [alerts.channels]")
    for channel in channels:
        if channel not in channel_names:
            known = ", ".join(sorted(channel_names)) or "none are configured"
            raise AlertConfigError(
                f"{where}: channel {channel!r} is not defined under [alerts.channels] ({known})"
            )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise AlertConfigError(f"{where}: enabled = {enabled!r} must be true or false")
    return AlertRule(
        name=name,
        metric=_text(raw["metric"], f"{where}.metric"),
        operator=op,
        threshold=float(threshold),
        severity=severity,
        channels=channels,
        for_seconds=parse_duration(raw.get("for", 0), f"{where}.for"),
        recipients=_text_list(raw.get("recipients", []), f"{where}.recipients"),
        enabled=enabled,
        environments=_text_list(raw.get("environments", []), f"{where}.environments"),
        description=str(raw.get("description", "")),
    )


def _text(raw: object, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise AlertConfigError(f"{where} = {raw!r} must be a non-empty string")
    return raw.strip()


def _text_list(raw: object, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        raise AlertConfigError(f"{where} = {raw!r} must be a list of strings")
    return tuple(_text(item, where) for item in raw)
