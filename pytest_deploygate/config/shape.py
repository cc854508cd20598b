"""How a platform is shaped beyond its paths: which features it has, how the suites sign in,
what extra headers its requests carry, what its health document reports (DESIGN §11).

Built from ``[platform.features]``, ``[platform.auth]``, ``[platform.requests]`` and
``[platform.health]`` over the defaults in ``config.schema``; a bad value is a ContractError
naming the key, before any test runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_deploygate.config import schema
from pytest_deploygate.config.contract import ContractError, Endpoint, with_paths

AUTH_MODES = ("json", "form", "api_key", "none")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Features:
    """``[platform.features]``: what the platform has; ``absent`` names what it lacks."""

    enabled: Mapping[str, bool]

    def has(self, name: str) -> bool:
        return self.enabled.get(name, True)

    @property
    def absent(self) -> tuple[str, ...]:
        return tuple(name for name, on in self.enabled.items() if not on)

    def absent_paths(self, endpoints: Mapping[str, str]) -> frozenset[str]:
        """The paths of the endpoints that absent features own."""
        return frozenset(
            endpoints[name]
            for feature in self.absent
            for name in schema.FEATURE_ENDPOINTS.get(feature, ())
            if name in endpoints
        )

    @staticmethod
    def key(name: str) -> str:
        return f"[platform.features] {name}"


@dataclass(frozen=True)
class AuthContract:
    """``[platform.auth]``: how the suites sign in and what a refusal looks like."""

    mode: str
    username_field: str
    password_field: str
    token_field: str
    login_page: str
    csrf_cookie: str
    csrf_field: str
    csrf_header: str
    session_cookie: str
    logout: str
    api_key_header: str
    refusal_statuses: tuple[int, ...]
    login_redirect: str

    def is_refusal(self, status: int, location: str = "") -> bool:
        """Whether an answer refuses the caller: a refusal status, or a redirect to login."""
        if status in self.refusal_statuses:
            return True
        redirect = 300 <= status < 400
        return redirect and bool(self.login_redirect) and self.login_redirect in location


@dataclass(frozen=True)
class HealthContract:
    """``[platform.health]``: the components to check, without those of absent features."""

    components: tuple[str, ...]
    content_type: str


@dataclass(frozen=True)
class RequestShape:
    """``[platform.requests]``: extra headers by endpoint (``*`` for every request), the body
    encoding ("json" or "form") and the platform's names for the seed's fields."""

    headers: Mapping[str, Mapping[str, str]]
    body: str = "json"
    fields: Mapping[str, str] = field(default_factory=dict)

    def headers_for(self, method: str, path: str) -> dict[str, str]:
        from pytest_deploygate.gates.endpoints import Operation

        extra = dict(self.headers.get("*", {}))
        for text, values in self.headers.items():
            if text == "*":
                continue
            endpoint = Endpoint.parse(text, "requests.headers")
            if Operation(endpoint.method, endpoint.path).matches(method, path):
                extra.update(values)
        return extra


@dataclass(frozen=True)
class ErrorShape:
    """``[platform.errors]``: a JSON object with ``field``, or ``any`` body."""

    body: str = "json"
    field: str = "error"


def error_shape(table: Mapping[str, Any]) -> ErrorShape:
    raw = {**schema.defaults(schema.ERRORS), **table}
    if raw["body"] not in ("json", "any"):
        raise ContractError(f"[platform.errors] body = {raw['body']!r}; use 'json' or 'any'")
    return ErrorShape(str(raw["body"]), str(raw["field"]))


def features_of(table: Mapping[str, Any]) -> Features:
    return Features({**schema.defaults(schema.FEATURES), **table})


def auth_contract(table: Mapping[str, Any], endpoints: Mapping[str, str]) -> AuthContract:
    raw = {**schema.defaults(schema.AUTH), **table}
    # Empty strings are meaningful here ("no CSRF cookie"); defaults() drops only None.
    raw = {key: with_paths(value, endpoints) for key, value in raw.items()}
    if raw["mode"] not in AUTH_MODES:
        raise ContractError(
            f"[platform.auth] mode = {raw['mode']!r}; use one of {', '.join(AUTH_MODES)}"
        )
    if raw["logout"]:
        Endpoint.parse(raw["logout"], "auth.logout")
    statuses = raw["refusal_statuses"]
    if not statuses or not all(isinstance(s, int) and 400 <= s < 600 for s in statuses):
        raise ContractError(
            f"[platform.auth] refusal_statuses = {statuses!r}; write HTTP error statuses "
            "like [401, 403]"
        )
    return AuthContract(
        **{k: v for k, v in raw.items() if k != "refusal_statuses"},
        refusal_statuses=tuple(statuses),
    )


def health_contract(table: Mapping[str, Any], features: Features) -> HealthContract:
    raw = {**schema.defaults(schema.HEALTH), **table}
    dropped = {schema.FEATURE_COMPONENTS.get(name) for name in features.absent}
    return HealthContract(
        components=tuple(c for c in raw["components"] if c not in dropped),
        content_type=str(raw["content_type"]),
    )


def request_shape(table: Mapping[str, Any]) -> RequestShape:
    raw = {**schema.defaults(schema.REQUESTS), **table}
    for text in raw["headers"]:
        if text != "*":
            Endpoint.parse(text, f"requests.headers.{text!r}")
    if raw["body"] not in ("json", "form"):
        raise ContractError(f"[platform.requests] body = {raw['body']!r}; use 'json' or 'form'")
    return RequestShape(
        {k: dict(v) for k, v in raw["headers"].items()}, str(raw["body"]), dict(raw["fields"])
    )
