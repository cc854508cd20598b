"""The platform contract as typed objects: what the api, security and database suites expect.

Built once, when environments.toml is loaded, from ``[platform.api]``, ``[platform.security]``,
``[platform.rate_limit]``, ``[platform.headers]`` and ``[platform.database]`` merged over the
defaults in ``config.schema``; a value of the wrong shape is a configuration error naming the key,
before any test runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_deploygate.config import schema

LATEST = "latest"

Value = str | int | float | bool


class ContractError(ValueError):
    """A [platform] value of the wrong shape; the loader adds the file name."""


@dataclass(frozen=True)
class Endpoint:
    """One `METHOD /path` of the platform; `path` may hold `{placeholders}`."""

    method: str
    path: str

    @classmethod
    def parse(cls, text: str, key: str) -> Endpoint:
        method, _, path = text.strip().partition(" ")
        if not path.startswith("/"):
            raise ContractError(
                f"[platform] {key} = {text!r} is not 'METHOD /path'; "
                f"write it like 'POST /api/bookings'"
            )
        return cls(method.upper(), path.strip())

    def url(self, **params: object) -> str:
        return self.path.format(**params)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class ApiContract:
    """``[platform.api]``: the booking API the api suite exercises."""

    services: Endpoint
    employees: Endpoint
    availability: Endpoint
    availability_overview: Endpoint
    create_booking: Endpoint
    list_bookings: Endpoint
    get_booking: Endpoint
    cancel_booking: Endpoint
    pay: Endpoint
    openapi: str
    booking_days_ahead: int
    race_size: int
    schema_examples: int


@dataclass(frozen=True)
class SecurityContract:
    """``[platform.security]`` with the headers and rate limit the security suite checks."""

    protected: dict[Endpoint, str]
    public_writes: list[Endpoint]
    header_paths: list[str]
    script_readable_cookies: list[str]
    headers: dict[str, str]
    hsts_min_max_age: int
    rate_limited: Endpoint
    rate_limit_burst: int
    rate_limit_window_seconds: int
    chat: Endpoint
    chat_field: str
    malicious_inputs: list[str]
    max_body_bytes: int
    fuzz_examples: int
    cors_probe_origin: str
    signing_key_variable: str
    admin_only: list[Endpoint] = field(init=False)
    signed_in_only: list[Endpoint] = field(init=False)

    def __post_init__(self) -> None:
        # "customer" is any signed-in user; any other role (admin, staff, ...) is privileged:
        # a customer must be refused there.
        admin = [e for e, role in self.protected.items() if role != "customer"]
        object.__setattr__(self, "admin_only", admin)
        object.__setattr__(self, "signed_in_only", [e for e in self.protected if e not in admin])


@dataclass(frozen=True)
class Verification:
    """A verification query: it must return ``rows`` rows (or at least ``min_rows``), and its
    first column of the first row must equal ``value`` when one is given."""

    name: str
    query: str
    min_rows: int = 1
    rows: int | None = None
    value: Value | None = None


@dataclass(frozen=True)
class DatabaseContract:
    """``[platform.database]``: what the database of a deployed platform must look like."""

    tables: Mapping[str, tuple[str, ...]] = field(repr=False)
    version_query: str
    versions: tuple[str, ...]
    expected_version: str
    verify: tuple[Verification, ...] = field(repr=False)
    latency: Mapping[str, str] = field(repr=False)
    latency_samples: int
    healthy_ms: float

    @property
    def wanted_version(self) -> str | None:
        """The version the database must be at: the configured one, or the latest known."""
        if self.expected_version != LATEST:
            return self.expected_version
        return self.versions[-1] if self.versions else None


def with_paths(value: Any, endpoints: Mapping[str, str]) -> Any:
    """A default with ``{services}``-style names filled in from ``[platform.endpoints]``."""
    if isinstance(value, str):
        try:
            return value.format(**endpoints)
        except KeyError as exc:
            raise ContractError(
                f"[platform.endpoints] has no {exc.args[0]!r}, which a default uses; add it"
            ) from None
    if isinstance(value, list | tuple):
        return [with_paths(item, endpoints) for item in value]
    if isinstance(value, Mapping):
        return {with_paths(k, endpoints): with_paths(v, endpoints) for k, v in value.items()}
    return value


def api_contract(table: Mapping[str, Any], endpoints: Mapping[str, str]) -> ApiContract:
    """From ``[platform.api]`` (schema-checked), over the defaults."""
    raw = {**with_paths(schema.defaults(schema.API), endpoints), **table}
    routes = {
        key: Endpoint.parse(raw[key], f"api.{key}")
        for key, spec in schema.API.items()
        if spec.spec is str and key != "openapi"
    }
    return ApiContract(
        openapi=str(raw["openapi"]),
        booking_days_ahead=_at_least(raw, "booking_days_ahead", 1, "api"),
        race_size=_at_least(raw, "race_size", 2, "api"),
        schema_examples=_at_least(raw, "schema_examples", 1, "api"),
        **routes,
    )


def security_contract(
    table: Mapping[str, Any],
    rate_limit: Mapping[str, Any],
    headers: Mapping[str, str],
    endpoints: Mapping[str, str],
    absent: frozenset[str] = frozenset(),
) -> SecurityContract:
    """From ``[platform.security]``, ``[platform.rate_limit]`` and ``[platform.headers]``.

    ``absent``: paths of features the platform lacks; the defaults' entries on them go, so a
    platform without chat never inherits the seed's "POST /api/chat must refuse junk"."""
    defaults = with_paths(schema.defaults(schema.SECURITY), endpoints)
    for key in ("protected", "public_writes", "header_paths"):
        defaults[key] = _without(defaults[key], absent)
    raw = {**defaults, **table}
    protected = {
        Endpoint.parse(text, "security.protected"): str(role)
        for text, role in raw["protected"].items()
    }
    rate = {**with_paths(schema.defaults(schema.RATE_LIMIT), endpoints), **rate_limit}
    rate_endpoint = str(rate["endpoint"])
    if rate_endpoint.startswith("/"):  # a bare path means the seed's POST
        rate_endpoint = f"POST {rate_endpoint}"
    for key in ("public_writes", "header_paths", "script_readable_cookies", "malicious_inputs"):
        _strings(raw[key], f"[platform.security] {key}", "a list of strings")
    return SecurityContract(
        protected=protected,
        public_writes=[Endpoint.parse(t, "security.public_writes") for t in raw["public_writes"]],
        header_paths=list(raw["header_paths"]),
        script_readable_cookies=list(raw["script_readable_cookies"]),
        headers={name: value for name, value in headers.items() if value},
        hsts_min_max_age=raw["hsts_min_max_age"],
        rate_limited=Endpoint.parse(rate_endpoint, "rate_limit.endpoint"),
        rate_limit_burst=_at_least(rate, "burst", 1, "rate_limit"),
        rate_limit_window_seconds=_at_least(rate, "window_seconds", 1, "rate_limit"),
        chat=Endpoint.parse(raw["chat"], "security.chat"),
        chat_field=raw["chat_field"],
        malicious_inputs=list(raw["malicious_inputs"]),
        max_body_bytes=_at_least(raw, "max_body_bytes", 1, "security"),
        fuzz_examples=_at_least(raw, "fuzz_examples", 1, "security"),
        cors_probe_origin=raw["cors_probe_origin"],
        signing_key_variable=raw["signing_key_variable"],
    )


def database_contract(table: Mapping[str, Any]) -> DatabaseContract:
    """From ``[platform.database]``; unset keys keep the defaults. ``verify`` replaces the
    default queries as a whole, so a platform never inherits checks of another's tables."""
    where = "[platform.database]"
    raw = {**schema.defaults(schema.DATABASE), **table}
    for name, columns in raw["tables"].items():
        _strings(columns, f"{where} tables.{name}", "a list of column names")
    versions = _strings(raw["versions"], f"{where} versions", "a list of versions")
    checks = []
    for name, spec in raw["verify"].items():
        if "query" not in spec:
            raise ContractError(f'{where} verify.{name}: needs query = "SELECT ..."')
        checks.append(Verification(name, **spec))
    samples = _at_least(raw, "latency_samples", 1, "database")
    expected = raw["expected_version"]
    if expected == LATEST and not versions:
        raise ContractError(f'{where} expected_version = "latest" needs versions = [..., "newest"]')
    return DatabaseContract(
        tables={name: tuple(columns) for name, columns in raw["tables"].items()},
        version_query=raw["version_query"],
        versions=tuple(versions),
        expected_version=expected,
        verify=tuple(checks),
        latency=dict(raw["latency"]),
        latency_samples=samples,
        healthy_ms=float(raw["healthy_ms"]),
    )


def _without(entries: Any, absent: frozenset[str]) -> Any:
    """``entries`` (a list or a table keyed by "METHOD /path" or "/path") minus absent paths."""

    def gone(text: str) -> bool:
        return text.strip().rpartition(" ")[2] in absent

    if isinstance(entries, Mapping):
        return {k: v for k, v in entries.items() if not gone(k)}
    return [e for e in entries if not gone(e)]


def _at_least(table: Mapping[str, Any], key: str, least: int, section: str) -> int:
    value = table[key]
    if value < least:
        raise ContractError(f"[platform.{section}] {key}: must be at least {least}, not {value!r}")
    return int(value)


def _strings(value: Any, where: str, what: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(i, str) for i in value):
        raise ContractError(f"{where}: must be {what}, not {value!r}")
    return list(value)
