"""Passwords, JWTs and the current user."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

import jwt

from .settings import Settings

# PBKDF2-SHA256; the iteration count is lowered from OWASP's 600k because this platform is a
# test target that logs in thousands of times per run, not a store of real credentials.
PBKDF2_ITERATIONS = 60_000

#: The seed's platform calls its privileged role admin; the session profile calls it staff.
PRIVILEGED_ROLES = frozenset({"admin", "staff"})


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        _, iterations, salt, digest = encoded.split("$")
        candidate = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), bytes.fromhex(salt), int(iterations)
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user id and role taken from a verified token."""

    user_id: int
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role in PRIVILEGED_ROLES


def issue_token(settings: Settings, user_id: int, role: str) -> str:
    issued = int(time.time())
    claims = {
        "sub": str(user_id),
        "role": role,
        "iat": issued,
        "exp": issued + settings.token_ttl_seconds,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


class InvalidToken(ValueError):
    """The bearer token is missing a part, expired, or not signed by us."""


def read_token(settings: Settings, token: str) -> Principal:
    """Verify an HS256 token; the accept-unsigned-jwt fault also takes alg 'none'."""
    try:
        if settings.has("accept-unsigned-jwt") and _algorithm(token) == "none":
            claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": True})
        else:
            claims = jwt.decode(
                token,
                settings.jwt_secret,
                algorithms=["HS256"],
                options={"require": ["sub", "role", "exp", "iat"]},
            )
        return Principal(user_id=int(claims["sub"]), role=str(claims["role"]))
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


def _algorithm(token: str) -> str:
    header = token.split(".")[0]
    padded = header + "=" * (-len(header) % 4)
    return str(json.loads(base64.urlsafe_b64decode(padded)).get("alg", "")).lower()
