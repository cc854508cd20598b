"""environments.toml → Environment objects: validation, ${VAR} interpolation, secrets."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pytest_deploygate.config import schema
from pytest_deploygate.masking import Masker, url_password

LAUNCHERS = ("reference", "reference_app")  # reference_app: the 0.1 name, deprecated
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# What the plugin itself needs when environments.toml says nothing (the seed's contract, §6).
DEFAULT_ENDPOINTS: Mapping[str, str] = {
    "health": "/api/health",
    "login": "/api/auth/login",
    "services": "/api/services",
    "employees": "/api/employees",
    "availability": "/api/availability",
    "bookings": "/api/bookings",
    "home": "/",
    "book": "/book",
}


class DeployGateConfigError(Exception):
    """A problem with environments.toml or the options selecting from it; one line, with the fix."""


@dataclass(frozen=True)
class Credential:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class Preflight:
    path: str = "/api/health"
    timeout_seconds: float = 3.0
    attempts: int = 3


@dataclass(frozen=True)
class Platform:
    """The contract the suites check: endpoints, data-testid selectors, headers, cards, limits."""

    endpoints: Mapping[str, str] = field(default_factory=dict)
    selectors: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    rate_limit: Mapping[str, Any] = field(default_factory=dict)
    test_cards: Mapping[str, str] = field(default_factory=dict)
    database: Mapping[str, Any] = field(default_factory=dict)  # see database.contract_from
    api: Mapping[str, Any] = field(default_factory=dict)  # see suites/api/contract.py
    security: Mapping[str, Any] = field(default_factory=dict)  # see suites/api/contract.py

    def endpoint(self, name: str) -> str:
        try:
            return self.endpoints[name]
        except KeyError:
            raise KeyError(
                f"the platform has no endpoint {name!r}; add it to [platform.endpoints]"
            ) from None

    def selector(self, name: str) -> str:
        """A CSS selector for a data-testid name (``selector("service-card")``)."""
        return self.selectors.get(name, f'[data-testid="{name}"]')


@dataclass(frozen=True)
class Environment:
    """One resolved environment: where it is, how sensitive, its credentials, its gates."""

    name: str
    source: Path
    sensitive: bool = False
    base_url: str | None = None
    launch: str | None = None
    description: str = ""
    database_url: str | None = field(default=None, repr=False)
    credentials: Mapping[str, Credential] = field(default_factory=dict, repr=False)
    services: Mapping[str, str] = field(default_factory=dict, repr=False)
    gates: Mapping[str, str] = field(default_factory=dict)
    load: Mapping[str, Any] = field(default_factory=dict)  # see load.config.LoadSettings
    preflight: Preflight = field(default_factory=Preflight)
    platform: Platform = field(default_factory=Platform)
    secrets: frozenset[str] = field(default_factory=frozenset, repr=False)
    variables: tuple[str, ...] = ()

    @property
    def is_local(self) -> bool:
        return self.launch is not None

    def masker(self) -> Masker:
        return Masker(self.secrets)

    def with_endpoint(self, base_url: str, database_url: str | None = None) -> Environment:
        """The same environment once it is reachable at ``base_url`` (after --env=local boots)."""
        return replace(self, base_url=base_url, database_url=database_url or self.database_url)

    def summary(self) -> dict[str, str]:
        """Masked key facts for report headers and metadata."""
        masker = self.masker()
        facts = {
            "Deploygate environment": self.name + (" (sensitive)" if self.sensitive else ""),
            "Deploygate base URL": masker(self.base_url or f"launched: {self.launch}"),
        }
        if self.database_url:
            facts["Deploygate database"] = masker(self.database_url)
        if self.credentials:
            facts["Deploygate credentials"] = ", ".join(sorted(self.credentials)) + " (masked)"
        return facts


def load_environment(path: Path, name: str, environ: Mapping[str, str] = os.environ) -> Environment:
    """Read ``path``, validate all of it, and resolve the environment called ``name``."""
    document = read_document(path)
    environments = document.get("environments", {})
    if name not in environments:
        known = ", ".join(environments) or "none"
        close = difflib.get_close_matches(name, list(environments), n=1)
        fix = f"did you mean {close[0]!r}?" if close else "pick a known one"
        raise DeployGateConfigError(
            f"{path.name}: unknown environment {name!r} (--env); known environments: {known}; "
            f"{fix} (or add [environments.{name}])"
        )
    raw = environments[name]
    table = f"environments.{name}"
    variables = tuple(sorted(set(_variables(raw)) | set(_variables(document.get("platform", {})))))
    secrets: set[str] = set()
    resolved = _interpolate(raw, path, table, environ, secrets)
    platform_base = _interpolate(document.get("platform", {}), path, "platform", environ, secrets)
    if "base_url" not in resolved and "launch" not in resolved:
        raise DeployGateConfigError(
            f'{path.name}: [{table}] needs base_url (where it is) or launch = "reference"'
        )
    launch = resolved.get("launch")
    if launch is not None and launch not in LAUNCHERS:
        raise DeployGateConfigError(
            f"{path.name}: [{table}] launch = {launch!r} is not known; use one of: "
            + ", ".join(LAUNCHERS)
        )
    credentials = {
        role: Credential(c.get("username", ""), c.get("password", ""))
        for role, c in resolved.get("credentials", {}).items()
    }
    # Passwords are secrets even when written literally; a username only when interpolated
    # (a literal one is already public in the file, and masking "cust" would garble "customer").
    secrets.update(credential.password for credential in credentials.values())
    database_url = resolved.get("database", {}).get("url")
    if database_url and (password := url_password(database_url)):
        secrets.add(password)
    return Environment(
        name=name,
        source=path,
        sensitive=resolved.get("sensitive", False),
        base_url=_strip_slash(resolved.get("base_url")),
        launch=launch,
        description=resolved.get("description", ""),
        database_url=database_url,
        credentials=MappingProxyType(credentials),
        services=MappingProxyType(dict(resolved.get("services", {}))),
        gates=MappingProxyType({**document.get("gates", {}), **resolved.get("gates", {})}),
        load=MappingProxyType(dict(resolved.get("load", {}))),
        preflight=Preflight(**resolved.get("preflight", {})),
        platform=_platform(platform_base, resolved.get("platform", {})),
        secrets=frozenset(s for s in secrets if s),
        variables=variables,
    )


def read_document(path: Path) -> dict[str, Any]:
    """The parsed, schema-checked file (no interpolation yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeployGateConfigError(
            f"{path}: environments file not found; create it or pass --environments-file PATH"
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeployGateConfigError(
            f"{path.name}: not valid TOML: {exc}; fix the syntax on that line"
        ) from None
    problem = schema.validate(document, schema.FILE)
    if problem is not None:
        where = f"[{problem.table}] " if problem.table else ""
        raise DeployGateConfigError(f"{path.name}: {where}{problem.key}: {problem.message}")
    return document


def environment_names(path: Path) -> list[str]:
    return list(read_document(path).get("environments", {}))


def referenced_variables(path: Path, name: str) -> tuple[str, ...]:
    """Every ${VAR} the environment ``name`` needs (for ``deploygate check-env``)."""
    document = read_document(path)
    raw = document.get("environments", {}).get(name)
    if raw is None:
        load_environment(path, name, environ={})  # raises the unknown-environment error
    return tuple(sorted(set(_variables(raw)) | set(_variables(document.get("platform", {})))))


def _variables(value: Any) -> list[str]:
    if isinstance(value, str):
        return _VARIABLE.findall(value)
    if isinstance(value, Mapping):
        return [v for item in value.values() for v in _variables(item)]
    return []


def _interpolate(
    value: Any, path: Path, table: str, environ: Mapping[str, str], secrets: set[str]
) -> Any:
    if isinstance(value, Mapping):
        return {
            key: _interpolate(item, path, f"{table}.{key}", environ, secrets)
            for key, item in value.items()
        }
    if not isinstance(value, str) or "${" not in value:
        return value

    def substitute(match: re.Match[str]) -> str:
        variable = match.group(1)
        if not environ.get(variable):
            section, _, key = table.rpartition(".")
            raise DeployGateConfigError(
                f"{path.name}: [{section}] {key} uses ${{{variable}}}, which is not set; "
                f"export {variable} (deploygate check-env lists every variable needed)"
            )
        secrets.add(environ[variable])
        return environ[variable]

    resolved = _VARIABLE.sub(substitute, value)
    secrets.add(resolved)
    return resolved


def _platform(base: Mapping[str, Any], override: Mapping[str, Any]) -> Platform:
    def merged(section: str, default: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        return MappingProxyType(
            {**(default or {}), **base.get(section, {}), **override.get(section, {})}
        )

    return Platform(
        endpoints=merged("endpoints", DEFAULT_ENDPOINTS),
        selectors=merged("selectors"),
        headers=merged("headers"),
        rate_limit=merged("rate_limit"),
        test_cards=merged("test_cards"),
        database=merged("database"),
        api=merged("api"),
        security=merged("security"),
    )


def _strip_slash(url: str | None) -> str | None:
    return url.rstrip("/") if url else url
