"""What the api and security suites expect of a booking platform, read from `[platform]`.

This is the one place those expectations get their defaults (the seed's values), so pointing the
suites at another booking platform is an edit of `environments.toml`, never of test code:

    [platform.api]        endpoints, the race size, schemathesis examples
    [platform.security]   protected endpoints and roles, headers, rate limit, payloads, fuzzing

A per-environment table (`[environments.<name>.platform.security]`) overrides single keys when the
plugin merges it into the `platform` fixture.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The seed's security-header expectations. OWASP's Secure Headers Project now advises
# `X-XSS-Protection: 0` (the XSS auditor it switched on is gone and was itself exploitable);
# the default stays the seed's value and a platform that follows OWASP sets "0" here.
SEED_HEADERS: dict[str, str] = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

# The seed's "Input validation prevents malicious payloads" list.
SEED_MALICIOUS_INPUTS: tuple[str, ...] = (
    '<script>alert("xss")</script>',
    "'; DROP TABLE users; --",
    "../../../etc/passwd",
)

# Keys of [platform.api] and [platform.security]; endpoint defaults are built from
# [platform.endpoints] (see _api_defaults) so renaming a path there is enough.
_API_DEFAULTS: dict[str, Any] = {
    "services": "GET {services}",
    "employees": "GET {employees}",
    "availability": "GET {availability}/{{service_id}}/{{date}}",
    "availability_overview": "GET {availability}",
    "create_booking": "POST {bookings}",
    "list_bookings": "GET {bookings}",
    "get_booking": "GET {bookings}/{{booking_id}}",
    "cancel_booking": "POST {bookings}/{{booking_id}}/cancel",
    "pay": "POST {payments}",
    "openapi": "{openapi}",
    # How far ahead to look for free slots, so test bookings never land on today.
    "booking_days_ahead": 14,
    "race_size": 8,
    "schema_examples": 10,
}

_SECURITY_DEFAULTS: dict[str, Any] = {
    # "METHOD path" -> the role it needs: "admin", or "customer" for any signed-in user.
    "protected": {
        "POST {services}": "admin",
        "POST {employees}": "admin",
        "POST {ai}": "admin",
        "GET {bookings}": "customer",
    },
    # Open to guests but must still turn junk away with a 4xx JSON error (the seed's list).
    "public_writes": ["POST {bookings}", "POST {chat}"],
    # Where headers, cookies and version leaks are checked: API answers and HTML pages.
    "header_paths": ["{health}", "{services}", "{home}", "{book}"],
    # Cookies that scripts must read (a CSRF double-submit token, say) are exempt from HttpOnly.
    "script_readable_cookies": [],
    "hsts_min_max_age": 15_552_000,  # 180 days, the floor most scanners accept
    "chat": "POST {chat}",
    "chat_field": "message",
    "malicious_inputs": list(SEED_MALICIOUS_INPUTS),
    "max_body_bytes": 65_536,
    "fuzz_examples": 25,
    "cors_probe_origin": "https://deploygate-cors-probe.invalid",
    # The platform's JWT signing key is needed to forge a validly signed *expired* token; the
    # check reads it from this environment variable and skips, saying so, when it is unset.
    "signing_key_variable": "DEPLOYGATE_JWT_SECRET",
}

# [platform.rate_limit] (owned by the plugin's schema): the seed sends 101 requests in a burst.
_RATE_LIMIT_DEFAULTS: dict[str, Any] = {
    "endpoint": "POST /api/chat",
    "burst": 101,
    "window_seconds": 60,
}


@dataclass(frozen=True)
class Endpoint:
    """One `METHOD /path` of the platform; `path` may hold `{placeholders}`."""

    method: str
    path: str

    @classmethod
    def parse(cls, text: str, key: str) -> Endpoint:
        method, _, path = text.strip().partition(" ")
        if not path.startswith("/"):
            raise ValueError(
                f"environments.toml: [platform] {key} = {text!r} is not 'METHOD /path'; "
                f"write it like 'POST /api/bookings'"
            )
        return cls(method.upper(), path.strip())

    def url(self, **params: object) -> str:
        return self.path.format(**params)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class ApiContract:
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
        admin = [e for e, role in self.protected.items() if role == "admin"]
        object.__setattr__(self, "admin_only", admin)
        object.__setattr__(self, "signed_in_only", [e for e in self.protected if e not in admin])


def _section(platform: Any, name: str) -> Mapping[str, Any]:
    """`platform.<name>` (the plugin's Platform object) or `platform[name]` (a plain mapping)."""
    value = platform.get(name) if isinstance(platform, Mapping) else getattr(platform, name, None)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"environments.toml: [platform.{name}] must be a table, got {value!r}")
    return value


def _merged(platform: Any, name: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    given = _section(platform, name)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(
            f"environments.toml: [platform.{name}] has unknown key(s) {', '.join(unknown)}; "
            f"known keys: {', '.join(sorted(defaults))}"
        )
    merged = {**defaults, **given}
    for key, default in defaults.items():
        value = merged[key]
        # bool is an int subclass; a flag where a number belongs is still a type error.
        if not isinstance(value, type(default)) or isinstance(value, bool) != isinstance(
            default, bool
        ):
            raise TypeError(
                f"environments.toml: [platform.{name}] {key} = {value!r} should be a "
                f"{type(default).__name__} like {default!r}"
            )
    return merged


def _endpoint_paths(platform: Any) -> dict[str, str]:
    paths = {
        "health": "/api/health",
        "services": "/api/services",
        "employees": "/api/employees",
        "availability": "/api/availability",
        "bookings": "/api/bookings",
        "chat": "/api/chat",
        "payments": "/api/payments",
        "ai": "/api/ai/ollama",
        "openapi": "/openapi.json",
        "home": "/",
        "book": "/book",
    }
    paths.update(_section(platform, "endpoints"))
    return paths


def _resolved(value: Any, paths: Mapping[str, str]) -> Any:
    """Defaults with ``{services}``-style names filled in from [platform.endpoints]."""
    if isinstance(value, str):
        return value.format(**paths)
    if isinstance(value, list):
        return [_resolved(item, paths) for item in value]
    if isinstance(value, dict):
        return {_resolved(k, paths): _resolved(v, paths) for k, v in value.items()}
    return value


def api_contract(platform: Any) -> ApiContract:
    raw = _merged(platform, "api", _resolved(_API_DEFAULTS, _endpoint_paths(platform)))
    endpoints = {
        key: Endpoint.parse(raw[key], f"api.{key}")
        for key in (
            "services",
            "employees",
            "availability",
            "availability_overview",
            "create_booking",
            "list_bookings",
            "get_booking",
            "cancel_booking",
            "pay",
        )
    }
    return ApiContract(
        openapi=str(raw["openapi"]),
        booking_days_ahead=raw["booking_days_ahead"],
        race_size=raw["race_size"],
        schema_examples=raw["schema_examples"],
        **endpoints,
    )


def security_contract(platform: Any) -> SecurityContract:
    defaults = _resolved(_SECURITY_DEFAULTS, _endpoint_paths(platform))
    raw = _merged(platform, "security", defaults)
    protected = {
        Endpoint.parse(text, "security.protected"): str(role)
        for text, role in raw["protected"].items()
    }
    bad_roles = sorted(set(protected.values()) - {"admin", "customer"})
    if bad_roles:
        raise ValueError(
            f"environments.toml: [platform.security] protected uses role(s) {bad_roles}; "
            f"use 'admin' or 'customer'"
        )
    rate = {**_RATE_LIMIT_DEFAULTS, **_section(platform, "rate_limit")}
    rate_endpoint = str(rate["endpoint"])
    if rate_endpoint.startswith("/"):  # a bare path means the seed's POST
        rate_endpoint = f"POST {rate_endpoint}"
    return SecurityContract(
        protected=protected,
        public_writes=[Endpoint.parse(t, "security.public_writes") for t in raw["public_writes"]],
        header_paths=[str(p) for p in raw["header_paths"]],
        script_readable_cookies=[str(c) for c in raw["script_readable_cookies"]],
        headers=dict(_section(platform, "headers") or SEED_HEADERS),
        hsts_min_max_age=raw["hsts_min_max_age"],
        rate_limited=Endpoint.parse(rate_endpoint, "rate_limit.endpoint"),
        rate_limit_burst=int(rate["burst"]),
        rate_limit_window_seconds=int(rate["window_seconds"]),
        chat=Endpoint.parse(raw["chat"], "security.chat"),
        chat_field=raw["chat_field"],
        malicious_inputs=[str(p) for p in raw["malicious_inputs"]],
        max_body_bytes=raw["max_body_bytes"],
        fuzz_examples=raw["fuzz_examples"],
        cors_probe_origin=raw["cors_probe_origin"],
        signing_key_variable=raw["signing_key_variable"],
    )
