"""The ``[alerts]`` table of environments.toml: state file, resend, retry, channels, rules."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_deploygate.alerting.channels import CHANNEL_TYPES, Channel, RetryPolicy
from pytest_deploygate.alerting.rules import (
    SEVERITIES,
    AlertConfigError,
    AlertRule,
    Severity,
    parse_duration,
    parse_rule,
)
from pytest_deploygate.config.interpolate import interpolate
from pytest_deploygate.masking import Masker

DEFAULT_RESEND: dict[Severity, float] = {"critical": 900.0, "warning": 3600.0, "info": 14400.0}
DEFAULT_STATE_FILE = "reports/alert-state.sqlite"

_TOP_KEYS = frozenset(
    {"enabled", "state_file", "max_resends", "resend", "retry", "channels", "rules"}
)


@dataclass(frozen=True)
class AlertsConfig:
    """Validated alert configuration; channel tables stay raw until an environment is chosen."""

    rules: tuple[AlertRule, ...] = ()
    channel_tables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    state_file: Path = Path(DEFAULT_STATE_FILE)
    resend: Mapping[Severity, float] = field(default_factory=lambda: dict(DEFAULT_RESEND))
    max_resends: int = 3
    retry: RetryPolicy = RetryPolicy()
    enabled: bool = True
    source: str = "environments.toml"

    def rules_for(self, environment: str) -> tuple[AlertRule, ...]:
        return tuple(rule for rule in self.rules if rule.applies_to(environment))

    def build_channels(
        self,
        environment: str,
        environ: Mapping[str, str] = os.environ,
        masker: Masker | None = None,
        names: Collection[str] | None = None,
    ) -> dict[str, Channel]:
        """The channels the environment's rules use (or those ``names``), with ``${VAR}``
        resolved from ``environ``."""
        masker = Masker() if masker is None else masker
        used = (
            {name for rule in self.rules_for(environment) for name in rule.channels}
            if names is None
            else set(names)
        )
        channels: dict[str, Channel] = {}
        for name in sorted(used):
            where = f"{self.source}: [alerts.channels.{name}]"
            table = {
                key: _interpolate(value, f"{where} {key}", environ, masker, environment)
                for key, value in self.channel_tables[name].items()
            }
            kind = CHANNEL_TYPES[table["type"]]
            channels[name] = kind.from_table(name, table, where, self.retry, masker)
        return channels


def parse_alerts(
    table: Mapping[str, Any] | None, source: str = "environments.toml"
) -> AlertsConfig:
    """Validate an ``[alerts]`` table (None or empty: no rules); errors name ``source`` and key."""
    if not table:
        return AlertsConfig(source=source)
    where = f"{source}: [alerts]"
    _no_unknown(table, _TOP_KEYS, where)
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise AlertConfigError(f"{where} enabled = {enabled!r} must be true or false")
    max_resends = table.get("max_resends", 3)
    if isinstance(max_resends, bool) or not isinstance(max_resends, int) or max_resends < 0:
        raise AlertConfigError(f"{where} max_resends = {max_resends!r} must be a whole number >= 0")
    state_file = table.get("state_file", DEFAULT_STATE_FILE)
    if not isinstance(state_file, str) or not state_file:
        raise AlertConfigError(f"{where} state_file = {state_file!r} must be a file path")

    resend_table = _table(table.get("resend", {}), f"{source}: [alerts.resend]")
    _no_unknown(resend_table, frozenset(SEVERITIES), f"{source}: [alerts.resend]")
    resend = dict(DEFAULT_RESEND)
    for severity in SEVERITIES:
        if severity in resend_table:
            resend[severity] = parse_duration(
                resend_table[severity], f"{source}: [alerts.resend] {severity}"
            )

    channel_tables = _parse_channels(table.get("channels", {}), source)
    rules_raw = table.get("rules", [])
    if not isinstance(rules_raw, list):
        raise AlertConfigError(f"{source}: alerts.rules must be an array of [[alerts.rules]]")
    rules = tuple(
        parse_rule(raw, f"{source}: [[alerts.rules]] #{index}", frozenset(channel_tables))
        for index, raw in enumerate(rules_raw, start=1)
    )
    names = [rule.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise AlertConfigError(
            f"{source}: [[alerts.rules]] name {duplicates[0]!r} is used twice; names key the "
            "alert state, so make each one unique"
        )
    return AlertsConfig(
        rules=rules,
        channel_tables=channel_tables,
        state_file=Path(state_file),
        resend=resend,
        max_resends=max_resends,
        retry=_parse_retry(table.get("retry", {}), f"{source}: [alerts.retry]"),
        enabled=enabled,
        source=source,
    )


def _parse_channels(raw: object, source: str) -> dict[str, Mapping[str, Any]]:
    tables = _table(raw, f"{source}: [alerts.channels]")
    for name, channel in tables.items():
        where = f"{source}: [alerts.channels.{name}]"
        channel = _table(channel, where)
        kind = channel.get("type")
        if kind not in CHANNEL_TYPES:
            raise AlertConfigError(
                f"{where} type = {kind!r} must be one of {', '.join(CHANNEL_TYPES)}"
            )
        # Validate now, with ${VAR} placeholders still in place, so a typo fails every run.
        CHANNEL_TYPES[kind].from_table(name, channel, where)
    return {name: dict(channel) for name, channel in tables.items()}


def _parse_retry(raw: object, where: str) -> RetryPolicy:
    table = _table(raw, where)
    allowed = frozenset({"attempts", "backoff", "max_backoff", "timeout", "deadline"})
    _no_unknown(table, allowed, where)
    defaults = RetryPolicy()
    attempts = table.get("attempts", defaults.attempts)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= 10:
        raise AlertConfigError(f"{where} attempts = {attempts!r} must be a whole number 1..10")

    def seconds(key: str, default: float) -> float:
        return parse_duration(table[key], f"{where} {key}") if key in table else default

    policy = RetryPolicy(
        attempts=attempts,
        backoff=seconds("backoff", defaults.backoff),
        max_backoff=seconds("max_backoff", defaults.max_backoff),
        timeout=seconds("timeout", defaults.timeout),
        deadline=seconds("deadline", defaults.deadline),
    )
    if policy.timeout <= 0 or policy.deadline <= 0:
        raise AlertConfigError(f"{where}: timeout and deadline must be above zero")
    return policy


def _interpolate(
    value: Any, where: str, environ: Mapping[str, str], masker: Masker, environment: str
) -> Any:
    """Resolve ``${VAR}`` by the one rule (config.interpolate); every value is a secret."""

    def missing(name: str, _key: str) -> AlertConfigError:
        return AlertConfigError(
            f"{where} uses ${{{name}}}, which is not set (or is empty); export it, or disable "
            f"the rules that use this channel for the {environment!r} environment"
        )

    secrets: set[str] = set()
    try:
        return interpolate(value, environ, missing, secrets)
    finally:
        masker.add(*secrets)


def _table(raw: object, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise AlertConfigError(f"{where} must be a table, not {type(raw).__name__}")
    return raw


def _no_unknown(table: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise AlertConfigError(
                f"{where}: unknown key {key!r}; allowed keys: {', '.join(sorted(allowed))}"
            )
