"""GET /healthz/: a plain {"status": "ok"} (no components), 503 when the database is away."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..deps import DatabaseDep

router = APIRouter(include_in_schema=False)


@router.get("/healthz/")
def healthz(database: DatabaseDep) -> JSONResponse:
    try:
        database.ping_ms()
    except Exception:  # unreachable, or the database-down fault
        return JSONResponse({"status": "down"}, status_code=503)
    return JSONResponse({"status": "ok"})
