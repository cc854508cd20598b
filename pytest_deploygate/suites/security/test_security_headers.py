"""Response hardening: security headers, CSP, HSTS, version leaks, CORS, cookies (API8:2023).

The expected header values are rules from `[platform.headers]` over the profile's defaults
(`config.header_rules`): exact, one of a set (`"DENY | SAMEORIGIN"`), or at least as strict as
(`">= strict-origin-when-cross-origin"` for Referrer-Policy). The seed wants
`X-XSS-Protection: 1; mode=block`; OWASP's Secure Headers Project now advises `0`, because the
browser XSS auditors that header switched on are gone and could be abused: a platform that
follows OWASP sets `[platform] header_profile = "owasp"`.
"""

from __future__ import annotations

from pytest_deploygate.extras import require

require("security")

import re
from http.cookies import SimpleCookie

import httpx
import pytest

from pytest_deploygate.config.contract import SecurityContract
from pytest_deploygate.config.header_rules import HeaderRule

VERSION = re.compile(r"\d+\.\d+|/\s*\d")
MISSING_PATH = "/api/deploygate-no-such-endpoint"  # error pages leak versions too


def responses(api: httpx.Client, paths: list[str]) -> dict[str, httpx.Response]:
    return {path: api.get(path) for path in paths}


def test_security_headers_have_the_expected_values(
    api: httpx.Client, security: SecurityContract
) -> None:
    failures = []
    rules = [HeaderRule.parse(name, value) for name, value in security.headers.items()]
    for path, response in responses(api, security.header_paths).items():
        for rule in rules:
            actual = response.headers.get(rule.name)
            hint = ""
            if rule.name.lower() == "x-xss-protection":
                hint = " (OWASP now advises '0': set [platform] header_profile = \"owasp\")"
            if actual is None:
                failures.append(f"GET {path} is missing header {rule.name} (expected {rule})")
            elif (problem := rule.problem(actual)) is not None:
                failures.append(f"GET {path} sends {rule.name}: {problem}" + hint)
    assert not failures, "\n".join(failures)


def script_policy(csp: str) -> str | None:
    """The sources scripts may load from: script-src, else default-src."""
    directives: dict[str, str] = {}
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives.setdefault(name.lower(), value.strip())
    return directives.get("script-src", directives.get("default-src"))


def test_content_security_policy_forbids_inline_and_eval_scripts(
    api: httpx.Client, security: SecurityContract
) -> None:
    failures = []
    for path, response in responses(api, security.header_paths).items():
        csp = response.headers.get("Content-Security-Policy")
        if not csp:
            failures.append(f"GET {path} is missing header Content-Security-Policy")
            continue
        scripts = script_policy(csp)
        if scripts is None:
            failures.append(f"GET {path}: the CSP has neither script-src nor default-src: {csp!r}")
            continue
        sources = scripts.lower().split()
        pinned = any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for s in sources)
        if "'unsafe-inline'" in sources and not pinned:  # nonces/hashes void unsafe-inline
            failures.append(
                f"GET {path}: the CSP lets inline scripts run ('unsafe-inline'): {scripts!r}"
            )
        if "'unsafe-eval'" in sources:
            failures.append(f"GET {path}: the CSP allows eval() ('unsafe-eval'): {scripts!r}")
        if "*" in sources:
            failures.append(f"GET {path}: the CSP loads scripts from anywhere ('*'): {scripts!r}")
    assert not failures, "\n".join(failures)


def test_https_environments_send_hsts(
    api: httpx.Client, base_url: str, security: SecurityContract
) -> None:
    if not base_url.startswith("https://"):
        pytest.skip(f"HSTS only applies over https; this environment is {base_url}")
    failures = []
    for path, response in responses(api, security.header_paths).items():
        hsts = response.headers.get("Strict-Transport-Security")
        if hsts is None:
            failures.append(f"GET {path} is missing header Strict-Transport-Security")
            continue
        found = re.search(r"max-age\s*=\s*\"?(\d+)", hsts, re.IGNORECASE)
        max_age = int(found.group(1)) if found else 0
        if max_age < security.hsts_min_max_age:
            failures.append(
                f"GET {path}: Strict-Transport-Security {hsts!r} has max-age "
                f"{max_age}, expected at least {security.hsts_min_max_age}"
            )
    assert not failures, "\n".join(failures)


def test_no_server_version_leaks(api: httpx.Client, security: SecurityContract) -> None:
    failures = []
    for path, response in responses(api, [*security.header_paths, MISSING_PATH]).items():
        server = response.headers.get("Server")
        if server and VERSION.search(server):
            failures.append(f"GET {path} leaks a version in Server: {server!r}")
        powered = response.headers.get("X-Powered-By")
        if powered:
            failures.append(f"GET {path} leaks the stack in X-Powered-By: {powered!r}")
    assert not failures, "\n".join(failures)


def test_cors_never_reflects_an_arbitrary_origin_with_credentials(
    api: httpx.Client, security: SecurityContract
) -> None:
    failures = []
    for origin in (security.cors_probe_origin, "null"):
        probes = {
            f"GET {path}": api.get(path, headers={"Origin": origin})
            for path in security.header_paths
        }
        for endpoint in security.protected:
            probes[f"OPTIONS {endpoint.url()} (preflight for {endpoint.method})"] = api.options(
                endpoint.url(),
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": endpoint.method,
                    "Access-Control-Request-Headers": "authorization",
                },
            )
        for what, response in probes.items():
            allowed = response.headers.get("Access-Control-Allow-Origin", "")
            credentials = response.headers.get("Access-Control-Allow-Credentials", "")
            if allowed in (origin, "*") and credentials.strip().lower() == "true":
                failures.append(
                    f"{what} with Origin {origin!r} answers Access-Control-Allow-Origin: "
                    f"{allowed!r} and Access-Control-Allow-Credentials: true; any site can read "
                    "signed-in users' data"
                )
    assert not failures, "\n".join(failures)


def test_cookies_are_secure_httponly_and_samesite(
    api: httpx.Client, base_url: str, security: SecurityContract
) -> None:
    https = base_url.startswith("https://")
    seen: list[tuple[str, str]] = []
    for path, response in responses(api, security.header_paths).items():
        seen += [(f"GET {path}", header) for header in response.headers.get_list("set-cookie")]
    if not seen:
        pytest.skip(f"no Set-Cookie on {', '.join(security.header_paths)}; nothing to check")
    failures = []
    for where, header in seen:
        for name, morsel in SimpleCookie(header).items():
            samesite = str(morsel["samesite"]).lower()
            if not morsel["httponly"] and name not in security.script_readable_cookies:
                failures.append(f"{where} sets cookie {name!r} without HttpOnly")
            if https and not morsel["secure"]:
                failures.append(f"{where} sets cookie {name!r} without Secure over https")
            if samesite not in ("lax", "strict", "none"):
                failures.append(f"{where} sets cookie {name!r} without SameSite")
            elif samesite == "none" and not morsel["secure"]:
                failures.append(f"{where} sets cookie {name!r} SameSite=None without Secure")
    assert not failures, "\n".join(failures) + f"\n(first cookie header: {seen[0][1]!r})"
