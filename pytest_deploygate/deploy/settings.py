"""How one environment is deployed: ``[deploy]`` and ``[environments.X.deploy]``, checked once.

The keys and their defaults sit in ``config/schema.py`` (``DEPLOY``, ``DEPLOY_DEFAULTS``); this
module turns the merged table into typed values and says, in one line, what is wrong with one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pytest_deploygate.alerting.rules import AlertConfigError, parse_duration
from pytest_deploygate.config import DeployGateConfigError, Environment
from pytest_deploygate.config.schema import DEPLOY_DEFAULTS

#: Probing faster than this measures the probe, not the platform.
MIN_PROBE_INTERVAL = 0.05


@dataclass(frozen=True)
class DeploySettings:
    """One environment's deploy settings; every duration is in seconds."""

    probe_interval: float = DEPLOY_DEFAULTS["probe_interval"]
    probe_timeout: float = DEPLOY_DEFAULTS["probe_timeout"]
    probe_paths: tuple[str, ...] = tuple(DEPLOY_DEFAULTS["probe_paths"])
    probe_max_duration: float = DEPLOY_DEFAULTS["probe_max_duration"]
    command_timeout: float = DEPLOY_DEFAULTS["command_timeout"]
    health_wait: float = DEPLOY_DEFAULTS["health_wait"]
    verify: str = DEPLOY_DEFAULTS["verify"]
    verify_timeout: float = DEPLOY_DEFAULTS["verify_timeout"]
    history_url: str = DEPLOY_DEFAULTS["history_url"]
    notify: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()

    @classmethod
    def of(cls, env: Environment) -> DeploySettings:
        """The environment's merged ``[deploy]`` table, checked; errors name file, table and key."""
        table = env.deploy
        where = f"{env.source.name}: [environments.{env.name}.deploy] or [deploy]"
        try:
            settings = cls(
                probe_interval=_seconds(table, "probe_interval", where),
                probe_timeout=_seconds(table, "probe_timeout", where),
                probe_paths=_strings(table, "probe_paths", where),
                probe_max_duration=_seconds(table, "probe_max_duration", where),
                command_timeout=_seconds(table, "command_timeout", where),
                health_wait=_seconds(table, "health_wait", where),
                verify=str(table.get("verify", DEPLOY_DEFAULTS["verify"])),
                verify_timeout=_seconds(table, "verify_timeout", where),
                history_url=str(table.get("history_url", DEPLOY_DEFAULTS["history_url"])),
                notify=_strings(table, "notify", where),
                recipients=_strings(table, "recipients", where),
            )
        except AlertConfigError as exc:
            raise DeployGateConfigError(str(exc)) from None
        return settings.checked(where)

    def with_options(self, **options: Any) -> DeploySettings:
        """The same settings with the command line's values (None = not given) on top."""
        given = {key: value for key, value in options.items() if value is not None}
        return replace(self, **given).checked("the command line")

    def checked(self, where: str) -> DeploySettings:
        if self.probe_interval < MIN_PROBE_INTERVAL:
            raise DeployGateConfigError(
                f"{where}: probe_interval = {self.probe_interval:g} s is too short; use "
                f"{MIN_PROBE_INTERVAL:g} s or more (0.5 s is the default)"
            )
        for key in ("probe_timeout", "probe_max_duration", "command_timeout", "verify_timeout"):
            if getattr(self, key) <= 0:
                raise DeployGateConfigError(f"{where}: {key} must be above zero")
        if not self.probe_paths:
            raise DeployGateConfigError(
                f'{where}: probe_paths is empty; name what to probe, e.g. ["health", "home"]'
            )
        if not self.verify.strip():
            raise DeployGateConfigError(
                f'{where}: verify is empty; give a -m expression such as "smoke"'
            )
        return self

    @property
    def max_probes(self) -> int:
        """The most probe rounds one deploy may take (its time bound, in rounds)."""
        return int(self.probe_max_duration / self.probe_interval) + 1


def _seconds(table: Mapping[str, Any], key: str, where: str) -> float:
    return parse_duration(table.get(key, DEPLOY_DEFAULTS[key]), f"{where} {key}")


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    raw = table.get(key, DEPLOY_DEFAULTS[key])
    if not all(isinstance(item, str) and item for item in raw):
        raise DeployGateConfigError(f"{where}: {key} = {raw!r} must be a list of strings")
    return tuple(raw)
