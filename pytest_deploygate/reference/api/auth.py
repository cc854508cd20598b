"""POST /api/auth/login: e-mail and password for a short-lived HS256 JWT."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter

from ..db import users
from ..deps import DatabaseDep, SettingsDep
from ..errors import ApiError
from ..security import issue_token, verify_password
from .models import LoginIn

router = APIRouter(tags=["auth"])

# Verified when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = "pbkdf2_sha256$60000$00$00"


@router.post("/auth/login")
def login(body: LoginIn, database: DatabaseDep, settings: SettingsDep) -> dict[str, Any]:
    with database.read() as conn:
        user = conn.execute(
            sa.select(users.c.id, users.c.role, users.c.password_hash).where(
                users.c.email == body.email.strip().lower()
            )
        ).first()
    if not verify_password(body.password, user.password_hash if user else _DUMMY_HASH) or not user:
        raise ApiError(401, "invalid e-mail or password")
    return {
        "accessToken": issue_token(settings, user.id, user.role),
        "tokenType": "Bearer",
        "expiresIn": settings.token_ttl_seconds,
        "role": user.role,
    }
