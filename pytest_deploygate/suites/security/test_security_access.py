"""Authentication and authorisation: who may call what (OWASP API1, API2, API5 of 2023)."""

from __future__ import annotations

from pytest_deploygate.extras import require

require("security")

import os
from typing import Any

import httpx
import pytest

from pytest_deploygate.config.contract import Endpoint, SecurityContract
from pytest_deploygate.suites.api.evidence import error_problems, shown
from pytest_deploygate.suites.security import tokens

# A body no endpoint accepts: an endpoint that answers it with anything but 401/403 has looked
# at the body before asking who is calling, and nothing gets created even when auth is broken.
PROBE_BODY = {"test": "payload"}


def call(client: httpx.Client, endpoint: Endpoint) -> httpx.Response:
    if endpoint.method in {"GET", "HEAD", "DELETE"}:
        return client.request(endpoint.method, endpoint.url())
    return client.request(endpoint.method, endpoint.url(), json=PROBE_BODY)


def refusal_problems(
    response: httpx.Response, endpoint: Endpoint, caller: str, expected: int, auth: Any = None
) -> list[str]:
    """What is wrong with how ``response`` refused ``caller`` (empty when the refusal was right).

    The seed's API refuses with 401 (not signed in) or 403 (not allowed) and a JSON error; a
    platform with other ``[platform.auth] refusal_statuses`` or a ``login_redirect`` refuses
    its way, and only whether it refused is checked."""
    status = response.status_code
    if 200 <= status < 300:
        return [f"{endpoint} accepted {caller} ({status}), expected {expected}: {shown(response)}"]
    if auth is not None and (auth.refusal_statuses != (401, 403) or auth.login_redirect):
        if auth.is_refusal(status, response.headers.get("location", "")):
            return []
        refusals = " or ".join(map(str, auth.refusal_statuses))
        if auth.login_redirect:
            refusals += f" or a redirect to {auth.login_redirect}"
        return [f"{endpoint} let {caller} through ({shown(response)}), expected {refusals}"]
    if status in (401, 403) and status != expected:
        meaning = "401 means not signed in, 403 means signed in but not allowed"
        return [f"{endpoint} refused {caller} with {status}, expected {expected} ({meaning})"]
    if status != expected:
        return [
            f"{endpoint} let {caller} through to the handler ({shown(response)}), "
            f"expected {expected}"
        ]
    return [f"{endpoint} refused {caller} but {problem}" for problem in error_problems(response)]


def probe_all(
    client: httpx.Client, endpoints: list[Endpoint], caller: str, expected: int, auth: Any = None
) -> list[str]:
    return [
        problem
        for endpoint in endpoints
        for problem in refusal_problems(call(client, endpoint), endpoint, caller, expected, auth)
    ]


def test_protected_endpoints_refuse_anonymous_callers(
    api: httpx.Client, security: SecurityContract, platform: Any
) -> None:
    failures = probe_all(api, list(security.protected), "an anonymous request", 401, platform.auth)
    assert not failures, "\n".join(failures)


def test_admin_endpoints_refuse_customers(
    customer_api: httpx.Client, security: SecurityContract, platform: Any
) -> None:
    failures = probe_all(customer_api, security.admin_only, "a customer token", 403, platform.auth)
    assert not failures, "\n".join(failures)


def test_public_writes_turn_junk_away_with_a_json_error(
    api: httpx.Client, security: SecurityContract
) -> None:
    """The seed's "all API endpoints" check, for the endpoints guests may write to."""
    failures = []
    for endpoint in security.public_writes:
        response = call(api, endpoint)
        if not 400 <= response.status_code < 500:
            failures.append(
                f"{endpoint} answered a junk body {PROBE_BODY} with "
                f"{shown(response)}, expected a 4xx JSON error"
            )
        elif problems := error_problems(response):
            failures.append(f"{endpoint} refused a junk body but {'; '.join(problems)}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "kind", ["alg none as admin", "alg none", "tampered claims", "bad signature", "expired"]
)
def test_forged_tokens_are_refused(
    kind: str, customer_token: str, bearer: Any, security: SecurityContract
) -> None:
    signing_key = os.environ.get(security.signing_key_variable)
    forged = {
        "alg none as admin": (
            "a JWT with alg 'none' and role admin",
            tokens.unsigned(customer_token, role="admin"),
        ),
        "alg none": ("a JWT with alg 'none'", tokens.unsigned(customer_token)),
        "tampered claims": (
            "a JWT whose claims were changed to role admin",
            tokens.tampered(customer_token, role="admin"),
        ),
        "bad signature": ("a JWT with a corrupted signature", tokens.bad_signature(customer_token)),
    }
    if kind == "expired":
        if not signing_key:
            pytest.skip(
                f"forging a validly signed expired JWT needs the platform's signing key; "
                f"set {security.signing_key_variable}"
            )
        forged[kind] = ("an expired JWT", tokens.expired(customer_token, signing_key))
    caller, token = forged[kind]
    failures = probe_all(bearer(token), list(security.protected), caller, 401)
    assert not failures, "\n".join(failures)
