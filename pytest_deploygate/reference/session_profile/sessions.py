"""Server-side sessions and CSRF tokens of the session profile, named as Django names them.

The session id lives only in an HttpOnly cookie; the server keeps who it belongs to, so logout
ends it for whoever kept a copy. A new id is issued at login (no session fixation).
"""

from __future__ import annotations

import hmac
import secrets
import threading

from fastapi import Request, Response

from ..security import Principal
from ..settings import Settings

SESSION_COOKIE = "sessionid"
CSRF_COOKIE = "csrftoken"
CSRF_FIELD = "csrfmiddlewaretoken"
CSRF_HEADER = "x-csrftoken"


class SessionStore:
    """Session id → principal, in memory (the platform is one process)."""

    def __init__(self) -> None:
        self._sessions: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def create(self, principal: Principal, sid: str | None = None) -> str:
        sid = sid or secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = principal
        return sid

    def get(self, sid: str | None) -> Principal | None:
        with self._lock:
            return self._sessions.get(sid or "")

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)


def store(request: Request) -> SessionStore:
    sessions: SessionStore = request.app.state.sessions
    return sessions


def current(request: Request) -> Principal | None:
    return store(request).get(request.cookies.get(SESSION_COOKIE))


def start_session(request: Request, response: Response, principal: Principal) -> None:
    """Sign in: a fresh session id and a fresh CSRF token (the old ones die with the login)."""
    settings: Settings = request.app.state.settings
    brought = request.cookies.get(SESSION_COOKIE)
    store(request).drop(brought)
    # The session-fixation fault: whoever planted the id before login is signed in too.
    kept = brought if settings.has("session-fixation") else None
    response.set_cookie(
        SESSION_COOKIE,
        store(request).create(principal, kept),
        httponly=not settings.has("script-readable-session"),
        samesite="lax",
        path="/",
    )
    set_csrf_cookie(response, secrets.token_urlsafe(32))


def end_session(request: Request, response: Response) -> None:
    settings: Settings = request.app.state.settings
    if not settings.has("logout-keeps-session"):  # the fault only clears the browser's copy
        store(request).drop(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The caller's CSRF token, or a new one (``ensure_csrf_cookie`` sets it on the response)."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def ensure_csrf_cookie(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        set_csrf_cookie(response, new)


def set_csrf_cookie(response: Response, token: str) -> None:
    # Readable by scripts on purpose (double submit); the session cookie is the HttpOnly one.
    response.set_cookie(CSRF_COOKIE, token, samesite="lax", path="/")


def csrf_ok(request: Request, form: dict[str, str]) -> bool:
    """The token sent back (header or form field) matches the cookie."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD, "")
    return bool(expected) and hmac.compare_digest(expected, sent)
