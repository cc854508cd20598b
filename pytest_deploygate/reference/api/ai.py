"""POST /api/ai/ollama: admin only; no language model is configured on this platform."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..deps import AdminDep
from .models import AiIn

router = APIRouter(tags=["ai"])


@router.post("/ai/ollama")
def ollama(_body: AiIn, _admin: AdminDep) -> JSONResponse:
    return JSONResponse({"error": "no AI model is configured on this platform"}, status_code=503)
