"""POST /api/chat: the help chat, validated and rate limited per client address."""

from __future__ import annotations

from fastapi import APIRouter, Request
from jinja2 import Template

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
    message = validate_message(body.message)
    if settings.has("template-injection"):
        # The fault: the user's text becomes part of a template's source, so {{ ... }} runs.
        return {
            "reply": Template(
                f"Thanks for asking about {message}. {answer(message, False)}"
            ).render()
        }
    return {"reply": answer(message, reflect=False)}
