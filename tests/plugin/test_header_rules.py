"""Header expectations as rules: exact, one of a set, at least as strict as, and profiles."""

from __future__ import annotations

import pytest

from pytest_deploygate.config.contract import ContractError
from pytest_deploygate.config.header_rules import HeaderRule, header_rules
from pytest_deploygate.config.model import Platform


@pytest.mark.parametrize(
    ("name", "rule", "actual", "ok"),
    [
        ("X-Frame-Options", "DENY", "deny", True),
        ("X-Frame-Options", "DENY", "SAMEORIGIN", False),
        ("X-Frame-Options", "DENY | SAMEORIGIN", "SAMEORIGIN", True),
        ("Referrer-Policy", ">= strict-origin-when-cross-origin", "no-referrer", True),
        ("Referrer-Policy", ">= strict-origin-when-cross-origin", "same-origin", True),
        ("Referrer-Policy", ">= strict-origin-when-cross-origin", "origin", False),
        ("Referrer-Policy", ">= strict-origin-when-cross-origin", "unsafe-url", False),
        # A list of fallbacks: browsers use the last one they know.
        ("Referrer-Policy", ">= strict-origin", "origin, strict-origin", True),
    ],
)
def test_a_rule_accepts_what_it_allows(name: str, rule: str, actual: str, ok: bool) -> None:
    assert (HeaderRule.parse(name, rule).problem(actual) is None) is ok


def test_the_owasp_profile_wants_x_xss_protection_0_and_the_seed_its_own_value() -> None:
    seed = header_rules("seed", {})
    owasp = header_rules("owasp", {})
    assert seed["X-XSS-Protection"].problem("1; mode=block") is None
    assert owasp["X-XSS-Protection"].problem("0") is None
    assert owasp["X-XSS-Protection"].problem("1; mode=block") is not None
    assert owasp["X-Frame-Options"].problem("SAMEORIGIN") is None
    # A key of [platform.headers] still wins over the profile; "" drops the header.
    assert "X-XSS-Protection" not in header_rules("owasp", {"X-XSS-Protection": ""})


def test_a_bad_rule_or_profile_is_a_configuration_error_naming_the_key() -> None:
    with pytest.raises(ContractError, match=r"\[platform.headers\] X-Frame-Options"):
        Platform.from_tables({"headers": {"X-Frame-Options": ">= DENY"}})
    with pytest.raises(ContractError, match=r"\[platform\] header_profile = 'modern'"):
        Platform.from_tables({"header_profile": "modern"})
