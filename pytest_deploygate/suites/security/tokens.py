"""Forged JWTs for the token checks: unsigned, tampered, and validly signed but expired."""

from __future__ import annotations

import base64
import json
import time
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_of(token: str) -> dict[str, Any]:
    """The payload of ``token``, read without verifying anything."""
    claims = json.loads(_unb64(token.split(".")[1]))
    if not isinstance(claims, dict):
        raise ValueError("the token's payload is not a JSON object")
    return claims


def unsigned(token: str, **changes: Any) -> str:
    """``token``'s claims (with ``changes``) under ``alg: none`` and an empty signature."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({**claims_of(token), **changes}).encode())
    return f"{header}.{payload}."


def tampered(token: str, **changes: Any) -> str:
    """``token`` with its claims changed but the original signature kept."""
    header, _, signature = token.split(".")
    payload = _b64(json.dumps({**claims_of(token), **changes}).encode())
    return f"{header}.{payload}.{signature}"


def bad_signature(token: str) -> str:
    """``token`` with the first byte of its signature flipped (claims untouched)."""
    header, payload, signature = token.split(".")
    raw = bytearray(_unb64(signature) or b"\0")
    raw[0] ^= 0xFF
    return f"{header}.{payload}.{_b64(bytes(raw))}"


def expired(token: str, key: str, algorithm: str = "HS256") -> str:
    """``token``'s claims, validly signed with ``key``, that expired an hour ago."""
    now = int(time.time())
    claims = {**claims_of(token), "iat": now - 7200, "exp": now - 3600}
    import jwt  # the security extra; the conftest imports this module before the skip check

    return jwt.encode(claims, key, algorithm=algorithm)
