"""Settings of the reference platform: one frozen value, built in code or from the environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from .faults import parse_faults, validate_faults

SCHEMA_VERSION = "2026.11.1"

#: The shapes the platform can take: the seed's JSON API, or server-rendered pages with a
#: session login (session_profile/), to prove the suites follow the configuration.
PROFILES = ("seed", "session")


def _random_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Settings:
    """Everything the platform can be configured with; defaults follow the seed's test accounts."""

    database_url: str = "sqlite:///reference_app.db"
    faults: frozenset[str] = frozenset()
    profile: str = "seed"
    jwt_secret: str = field(default_factory=_random_secret, repr=False)
    token_ttl_seconds: int = 900
    admin_email: str = "admin@test.com"
    admin_password: str = field(default="TestAdmin123!", repr=False)
    customer_email: str = "customer@test.com"
    customer_password: str = field(default="TestCustomer123!", repr=False)
    second_customer_email: str = "customer2@test.com"
    second_customer_password: str = field(default="TestCustomer456!", repr=False)
    chat_rate_limit: int = 100
    chat_rate_window_seconds: int = 60
    max_body_bytes: int = 65536

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", frozenset(self.faults))
        validate_faults(self.faults, source="Settings.faults")
        if self.profile not in PROFILES:
            raise ValueError(
                f"unknown profile {self.profile!r}; valid profiles: {', '.join(PROFILES)}"
            )

    def has(self, fault: str) -> bool:
        return fault in self.faults

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read DATABASE_URL and REFERENCE_APP_* variables; unset ones keep their defaults."""
        text = {
            "database_url": "DATABASE_URL",
            "profile": "REFERENCE_APP_PROFILE",
            "jwt_secret": "REFERENCE_APP_JWT_SECRET",
            "admin_email": "REFERENCE_APP_ADMIN_EMAIL",
            "admin_password": "REFERENCE_APP_ADMIN_PASSWORD",
            "customer_email": "REFERENCE_APP_CUSTOMER_EMAIL",
            "customer_password": "REFERENCE_APP_CUSTOMER_PASSWORD",
            "second_customer_email": "REFERENCE_APP_SECOND_CUSTOMER_EMAIL",
            "second_customer_password": "REFERENCE_APP_SECOND_CUSTOMER_PASSWORD",
        }
        numbers = {
            "token_ttl_seconds": "REFERENCE_APP_TOKEN_TTL_SECONDS",
            "chat_rate_limit": "REFERENCE_APP_CHAT_RATE_LIMIT",
            "chat_rate_window_seconds": "REFERENCE_APP_CHAT_RATE_WINDOW_SECONDS",
            "max_body_bytes": "REFERENCE_APP_MAX_BODY_BYTES",
        }
        values: dict[str, object] = {
            key: environ[var] for key, var in text.items() if environ.get(var)
        }
        for key, var in numbers.items():
            if environ.get(var):
                try:
                    values[key] = int(environ[var])
                except ValueError:
                    raise ValueError(
                        f"{var}={environ[var]!r} is not an integer; set it to a whole number"
                    ) from None
        values["faults"] = parse_faults(environ.get("REFERENCE_APP_FAULTS"))
        return cls(**values)  # type: ignore[arg-type]
