"""Session platforms (``[platform.auth] mode = "form"``): the session id changes at login (no
session fixation), logout ends the session on the server, the session cookie has its flags.

Bearer-token platforms skip these, saying why; their tokens have the JWT checks instead.
"""

from __future__ import annotations

from pytest_deploygate.extras import require

require("security")

from typing import Any
from urllib.parse import urlsplit

import pytest

from pytest_deploygate.config.contract import Endpoint
from pytest_deploygate.mismatch import contract_mismatch
from pytest_deploygate.session.auth import cookie, sign_in
from pytest_deploygate.suites.api.evidence import shown

PLANTED = "deploygate-planted-session-id"


@pytest.fixture
def session_auth(platform: Any) -> Any:
    auth = platform.auth
    if auth.mode != "form":
        pytest.skip(
            f"[platform.auth] mode = {auth.mode!r}: no session cookie (the session checks "
            "apply to mode = 'form')"
        )
    if not auth.session_cookie:
        pytest.skip("[platform.auth] session_cookie is not set: name the session cookie")
    return auth


def protected_read(security: Any) -> Endpoint:
    reads: list[Endpoint] = [
        e for e in security.protected if e.method == "GET" and "{" not in e.path
    ]
    if not reads:
        pytest.skip(
            "[platform.security] protected has no GET endpoint to prove a session with; add one"
        )
    return reads[0]


def test_the_session_id_changes_at_login(
    session_auth: Any, fresh: Any, deploy_env: Any, base_url: str
) -> None:
    client = fresh()
    client.get(session_auth.login_page)
    before = cookie(client, session_auth.session_cookie)
    if before is None:  # an attacker plants one: the platform must not keep it
        host = urlsplit(base_url or deploy_env.base_url).hostname or ""
        client.cookies.set(session_auth.session_cookie, PLANTED, domain=host, path="/")
        before = PLANTED
    sign_in(client, deploy_env, "customer")
    after = cookie(client, session_auth.session_cookie)
    assert after != before, (
        f"the session id {session_auth.session_cookie} is the same before and after login "
        "(session fixation: whoever knew it before is signed in too)"
    )


def test_logout_ends_the_session_on_the_server(
    session_auth: Any, fresh: Any, deploy_env: Any, security: Any
) -> None:
    if not session_auth.logout:
        pytest.skip("[platform.auth] logout is not set: name the logout endpoint to check it")
    target = protected_read(security)
    client = fresh()
    sign_in(client, deploy_env, "customer")
    session = cookie(client, session_auth.session_cookie)
    signed_in = client.get(target.url())
    if session_auth.is_refusal(signed_in.status_code, signed_in.headers.get("location", "")):
        contract_mismatch(
            "security.protected",
            f"{target} refused the signed-in customer too ({signed_in.status_code})",
        )
    logout = Endpoint.parse(session_auth.logout, "auth.logout")
    client.request(logout.method, logout.url())
    # The old session id, replayed by someone who kept it, must be dead on the server.
    replay = fresh()
    replay.cookies.set(session_auth.session_cookie, session or "")
    after = replay.get(target.url())
    assert session_auth.is_refusal(after.status_code, after.headers.get("location", "")), (
        f"after logout the old session still reads {target}: {shown(after)} "
        "(logout does not end the session on the server)"
    )


def test_the_session_cookie_has_its_flags(
    session_auth: Any, fresh: Any, deploy_env: Any, base_url: str
) -> None:
    client = fresh()
    sign_in(client, deploy_env, "customer")
    cookies = [c for c in client.cookies.jar if c.name == session_auth.session_cookie]
    if not cookies:
        contract_mismatch("auth.session_cookie", "the login set no such cookie")
    jar_cookie = cookies[-1]
    problems = []
    if not jar_cookie.has_nonstandard_attr("HttpOnly"):
        problems.append("no HttpOnly (scripts can read the session id)")
    same_site = str(jar_cookie.get_nonstandard_attr("SameSite") or "").lower()
    if same_site not in {"lax", "strict"}:
        problems.append(f"SameSite={same_site or 'unset'} (cross-site requests carry it)")
    if (base_url or "").startswith("https://") and not jar_cookie.secure:
        problems.append("no Secure on https (it can travel in clear text)")
    assert not problems, f"session cookie {jar_cookie.name}: " + "; ".join(problems)
