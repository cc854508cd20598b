"""POST /api/chat: the help chat, validated and rate limited per client address."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..chat import answer, validate_message
from ..deps import SettingsDep
from .models import ChatIn

router = APIRouter(tags=["chat"])


@router.post("/chat")
async def chat(body: ChatIn, request: Request, settings: SettingsDep) -> dict[str, str]:
    if not settings.has("no-rate-limit"):
        client = request.client.host if request.client else "unknown"
        request.app.state.chat_limiter.check(client)
    if settings.has("no-input-validation"):
        return {"reply": answer(body.message, reflect=True)}
    return {"reply": answer(validate_message(body.message), reflect=False)}
