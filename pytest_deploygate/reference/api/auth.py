"""POST /api/auth/login: e-mail and password for a short-lived HS256 JWT."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter

from ..db import users
from ..deps import DatabaseDep, SettingsDep
from ..errors import ApiError
from ..faults import SQL_INJECTION_FAULTS
from ..security import issue_token, verify_password
from .models import LoginIn

router = APIRouter(tags=["auth"])

# Verified when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = "pbkdf2_sha256$60000$00$00"


@router.post("/auth/login")
def login(body: LoginIn, database: DatabaseDep, settings: SettingsDep) -> dict[str, Any]:
    with database.read() as conn:
        user = find_user(conn, body.email.strip().lower(), settings)
    if not verify_password(body.password, user.password_hash if user else _DUMMY_HASH) or not user:
        raise ApiError(401, "invalid e-mail or password")
    return {
        "accessToken": issue_token(settings, user.id, user.role),
        "tokenType": "Bearer",
        "expiresIn": settings.token_ttl_seconds,
        "role": user.role,
    }


def find_user(conn: sa.Connection, email: str, settings: Any) -> Any:
    """The account row (id, role, password_hash) for an e-mail, or None; the SQL injection
    faults look it up the unsafe way."""
    if settings.faults & SQL_INJECTION_FAULTS:
        return _injectable_lookup(conn, email, settings)
    return conn.execute(
        sa.select(users.c.id, users.c.role, users.c.password_hash).where(users.c.email == email)
    ).first()


def _injectable_lookup(conn: sa.Connection, email: str, settings: Any) -> Any:
    """The faults' lookup: the e-mail pasted into the SQL text (the classic injection)."""
    if settings.has("blind-sql-injection") and conn.dialect.name == "sqlite":
        # What MySQL's SLEEP and PostgreSQL's pg_sleep give an attacker: a timing oracle.
        driver: Any = conn.connection.driver_connection
        driver.create_function("sleep", 1, _sleep)
    query = f"SELECT id, role, password_hash FROM users WHERE email = '{email}'"
    try:
        return conn.execute(sa.text(query)).first()
    except sa.exc.DBAPIError as exc:
        if settings.has("sql-error-messages"):
            raise ApiError(400, f"login failed: {exc.orig}") from None
        if settings.has("blind-sql-injection"):
            raise ApiError(401, "invalid e-mail or password") from None
        raise


def _sleep(seconds: float) -> int:
    time.sleep(min(float(seconds), 10.0))
    return 0
