"""Sign in and out with a form: GET the login page (CSRF cookie and hidden field), POST the
username (the e-mail) and password, get a new session cookie; logout ends it on the server.
Login attempts are rate limited per client address (the no-rate-limit fault lifts it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api.auth import find_user
from ..deps import DatabaseDep, SettingsDep
from ..errors import ApiError
from ..security import Principal, verify_password
from . import sessions
from .deps import LOGIN_PATH, FormDep
from .pages import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

_DUMMY_HASH = "pbkdf2_sha256$60000$00$00"  # a wrong e-mail costs as long as a wrong password


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "//evil.example" or a full URL would be an open redirect.
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get(LOGIN_PATH)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "username": "", "error": ""})


@router.post(LOGIN_PATH, response_model=None)
def login(
    request: Request, form: FormDep, database: DatabaseDep, settings: SettingsDep
) -> Response:
    if not settings.has("no-rate-limit"):
        client = request.client.host if request.client else "unknown"
        request.app.state.login_limiter.check(client)
    if not sessions.csrf_ok(request, form):
        raise ApiError(403, "CSRF verification failed: GET the login page first")
    username = form.get("username", "").strip().lower()
    with database.read() as conn:  # the seed's lookup, so the SQL injection faults apply
        user = find_user(conn, username, settings)
    password_hash = user.password_hash if user else _DUMMY_HASH
    if not verify_password(form.get("password", ""), password_hash) or user is None:
        context = {"next": _safe_next(form.get("next")), "username": username}
        return render(request, "login.html", context | {"error": "Wrong e-mail or password."}, 401)
    response = RedirectResponse(_safe_next(form.get("next")), status_code=302)
    sessions.start_session(request, response, Principal(user_id=user.id, role=user.role))
    return response


@router.post("/accounts/logout/", response_model=None)
def logout(request: Request, form: FormDep) -> Response:
    if sessions.current(request) is not None and not sessions.csrf_ok(request, form):
        raise ApiError(403, "CSRF verification failed")
    response = RedirectResponse(LOGIN_PATH, status_code=302)
    sessions.end_session(request, response)
    return response
