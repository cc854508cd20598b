"""The schema of environments.toml: every key, its type and its default, side by side.

This is the one place a key is declared. Validation reads the types; the typed objects of
``config.model`` and ``config.contract`` read the defaults, so a key that is documented here can
never be rejected, and a key the suites read can never be missing from the schema (a test walks
both). Defaults of the platform contract are the seed's; ``{name}`` in a default is replaced by
``[platform.endpoints] name``, so renaming a path there is enough.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from pytest_deploygate.load.config import SCHEMA as LOAD


@dataclass(frozen=True)
class MapOf:
    """A table whose keys are free (service names, roles, metric names) and values share a spec."""

    value: Spec


@dataclass(frozen=True)
class Key:
    """A key's type and its default (``None``: optional, no default)."""

    spec: Spec
    default: Any = None


Spec: TypeAlias = type | tuple[type, ...] | Mapping[str, "Spec | Key"] | MapOf | Key

_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    list: "an array",
}

NUMBER = (int, float)
DURATION = (str, int, float)  # "15m", "1h", or seconds
SCALAR = (str, int, float, bool)

# --- [platform]: the contract the suites check (DESIGN §6) ---------------------------------

ENDPOINTS: Mapping[str, str] = {
    "health": "/api/health",
    "login": "/api/auth/login",
    "services": "/api/services",
    "employees": "/api/employees",
    "availability": "/api/availability",
    "bookings": "/api/bookings",
    "payments": "/api/payments",
    "chat": "/api/chat",
    "ai": "/api/ai/ollama",
    "openapi": "/openapi.json",
    "home": "/",
    "book": "/book",
}

# The seed's security-header expectations. OWASP's Secure Headers Project now advises
# `X-XSS-Protection: 0` (the XSS auditor it switched on is gone and was itself exploitable);
# the default stays the seed's value and a platform that follows OWASP sets "0".
HEADERS: Mapping[str, str] = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

TEST_CARDS: Mapping[str, str] = {"success": "4242424242424242", "decline": "4000000000000002"}

# The seed's "Input validation prevents malicious payloads" list.
MALICIOUS_INPUTS: tuple[str, ...] = (
    '<script>alert("xss")</script>',
    "'; DROP TABLE users; --",
    "../../../etc/passwd",
)

API: Mapping[str, Key] = {
    "services": Key(str, "GET {services}"),
    "employees": Key(str, "GET {employees}"),
    "availability": Key(str, "GET {availability}/{{service_id}}/{{date}}"),
    "availability_overview": Key(str, "GET {availability}"),
    "create_booking": Key(str, "POST {bookings}"),
    "list_bookings": Key(str, "GET {bookings}"),
    "get_booking": Key(str, "GET {bookings}/{{booking_id}}"),
    "cancel_booking": Key(str, "POST {bookings}/{{booking_id}}/cancel"),
    "pay": Key(str, "POST {payments}"),
    "openapi": Key(str, "{openapi}"),
    # How far ahead to look for free slots, so test bookings never land on today.
    "booking_days_ahead": Key(int, 14),
    "race_size": Key(int, 8),  # concurrent bookings of one slot in the double-booking race
    "schema_examples": Key(int, 10),  # schemathesis examples per operation
}

SECURITY: Mapping[str, Key] = {
    # "METHOD path" -> the role it needs: "customer" for any signed-in user, or a privileged
    # role (admin, staff, ...: a key of [environments.X.credentials]).
    "protected": Key(
        MapOf(str),
        {
            "POST {services}": "admin",
            "POST {employees}": "admin",
            "POST {ai}": "admin",
            "GET {bookings}": "customer",
        },
    ),
    # Open to guests but must still turn junk away with a 4xx JSON error (the seed's list).
    "public_writes": Key(list, ["POST {bookings}", "POST {chat}"]),
    # Where headers, cookies and version leaks are checked: API answers and HTML pages.
    "header_paths": Key(list, ["{health}", "{services}", "{home}", "{book}"]),
    # Cookies that scripts must read (a CSRF double-submit token, say) are exempt from HttpOnly.
    "script_readable_cookies": Key(list, []),
    "hsts_min_max_age": Key(int, 15_552_000),  # 180 days, the floor most scanners accept
    "chat": Key(str, "POST {chat}"),
    "chat_field": Key(str, "message"),
    "malicious_inputs": Key(list, list(MALICIOUS_INPUTS)),
    "max_body_bytes": Key(int, 65_536),
    "fuzz_examples": Key(int, 25),  # Hypothesis examples per fuzz test; raise it on staging
    "cors_probe_origin": Key(str, "https://deploygate-cors-probe.invalid"),
    # The platform's JWT signing key is needed to forge a validly signed *expired* token; the
    # check reads it from this environment variable and skips, saying so, when it is unset.
    "signing_key_variable": Key(str, "DEPLOYGATE_JWT_SECRET"),
}

# The seed: 101 requests in a burst, some must get 429 + Retry-After. A bare path means POST.
RATE_LIMIT: Mapping[str, Key] = {
    "endpoint": Key(str, "POST {chat}"),
    "burst": Key(int, 101),
    "window_seconds": Key(int, 60),
}

# The reference platform's database: tables and the columns each must have (a subset is fine).
DATABASE_TABLES: Mapping[str, tuple[str, ...]] = {
    table: tuple(columns.split())
    for table, columns in {
        "schema_migrations": "version applied_at",
        "users": "id email name password_hash role",
        "services": "id name description duration_minutes price_cents currency",
        "employees": "id name role working_hours",
        "employee_services": "employee_id service_id",
        "bookings": "id reference service_id employee_id scheduled_date scheduled_time "
        "duration_minutes customer_name customer_email customer_phone notes status "
        "payment_status owner_id created_at",
        "slot_claims": "employee_id slot_date slot_time booking_id",
        "payments": "id booking_id amount_cents currency status card_last4 idempotency_key "
        "request_fingerprint response_status response_body created_at",
    }.items()
}

# The seed's rollback verification: key data present and consistent. Each is `query` and an
# expectation: rows (min_rows, default 1), exactly `rows` rows, or `value` of the first column.
DATABASE_VERIFY: Mapping[str, Mapping[str, Any]] = {
    "services_published": {"query": "SELECT id FROM services"},
    "admin_account": {"query": "SELECT id FROM users WHERE role = 'admin'"},
    "bookings_have_services": {
        "query": "SELECT count(*) FROM bookings b LEFT JOIN services s ON s.id = b.service_id "
        "WHERE s.id IS NULL",
        "value": 0,
    },
    "active_bookings_hold_their_slot": {
        "query": "SELECT count(*) FROM bookings b WHERE b.status <> 'cancelled' "
        "AND NOT EXISTS (SELECT 1 FROM slot_claims c WHERE c.booking_id = b.id)",
        "value": 0,
    },
}

# Representative reads of the booking flow, timed for the db.query_p95_ms gate.
DATABASE_LATENCY: Mapping[str, str] = {
    "services": "SELECT id, name, duration_minutes, price_cents, currency FROM services",
    "claims_of_a_day": "SELECT employee_id, slot_time FROM slot_claims "
    "WHERE slot_date = CURRENT_DATE",
    "booking_by_reference": "SELECT id, status FROM bookings WHERE reference = 'BK00000000'",
}

DATABASE: Mapping[str, Key] = {
    "tables": Key(MapOf(list), DATABASE_TABLES),
    # The seed's getCurrentSchemaVersion: the newest row of schema_migrations.
    "version_query": Key(
        str, "SELECT version FROM schema_migrations ORDER BY applied_at DESC LIMIT 1"
    ),
    "versions": Key(list, ["2025.01.0", "2026.11.1"]),  # known schema versions, oldest first
    "expected_version": Key(str, "latest"),  # or a version, e.g. after a rollback
    "verify": Key(
        MapOf({"query": str, "min_rows": int, "rows": int, "value": SCALAR}), DATABASE_VERIFY
    ),
    "latency": Key(MapOf(str), DATABASE_LATENCY),
    "latency_samples": Key(int, 20),  # each latency query runs this often
    "healthy_ms": Key(NUMBER, 1000.0),  # the seed's health check: connect + SELECT 1 under this
}

# What the seed's platform has. A platform without one sets it false: its tests skip naming
# the key, and its endpoints leave the contract's defaults (protected, public_writes,
# header_paths) and the endpoint coverage, so nothing of the seed is inherited silently.
FEATURES: Mapping[str, Key] = {
    "chat": Key(bool, True),  # POST {chat}: input validation, fuzzing, the rate limit
    "payments": Key(bool, True),  # POST {payments} and the payment pages
    "ai": Key(bool, True),  # POST {ai}
    "openapi": Key(bool, True),  # a published OpenAPI document at {openapi}
    "mobile_menu": Key(bool, True),  # mobile-menu-toggle, service-card-mobile, datetime-mobile
    "sms": Key(bool, True),  # an SMS gateway the health document reports on
    "email_verification": Key(bool, True),  # e-mail sending the health document reports on
}

# Which [platform.endpoints] each feature owns, and the health component it reports as.
FEATURE_ENDPOINTS: Mapping[str, tuple[str, ...]] = {
    "chat": ("chat",),
    "payments": ("payments",),
    "ai": ("ai",),
    "openapi": ("openapi",),
}
FEATURE_COMPONENTS: Mapping[str, str] = {
    "payments": "payment",
    "sms": "sms",
    "email_verification": "email",
}

HEALTH: Mapping[str, Key] = {
    # The components the health document must report as passing (absent features drop out).
    "components": Key(list, ["database", "payment", "email", "sms"]),
    "content_type": Key(str, "application/health+json"),
}

# How the suites sign in (DESIGN §11). "json": POST {login} a JSON body, a bearer token comes
# back (the seed). "form": a form-encoded login answered with a session cookie, a CSRF token
# fetched first from a cookie or a hidden field and sent back on every unsafe request.
# "api_key": the credential's password is a static key sent in api_key_header. "none".
AUTH: Mapping[str, Key] = {
    "mode": Key(str, "json"),
    "username_field": Key(str, "email"),
    "password_field": Key(str, "password"),
    "token_field": Key(str, "accessToken"),  # json: where the login answer carries the token
    "login_page": Key(str, "{login}"),  # form: GET this first for the CSRF cookie/field
    "csrf_cookie": Key(str, ""),  # form: the cookie holding the CSRF token (Django: csrftoken)
    "csrf_field": Key(str, ""),  # form: the hidden input holding it (csrfmiddlewaretoken)
    "csrf_header": Key(str, ""),  # the header unsafe requests carry it in (X-CSRFToken)
    "session_cookie": Key(str, ""),  # form: the session cookie (sessionid), for its checks
    "logout": Key(str, ""),  # form: "METHOD /path" that ends the session ("" = not checked)
    "api_key_header": Key(str, "X-API-Key"),
    "refusal_statuses": Key(list, [401, 403]),  # what counts as "refused"
    # HTML platforms refuse by redirecting to a login page: a redirect whose Location
    # contains this counts as a refusal too ("" = only refusal_statuses do).
    "login_redirect": Key(str, ""),
}

# Requests shaped like the platform's: extra headers per "METHOD /path" (or "*" for all).
# Bodies: the suites write the seed's JSON; "form" sends them form-encoded (with the CSRF
# field), and fields renames the seed's dotted names ("customerDetails.name") to the platform's.
REQUESTS: Mapping[str, Key] = {
    "headers": Key(MapOf(MapOf(str)), {}),
    "body": Key(str, "json"),
    "fields": Key(MapOf(str), {}),
}

# What the platform's error answers look like (refusals, validation errors, 429s): "json", an
# object whose `field` (dotted: "detail", "errors.0") says what went wrong; "any": any body
# (server-rendered error pages), where only a leaked stack trace is a problem.
ERRORS: Mapping[str, Key] = {
    "body": Key(str, "json"),
    "field": Key(str, "error"),
}

PLATFORM: Mapping[str, Spec] = {
    # "seed": [platform.headers] defaults are the seed's; "owasp": OWASP's current advice
    # (X-XSS-Protection: 0, Referrer-Policy at least as strict as strict-origin-when-cross-origin).
    "header_profile": Key(str, "seed"),
    # A PEM file of the CA(s) that signed the platform's certificate (a private CA), trusted
    # beside the public roots by every client of the platform; relative to the environments
    # file. Browsers cannot take one: they ignore certificate errors instead (browser/).
    "ca_bundle": Key(str),
    "features": FEATURES,
    "health": HEALTH,
    "auth": AUTH,
    "requests": REQUESTS,
    "errors": ERRORS,
    "endpoints": Key(MapOf(str), ENDPOINTS),
    # data-testid name -> CSS selector; a name not listed is [data-testid="name"].
    "selectors": Key(MapOf(str), {}),
    "headers": Key(MapOf(str), HEADERS),
    "rate_limit": RATE_LIMIT,
    "test_cards": Key(MapOf(str), TEST_CARDS),
    "database": DATABASE,
    "api": API,
    "security": SECURITY,
}

# --- [alerts], [gates], [environments.X] ---------------------------------------------------

ALERTS: Spec = {  # pytest_deploygate.alerting.config checks channels and rules in depth
    "enabled": bool,
    "state_file": str,
    "max_resends": int,
    "resend": {"critical": DURATION, "warning": DURATION, "info": DURATION},
    "retry": {
        "attempts": int,
        "backoff": DURATION,
        "max_backoff": DURATION,
        "timeout": DURATION,
        "deadline": DURATION,
    },
    "channels": MapOf(dict),
    "rules": list,
}

# `deploygate deploy` (pytest_deploygate.deploy.settings.DeploySettings); [environments.X.deploy]
# overrides [deploy] key by key.
DEPLOY: Mapping[str, Key] = {
    "probe_interval": Key(DURATION, 0.5),  # seconds between availability probes: the resolution
    "probe_timeout": Key(DURATION, 2.0),  # a probe answered slower than this counts as down
    "probe_paths": Key(list, ["health", "home"]),  # [platform.endpoints] names, or /paths
    "probe_max_duration": Key(DURATION, 3600.0),  # the probe stops itself (2x the seed's 30 min)
    "command_timeout": Key(DURATION, 1800.0),  # the seed: a deployment takes < 30 min
    "health_wait": Key(DURATION, 120.0),  # health --wait after the deploy and after a rollback
    "verify": Key(str, "smoke"),  # the verification run's -m expression
    "verify_timeout": Key(DURATION, 1800.0),
    "history_url": Key(str, ""),  # empty: SQLite beside the alert state (deploy-history.sqlite)
    "notify": Key(list, []),  # [alerts.channels] told of rollbacks; empty: every channel
    "recipients": Key(list, []),  # e-mail addresses and phone numbers for rollback notices
}

PREFLIGHT: Mapping[str, Key] = {
    "path": Key(str, "{health}"),  # GET this before the first test; any HTTP answer will do
    "timeout_seconds": Key(NUMBER, 3.0),
    "attempts": Key(int, 3),
}

# [environments.X.database] beside url: `deploygate db` (backup, restore-check, migrate,
# rollback). Paths are relative to the environments file.
DATABASE_RELEASE: Mapping[str, Key] = {
    "backup_dir": Key(str, "backups"),  # the seed keeps its backups under backups/
    "migrations_dir": Key(str, "migrations"),  # VERSION_description[.down].sql files
    # A PostgreSQL server where restore drills create their scratch database (needs CREATEDB);
    # unset: the database's own server.
    "scratch_url": Key(str),
    # A rollback does not start while a transaction older than this is open (PostgreSQL).
    "max_transaction_seconds": Key(NUMBER, 60.0),
    # The longest a migration or rollback waits for a lock, instead of queueing the platform's
    # queries behind it.
    "lock_timeout_seconds": Key(NUMBER, 30.0),
    "command_timeout_seconds": Key(NUMBER, 3600.0),  # bound on each pg_dump / pg_restore
}

# Run results in the Prometheus exposition format, for the team's monitoring.
METRICS: Mapping[str, Key] = {
    "textfile": Key(str),  # a .prom file for node_exporter's textfile collector
    "pushgateway": Key(str),  # a Pushgateway base URL, e.g. "${PUSHGATEWAY_URL}"
    "job": Key(str, "deploygate"),  # the Pushgateway job (the group is job + environment)
    "timeout_seconds": Key(NUMBER, 5.0),
}

ENVIRONMENT: Mapping[str, Spec] = {
    "description": str,
    "sensitive": bool,
    "base_url": str,
    "launch": str,
    # How the launched reference platform runs: profile = "seed" (the default) or "session";
    # tls = true serves it over https with a throwaway CA the session trusts (as ca_bundle).
    "launch_options": {"profile": str, "tls": bool},
    "database": {"url": str, **DATABASE_RELEASE},
    "credentials": MapOf({"username": str, "password": str}),
    "services": MapOf(str),
    "gates": MapOf(str),
    "load": LOAD,
    "preflight": PREFLIGHT,
    "metrics": METRICS,
    "deploy": DEPLOY,
    "platform": PLATFORM,
}

FILE: Mapping[str, Spec] = {
    "platform": PLATFORM,
    "gates": MapOf(str),
    "environments": MapOf(ENVIRONMENT),
    "deploy": DEPLOY,
    "alerts": ALERTS,
    "metrics": METRICS,
}


def defaults(section: Mapping[str, Spec]) -> dict[str, Any]:
    """The default of every key of a section that has one."""
    return {
        name: spec.default
        for name, spec in section.items()
        if isinstance(spec, Key) and spec.default is not None
    }


def describe(spec: Spec) -> str:
    if isinstance(spec, Key):
        return describe(spec.spec)
    if isinstance(spec, (MapOf, Mapping)):
        return "a table"
    if isinstance(spec, tuple):
        return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in spec)
    return _TYPE_NAMES.get(spec, spec.__name__)


@dataclass(frozen=True)
class Problem:
    """Where a document breaks the schema: the table, the key, what is wrong and how to fix it."""

    table: str
    key: str
    message: str


def validate(data: Mapping[str, Any], spec: Mapping[str, Spec], table: str = "") -> Problem | None:
    """The first problem in ``data``, or None when it conforms."""
    for key, value in data.items():
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            known = ", ".join(spec)
            return Problem(table, key, f"unknown key; {hint}known keys: {known}")
        problem = _check(value, spec[key], table, key)
        if problem is not None:
            return problem
    return None


def _check(value: Any, spec: Spec, table: str, key: str) -> Problem | None:
    here = f"{table}.{key}" if table else key
    if isinstance(spec, Key):
        return _check(value, spec.spec, table, key)
    if isinstance(spec, MapOf):
        if not isinstance(value, Mapping):
            return _type_error(table, key, value, spec)
        for name, item in value.items():
            problem = _check(item, spec.value, here, name)
            if problem is not None:
                return problem
        return None
    if isinstance(spec, Mapping):
        if not isinstance(value, Mapping):
            return _type_error(table, key, value, spec)
        return validate(value, spec, here)
    types = spec if isinstance(spec, tuple) else (spec,)
    # TOML booleans are ints to Python; a number key must not accept `true`.
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        return _type_error(table, key, value, spec)
    return None


def _type_error(table: str, key: str, value: Any, spec: Spec) -> Problem:
    got = "a table" if isinstance(value, Mapping) else f"{type(value).__name__} {value!r}"
    return Problem(table, key, f"must be {describe(spec)}, not {got}")
