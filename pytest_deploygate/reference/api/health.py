"""GET /api/health: application/health+json with a check per component."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..deps import DatabaseDep
from ..version import __version__

router = APIRouter(tags=["health"])

SLOW_DATABASE_MS = 1000.0


@router.get("/health")
def health(request: Request, database: DatabaseDep) -> JSONResponse:
    checks: dict[str, list[dict[str, Any]]] = {}
    try:
        latency = database.ping_ms()
        status = "pass" if latency < SLOW_DATABASE_MS else "warn"
        checks["database"] = [
            {
                "status": status,
                "componentType": "datastore",
                "observedValue": round(latency, 2),
                "observedUnit": "ms",
            }
        ]
    except Exception as exc:  # any failure to answer (unreachable, fault) is a failed check
        checks["database"] = [
            {
                "status": "fail",
                "componentType": "datastore",
                "output": "database unavailable: " + type(exc).__name__,
            }
        ]
    # Built in, in test mode: available whenever the process is, unless the providers-down
    # fault says their providers cannot be reached (so the health suite can be shown red).
    providers_down = request.app.state.settings.has("providers-down")
    for component in ("payment", "email", "sms"):
        checks[component] = [
            {
                "status": "fail" if providers_down else "pass",
                "componentType": "component",
                "observedValue": 0,
                "observedUnit": "ms",
                "output": f"{component} provider unreachable" if providers_down else "test mode",
            }
        ]
    statuses = {check[0]["status"] for check in checks.values()}
    overall = "fail" if "fail" in statuses else "warn" if "warn" in statuses else "pass"
    body = {
        "status": overall,
        "version": __version__,
        "serviceId": "reference-booking-platform",
        "checks": checks,
    }
    return JSONResponse(
        body,
        status_code=503 if overall == "fail" else 200,
        media_type="application/health+json",
        headers={"Cache-Control": "no-store"},
    )
