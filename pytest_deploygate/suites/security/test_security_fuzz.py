"""Property-based fuzzing of the chat and booking payloads: no 5xx, no reflected markup.

"Reflected" means a tag from the request comes back where a browser renders it: in any HTML
response, and in the chat's JSON reply (the chat widget displays it). A booking's JSON record
may hold the customer's text verbatim: that is data, and encoding it is the pages' job.

The example count is `[platform.security] fuzz_examples` (per environment), derandomised so a
red CI run is reproducible; no example database, the environment is the state.
"""

from __future__ import annotations

from pytest_deploygate.extras import require

require("security")

import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_deploygate.config.contract import SecurityContract
from pytest_deploygate.suites.api.bookings import BookingFactory
from pytest_deploygate.suites.api.evidence import shown, stack_trace

MARKUP = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        '"><iframe src=javascript:alert(1)>',
    ]
)
TEXT = st.text(max_size=200)
HOSTILE_TEXT = st.one_of(TEXT, st.builds(lambda a, m, b: a + m + b, TEXT, MARKUP, TEXT))
JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), HOSTILE_TEXT
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=10,
)
_TAG = re.compile(r"<[a-zA-Z/!][^<>]*>?")


def reflected_markup(sent: Any, response: httpx.Response) -> str | None:
    """A tag from ``sent`` that comes back unescaped in the response body."""
    strings: list[str] = [sent] if isinstance(sent, str) else []
    if isinstance(sent, dict | list):
        stack: list[Any] = [sent]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                strings.append(item)
            elif isinstance(item, dict):
                stack += [*item.keys(), *item.values()]
            elif isinstance(item, list):
                stack += item
    for text in strings:
        for match in _TAG.finditer(text):
            tag = match.group(0)
            if len(tag) > 3 and tag in response.text:
                return tag
    return None


def rendered_as_html(response: httpx.Response) -> bool:
    return "json" not in response.headers.get("content-type", "").lower()


def check(response: httpx.Response, what: str, sent: Any, *, echo_is_reflection: bool) -> None:
    assert response.status_code < 500, (
        f"{what} crashed the server ({response.status_code})"
        + (
            f"; the body leaks a stack trace ({stack_trace(response)!r})"
            if stack_trace(response)
            else ""
        )
        + f": {shown(response)}"
    )
    if not (echo_is_reflection or rendered_as_html(response)):
        return
    tag = reflected_markup(sent, response)
    assert tag is None, (
        f"{what} reflected markup unescaped ({response.status_code}): {tag!r} in {shown(response)}"
    )


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.mark.feature("chat")
def test_fuzzed_chat_messages_never_crash_or_reflect_markup(
    api: httpx.Client, security: SecurityContract
) -> None:
    endpoint = security.chat
    checked = limited = 0

    @fuzz_settings(security.fuzz_examples)
    @given(body=st.one_of(st.fixed_dictionaries({security.chat_field: HOSTILE_TEXT}), JSON_VALUE))
    def chat(body: Any) -> None:
        nonlocal checked, limited
        response = api.post(endpoint.url(), json=body)
        if response.status_code == 429:  # the budget is the rate-limit check's business
            limited += 1
            return
        checked += 1
        check(response, f"{endpoint} with {body!r}", body, echo_is_reflection=True)

    chat()
    # A rate-limited answer proves nothing about crashes or reflection: say so, never pass.
    if not checked:
        pytest.skip(
            f"all {limited} fuzzed {endpoint} requests were rate limited (429): nothing was "
            "checked; run the fuzz checks before the rate-limit check or in their own session"
        )


@pytest.mark.destructive  # valid examples book real slots (cancelled again at teardown)
def test_fuzzed_booking_payloads_never_crash_or_reflect_markup(
    api: httpx.Client, bookings: BookingFactory, security: SecurityContract
) -> None:
    endpoint = bookings.contract.create_booking
    slot = bookings.free_slot(api)
    base = bookings.payload(slot)
    details = st.fixed_dictionaries(
        {
            "name": HOSTILE_TEXT,
            "email": st.one_of(st.emails(), HOSTILE_TEXT),
            "phone": st.one_of(st.from_regex(r"\+27[0-9]{9}", fullmatch=True), TEXT),
        }
    )
    booking = st.fixed_dictionaries(
        {
            "serviceId": st.one_of(st.just(slot.service_id), TEXT),
            "scheduledDate": st.one_of(st.just(slot.date), st.dates().map(str), TEXT),
            "scheduledTime": st.one_of(st.just(slot.time), TEXT),
            "customerDetails": st.one_of(details, JSON_VALUE),
            "notes": st.one_of(st.just(base["notes"]), HOSTILE_TEXT),
        }
    )

    @fuzz_settings(security.fuzz_examples)
    @given(body=st.one_of(booking, JSON_VALUE))
    def book(body: Any) -> None:
        response = api.post(endpoint.url(), json=body)
        bookings.remember(api, response, slot, body if isinstance(body, dict) else {})
        check(response, f"{endpoint} with {body!r}", body, echo_is_reflection=False)

    book()
