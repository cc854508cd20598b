"""create_app: the FastAPI application wired from one Settings value."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from . import pages, session_profile
from .api import ROUTERS as API_ROUTERS
from .catalogue import CatalogueCache
from .chat import RateLimiter
from .db import Database
from .errors import error_field, install_error_handlers
from .history import unindex_claims
from .middleware import GuardMiddleware, SecurityHeadersMiddleware
from .seed import seed
from .settings import Settings
from .version import __version__

STATIC = Path(__file__).parent / "static"


def _prepare(database: Database, settings: Settings) -> None:
    database.create_schema(stale=settings.has("stale-schema"))
    with database.write() as conn:
        seed(conn, settings)
    if settings.has("unindexed-claims"):
        with database.write() as conn:
            unindex_claims(conn)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the platform; the schema and seed data are created when it starts serving."""
    settings = settings if settings is not None else Settings.from_env()
    database = Database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if not database.down:
                await run_in_threadpool(_prepare, database, settings)
        except Exception as exc:
            # LiveServer re-raises this; uvicorn itself only logs "startup failed".
            app.state.startup_error = exc
            raise
        yield
        database.dispose()

    session_shaped = settings.profile == "session"
    app = FastAPI(
        title="Reference booking platform",
        version=__version__,
        description="The booking platform pytest-deploygate's suites are verified against.",
        docs_url=None,  # the docs UI loads scripts from a CDN, which the CSP forbids
        redoc_url=None,
        openapi_url=None if session_shaped else "/openapi.json",  # that shape publishes none
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.catalogue = CatalogueCache()
    app.state.chat_limiter = RateLimiter(
        settings.chat_rate_limit, settings.chat_rate_window_seconds
    )
    html_error = session_profile.html_error if session_shaped else pages.html_error
    install_error_handlers(
        app, settings.has("leaky-500s"), html_error, field=error_field(settings.profile)
    )
    if session_shaped:
        session_profile.install(app, settings)
    else:
        for router in API_ROUTERS:  # included flat: nested routers are matched more slowly
            app.include_router(router, prefix="/api")
        app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Last added runs first: the headers wrap everything, including the guard's own 413/500s.
    app.add_middleware(GuardMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    return app
