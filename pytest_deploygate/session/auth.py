"""Signing in and shaping requests the way the platform wants (``[platform.auth]``,
``[platform.requests]``): JSON login with a bearer token, form login with a session cookie and
a CSRF token, a static API key, or none; extra headers per endpoint, CSRF on unsafe methods,
form-encoded bodies and the platform's field names.

One place for all of it, so the fixtures, the suites' own clients and the load test sign in and
send requests alike. A target that is not shaped as configured is a contract mismatch naming
the key, never a traceback.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookiejar import Cookie
from typing import Any

import httpx
import pytest

from pytest_deploygate.bodies import flatten, unflatten
from pytest_deploygate.config import Environment, Platform
from pytest_deploygate.config.shape import UNSAFE_METHODS
from pytest_deploygate.mismatch import contract_mismatch

#: ``request.extensions`` key of the platform's ``[platform.errors]`` shape.
ERRORS_EXTENSION = "deploygate_errors"


@dataclass(frozen=True)
class SignedIn:
    """What a signed-in client carries: headers and cookies (both secrets)."""

    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    cookies: tuple[Cookie, ...] = field(default=(), repr=False)

    @property
    def secrets(self) -> list[str]:
        return [v for v in (*self.headers.values(), *(c.value for c in self.cookies)) if v]

    @property
    def bearer(self) -> str | None:
        """The bearer token, when the platform signs in with one."""
        value = self.headers.get("Authorization", "")
        return value.partition(" ")[2] or None if value.startswith("Bearer ") else None

    def apply(self, client: httpx.Client) -> None:
        client.headers.update(self.headers)
        for cookie in self.cookies:  # with their domain and path, as the platform set them
            client.cookies.jar.set_cookie(cookie)


def cookie(client: httpx.Client, name: str) -> str | None:
    """The newest value of cookie ``name`` (a platform may set it again for another path)."""
    values = [c.value for c in client.cookies.jar if c.name == name]
    return values[-1] if values else None


def shape(client: httpx.Client, platform: Platform) -> httpx.Client:
    """Make ``client`` send what the platform expects: extra headers, the CSRF token on
    unsafe methods, bodies in the platform's encoding and field names."""

    def hook(request: httpx.Request) -> None:
        # The platform's error shape travels with each request, for the suites' error checks.
        request.extensions[ERRORS_EXTENSION] = platform.errors
        for name, value in platform.requests.headers_for(request.method, request.url.path).items():
            request.headers.setdefault(name, value)
        auth = platform.auth
        if request.method in UNSAFE_METHODS:
            token = cookie(client, auth.csrf_cookie) if auth.csrf_cookie else None
            if token and auth.csrf_header:
                request.headers.setdefault(auth.csrf_header, token)
            _reshape_body(request, platform, token)

    client.event_hooks["request"] = [*client.event_hooks["request"], hook]
    return client


def _reshape_body(request: httpx.Request, platform: Platform, csrf: str | None) -> None:
    """A JSON body the suites wrote in the seed's shape, in the platform's shape instead."""
    shape_ = platform.requests
    if request.headers.get("content-type", "").split(";")[0] != "application/json":
        return
    if shape_.body == "json" and not shape_.fields:
        return
    try:
        body = json.loads(request.content or b"null")
    except ValueError:
        return  # deliberately malformed JSON (the input-validation checks) goes as it is
    if not isinstance(body, dict):
        return
    flat = {shape_.fields.get(k, k): v for k, v in flatten(body).items()}
    if shape_.body == "form":
        field_name = platform.auth.csrf_field
        if csrf and field_name:
            flat.setdefault(field_name, csrf)
        data = urllib.parse.urlencode(
            {k: "" if v is None else v for k, v in flat.items()}, doseq=True
        ).encode()
        kind = "application/x-www-form-urlencoded"
    else:
        data = json.dumps(unflatten(flat)).encode()
        kind = "application/json"
    request.headers["Content-Type"] = kind
    request.headers["Content-Length"] = str(len(data))
    request.stream = httpx.ByteStream(data)
    request._content = data  # what request.content reads (httpx has no public setter)


def sign_in(client: httpx.Client, env: Environment, role: str) -> SignedIn:
    """Sign ``client`` in as ``credentials.<role>``; skips when the role has no credentials or
    the platform no sign-in, fails naming the key when the login is refused."""
    auth = env.platform.auth
    if auth.mode == "none":
        pytest.skip(f"[platform.auth] mode = 'none': {env.name} has no sign-in to test as {role}")
    credential = env.credentials.get(role)
    if credential is None:
        pytest.skip(
            f"environment {env.name} has no credentials.{role} "
            f"(add it to [environments.{env.name}])"
        )
    if auth.mode == "api_key":
        signed = SignedIn(headers={auth.api_key_header: credential.password})
    elif auth.mode == "form":
        return _form_login(client, env, role)  # its cookies are in the client's jar already
    else:
        signed = _json_login(client, env, role)
    signed.apply(client)
    return signed


def _refused(env: Environment, role: str, response: httpx.Response, hint: str = "") -> None:
    login = f"{response.request.method} {response.request.url.path}"
    if response.status_code >= 500:  # the platform is failing: the credentials are not the cause
        advice = "a server error on the platform, not a refusal of the credentials"
    else:
        advice = f"check credentials.{role} in [environments.{env.name}]{hint}"
    pytest.fail(
        f"login as {role} on {env.name} failed: {login} answered {response.status_code}; {advice}",
        pytrace=False,
    )


def _json_login(client: httpx.Client, env: Environment, role: str) -> SignedIn:
    auth = env.platform.auth
    credential = env.credentials[role]
    login = env.platform.endpoint("login")
    response = client.post(
        login,
        json={auth.username_field: credential.username, auth.password_field: credential.password},
    )
    kind = response.headers.get("content-type", "").split(";")[0]
    if "html" in kind:
        contract_mismatch(
            "auth.mode",
            f"POST {login} answered {kind} (HTTP {response.status_code}) to a JSON login; a form "
            "login is mode = 'form'",
        )
    if response.status_code != 200:
        hint = " (a 403 is often a missing CSRF token: see [platform.auth])"
        _refused(env, role, response, hint if response.status_code == 403 else "")
    token: Any = _json_or_none(response)
    for part in auth.token_field.split("."):
        token = token.get(part) if isinstance(token, dict) else None
    if not isinstance(token, str) or not token:
        contract_mismatch(
            "auth.token_field",
            f"POST {login} as {role} answered no token at {auth.token_field!r}",
        )
    return SignedIn(headers={"Authorization": f"Bearer {token}"})


def _form_login(client: httpx.Client, env: Environment, role: str) -> SignedIn:
    auth = env.platform.auth
    credential = env.credentials[role]
    page = client.get(auth.login_page)
    if page.status_code >= 400:
        contract_mismatch("auth.login_page", f"GET {auth.login_page} answered {page.status_code}")
    token = csrf_token(page, client, auth.csrf_cookie, auth.csrf_field)
    if (auth.csrf_cookie or auth.csrf_field) and not token:
        where = auth.csrf_cookie and f"cookie {auth.csrf_cookie!r}" or f"field {auth.csrf_field!r}"
        contract_mismatch("auth.csrf_cookie", f"GET {auth.login_page} gave no CSRF {where}")
    form = {auth.username_field: credential.username, auth.password_field: credential.password}
    headers = {}
    if token and auth.csrf_field:
        form[auth.csrf_field] = token
    if token and auth.csrf_header:
        headers[auth.csrf_header] = token
    login = env.platform.endpoint("login")
    response = client.post(login, data=form, headers=headers)
    back_to_login = response.is_redirect and auth.login_page in response.headers.get("location", "")
    if response.status_code >= 400 or back_to_login:
        _refused(env, role, response)
    session = auth.session_cookie
    if session and not cookie(client, session):
        contract_mismatch("auth.session_cookie", f"POST {login} set no cookie {session!r}")
    return SignedIn(cookies=tuple(client.cookies.jar))


_HIDDEN = re.compile(r"<input[^>]*>", re.IGNORECASE)


def csrf_token(
    page: httpx.Response, client: httpx.Client, cookie_name: str, field_name: str
) -> str | None:
    """The CSRF token from the cookie (preferred: it is what the server checks) or the page's
    hidden field."""
    if cookie_name and cookie(client, cookie_name):
        return cookie(client, cookie_name)
    if field_name:
        for tag in _HIDDEN.findall(page.text):
            if re.search(rf"""name=["']?{re.escape(field_name)}["'\s>]""", tag):
                found = re.search(r"""value=["']([^"']*)["']""", tag)
                if found:
                    return found.group(1)
    return None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
