"""Header expectations as rules: an exact value, one of a set, or "at least as strict as".

``[platform.headers]`` values: ``"DENY"`` (exact, case-insensitive), ``"DENY | SAMEORIGIN"``
(one of), ``">= strict-origin-when-cross-origin"`` (Referrer-Policy: this or stricter), ``""``
(not expected). ``[platform] header_profile`` picks the defaults: the seed's values, or
OWASP's current advice (``X-XSS-Protection: 0``: the XSS auditor it switched on is gone and
was itself exploitable).
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_deploygate.config import schema
from pytest_deploygate.config.contract import ContractError

# Referrer-Policy values from least to most strict (what leaves the site, and where).
REFERRER_ORDER = (
    "unsafe-url",
    "no-referrer-when-downgrade",
    "origin-when-cross-origin",
    "origin",
    "strict-origin-when-cross-origin",
    "strict-origin",
    "same-origin",
    "no-referrer",
)

OWASP: dict[str, str] = {
    "X-Frame-Options": "DENY | SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "0",
    "Referrer-Policy": ">= strict-origin-when-cross-origin",
}
PROFILES: dict[str, dict[str, str]] = {"seed": dict(schema.HEADERS), "owasp": OWASP}


@dataclass(frozen=True)
class HeaderRule:
    """What one response header must say."""

    name: str
    allowed: tuple[str, ...]
    at_least: str | None = None

    @classmethod
    def parse(cls, name: str, text: str) -> HeaderRule:
        text = text.strip()
        if text.startswith(">="):
            floor = text[2:].strip().lower()
            if name.lower() != "referrer-policy" or floor not in REFERRER_ORDER:
                raise ContractError(
                    f"[platform.headers] {name} = {text!r}: '>=' works for Referrer-Policy "
                    f"with one of {', '.join(REFERRER_ORDER)}"
                )
            return cls(name, (), floor)
        return cls(name, tuple(v.strip() for v in text.split("|") if v.strip()))

    def problem(self, actual: str) -> str | None:
        """Why ``actual`` breaks the rule, or None."""
        if self.at_least is not None:
            # A policy may list fallbacks; browsers use the last one they know.
            value = actual.split(",")[-1].strip().lower()
            floor = REFERRER_ORDER.index(self.at_least)
            if value in REFERRER_ORDER and REFERRER_ORDER.index(value) >= floor:
                return None
            return f"{actual!r} is less strict than {self.at_least!r}"
        if actual.strip().lower() in {v.lower() for v in self.allowed}:
            return None
        return f"{actual!r}, expected {self}"

    def __str__(self) -> str:
        if self.at_least:
            return f"{self.at_least!r} or stricter"
        return " or ".join(map(repr, self.allowed))


def header_rules(profile: str, configured: dict[str, str]) -> dict[str, HeaderRule]:
    """The profile's defaults under ``[platform.headers]``; an empty value drops a header."""
    if profile not in PROFILES:
        raise ContractError(
            f"[platform] header_profile = {profile!r}; use one of {', '.join(PROFILES)}"
        )
    merged = {**PROFILES[profile], **configured}
    return {name: HeaderRule.parse(name, value) for name, value in merged.items() if value}
