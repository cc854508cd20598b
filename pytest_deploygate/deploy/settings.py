"""How one environment is deployed: ``[deploy]`` and ``[environments.X.deploy]``, checked once
when environments.toml is loaded (``Environment.deploy``).

The keys and their defaults are declared in ``config/schema.py`` (``DEPLOY``); this module turns
the merged table into typed values and says, in one line, what is wrong with one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from pytest_deploygate.alerting.rules import AlertConfigError, parse_duration
from pytest_deploygate.config.schema import DEPLOY, defaults

#: Probing faster than this measures the probe, not the platform.
MIN_PROBE_INTERVAL = 0.05
_DEFAULTS = defaults(DEPLOY)
_DURATIONS = (
    "probe_interval",
    "probe_timeout",
    "probe_max_duration",
    "command_timeout",
    "health_wait",
    "verify_timeout",
)


class DeployConfigError(ValueError):
    """A ``[deploy]`` value or a ``deploygate deploy`` option that cannot be used."""


@dataclass(frozen=True)
class DeploySettings:
    """One environment's deploy settings; every duration is in seconds."""

    probe_interval: float = _DEFAULTS["probe_interval"]
    probe_timeout: float = _DEFAULTS["probe_timeout"]
    probe_paths: tuple[str, ...] = tuple(_DEFAULTS["probe_paths"])
    probe_max_duration: float = _DEFAULTS["probe_max_duration"]
    command_timeout: float = _DEFAULTS["command_timeout"]
    health_wait: float = _DEFAULTS["health_wait"]
    verify: str = _DEFAULTS["verify"]
    verify_timeout: float = _DEFAULTS["verify_timeout"]
    history_url: str = _DEFAULTS["history_url"]
    notify: tuple[str, ...] = tuple(_DEFAULTS["notify"])
    recipients: tuple[str, ...] = tuple(_DEFAULTS["recipients"])

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], where: str) -> DeploySettings:
        """Build from a (schema-checked) TOML table; ``where`` names it in errors."""
        kwargs: dict[str, Any] = {}
        known = {f.name for f in fields(cls)}
        for key, value in values.items():
            if key not in known:
                raise DeployConfigError(f"{where}: unknown key {key!r}")
            if key in _DURATIONS:
                try:
                    value = parse_duration(value, f"{where} {key}")
                except AlertConfigError as exc:
                    raise DeployConfigError(str(exc)) from None
            elif isinstance(value, list):
                if not all(isinstance(item, str) and item for item in value):
                    raise DeployConfigError(f"{where}: {key} = {value!r} must be a list of strings")
                value = tuple(value)
            kwargs[key] = value
        return cls(**kwargs).checked(where)

    def with_options(self, **options: Any) -> DeploySettings:
        """The same settings with the command line's values (None = not given) on top."""
        given = {key: value for key, value in options.items() if value is not None}
        return replace(self, **given).checked("the command line")

    def checked(self, where: str) -> DeploySettings:
        if self.probe_interval < MIN_PROBE_INTERVAL:
            raise DeployConfigError(
                f"{where}: probe_interval = {self.probe_interval:g} s is too short; use "
                f"{MIN_PROBE_INTERVAL:g} s or more (0.5 s is the default)"
            )
        for key in ("probe_timeout", "probe_max_duration", "command_timeout", "verify_timeout"):
            if getattr(self, key) <= 0:
                raise DeployConfigError(f"{where}: {key} must be above zero")
        if not self.probe_paths:
            raise DeployConfigError(
                f'{where}: probe_paths is empty; name what to probe, e.g. ["health", "home"]'
            )
        if not self.verify.strip():
            raise DeployConfigError(
                f'{where}: verify is empty; give a -m expression such as "smoke"'
            )
        return self
