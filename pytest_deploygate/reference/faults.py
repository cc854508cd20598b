"""The switchable faults: each one removes a single protection so a suite can prove it fails."""

from __future__ import annotations

FAULT_DESCRIPTIONS: dict[str, str] = {
    "no-security-headers": "responses carry no security headers (CSP, X-Frame-Options, ...)",
    "no-hsts": "over https, responses carry no Strict-Transport-Security header",
    "no-rate-limit": "POST /api/chat is never rate limited",
    "open-admin-endpoints": "admin-only endpoints accept anonymous and customer requests",
    "accept-unsigned-jwt": "JWTs with alg 'none' (no signature) are accepted",
    "bola": "any authenticated user can read and cancel any booking",
    "no-input-validation": "chat and booking text is accepted and reflected unescaped",
    "leaky-500s": "malformed input produces a 500 with a stack trace in the body",
    "no-body-limit": "request bodies of any size are read and handled (no 413)",
    "double-booking": "no slot constraint: concurrent bookings of one slot all succeed",
    "slot-times-with-seconds": "availability lists slot times as HH:MM:SS, not HH:MM",
    "slow-api": "every /api response is delayed by ~300 ms",
    "broken-confirmation": "the booking page shows no confirmation and no BK reference",
    "payment-always-declines": "every card is declined, in the API and on the payment page",
    "payment-never-declines": "the decline test card pays, in the API and on the payment page",
    "inaccessible-forms": "form inputs lose their labels, images their alt, text its contrast",
    "broken-mobile-menu": "the mobile menu toggle shows but opens nothing",
    "broken-service-cards": "desktop service cards leave the tab order, mobile ones lead nowhere",
    "database-down": "the database is unreachable: health fails, database routes answer 503",
    "providers-down": "the payment, email and sms providers are unreachable: health fails them",
    "stale-schema": "schema_migrations holds an old schema version",
    "drop-column": "the bookings.notes column is missing",
    "unindexed-claims": "slot_claims has no index on slot_date and holds 200,000 past claims: "
    "a day's claims are a full scan",
    "sql-injection": "login builds its SQL from the e-mail text; a database error answers 503",
    "sql-error-messages": "as sql-injection, but a database error answers 400 with its message",
    "blind-sql-injection": "as sql-injection, but a database error answers 401 like a wrong "
    "password, and SQLite runs sleep(seconds) as PostgreSQL runs pg_sleep",
    "sql-injection-bookings": "the booking lookup (GET /api/bookings/{id}), a new booking's "
    "serviceId lookup and a payment's bookingId lookup paste the id into their SQL; a quote "
    "breaks the query and the database error answers 5xx",
    "template-injection": "the chat reply renders the message as a Jinja2 template",
    # The session profile's own (profile = "session"): its session cookie and its lifecycle.
    "session-fixation": "session profile: login keeps the session id the browser brought",
    "logout-keeps-session": "session profile: logout clears the cookie but the session lives on",
    "script-readable-session": "session profile: the session cookie has no HttpOnly",
}
#: The faults of the session profile's sessions (session_profile/sessions.py).
SESSION_FAULTS = frozenset({"session-fixation", "logout-keeps-session", "script-readable-session"})
#: The faults that build the login query from the e-mail text (auth.py).
SQL_INJECTION_FAULTS = frozenset({"sql-injection", "sql-error-messages", "blind-sql-injection"})

FAULTS: frozenset[str] = frozenset(FAULT_DESCRIPTIONS)


def parse_faults(raw: str | None, source: str = "REFERENCE_APP_FAULTS") -> frozenset[str]:
    """Parse 'a,b' into fault names; an unknown name is an error listing the valid ones."""
    names = frozenset(part.strip() for part in (raw or "").split(",") if part.strip())
    validate_faults(names, source)
    return names


def validate_faults(names: frozenset[str], source: str = "REFERENCE_APP_FAULTS") -> None:
    for name in sorted(names):
        if name not in FAULTS:
            raise ValueError(
                f"unknown fault {name!r} in {source}; valid faults: {', '.join(sorted(FAULTS))}"
            )
