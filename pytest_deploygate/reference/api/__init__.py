"""The JSON API under /api, one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from . import ai, auth, availability, bookings, catalog, chat, health, payments

ROUTERS: list[APIRouter] = [
    module.router for module in (health, catalog, availability, bookings, auth, payments, chat, ai)
]
