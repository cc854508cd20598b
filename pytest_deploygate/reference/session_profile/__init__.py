"""The session profile: the reference platform in another shape (``profile = "session"``).

Server-rendered pages with a form login, a session cookie and a CSRF token, form-encoded
bookings under /api/v1/, a staff role, redirects to the login page, no chat, payments, AI or
OpenAPI document, and a plain health document. The domain (catalogue, scheduling, bookings,
database, faults) is the seed profile's; only the routes and encodings differ.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

from ..chat import RateLimiter
from ..settings import Settings
from . import accounts, api, health, pages
from .deps import LoginRequired
from .sessions import SessionStore

html_error = pages.html_error


def install(app: FastAPI, settings: Settings) -> None:
    """Add the profile's routes and state to ``app``."""
    app.state.sessions = SessionStore()
    app.state.login_limiter = RateLimiter(
        settings.chat_rate_limit, settings.chat_rate_window_seconds
    )

    @app.exception_handler(LoginRequired)
    async def _to_login(_request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(exc.location, status_code=302)

    for router in (health.router, api.router, accounts.router, pages.router):
        app.include_router(router)
