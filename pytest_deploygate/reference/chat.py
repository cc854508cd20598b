"""The help chat: input validation and a per-client sliding-window rate limit."""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque

from .errors import ApiError

MAX_MESSAGE_LENGTH = 1000

# What the chat refuses: markup, SQL meta-syntax and path traversal. A help chat has no use
# for any of them, so refusing is safer than trying to escape them everywhere they travel.
REJECTED = [
    (re.compile(r"[<>]"), "markup is not allowed"),
    (
        re.compile(
            r"--|/\*|\*/|;\s*(drop|delete|insert|update|select|alter)\b|"
            r"\b(union\s+(all\s+)?select|drop\s+table|insert\s+into|delete\s+from)\b|"
            r"'\s*or\s+'?\w+'?\s*=",
            re.IGNORECASE,
        ),
        "SQL syntax is not allowed",
    ),
    (re.compile(r"\.\.[/\\]|%2e%2e|\x00", re.IGNORECASE), "path traversal is not allowed"),
]

ANSWERS = [
    (("price", "cost", "how much"), "Prices are listed with each service on the booking page."),
    (("cancel",), "You can cancel a booking from your account or by replying to your e-mail."),
    (("book", "appointment", "slot"), "Choose a service and a time on the booking page (/book)."),
]


def validate_message(message: str) -> str:
    text = message.strip()
    if not text:
        raise ApiError(422, "message: must not be empty")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ApiError(422, f"message: at most {MAX_MESSAGE_LENGTH} characters")
    for pattern, reason in REJECTED:
        if pattern.search(text):
            raise ApiError(400, f"message: {reason}")
    return text


def answer(message: str, reflect: bool) -> str:
    lowered = message.lower()
    reply = next(
        (text for words, text in ANSWERS if any(w in lowered for w in words)),
        "Thanks for your message; a team member will reply by e-mail.",
    )
    # The no-input-validation fault echoes the raw message back.
    return f"You said: {message}. {reply}" if reflect else reply


class RateLimiter:
    """At most `limit` requests per `window` seconds per client key (thread-safe)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        current = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= current - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry_after = max(1, math.ceil(hits[0] + self.window - current))
                raise ApiError(
                    429,
                    "too many requests; try again later",
                    headers={"Retry-After": str(retry_after)},
                )
            hits.append(current)
