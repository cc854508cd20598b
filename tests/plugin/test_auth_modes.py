"""[platform.auth] and [platform.requests]: form login with a session cookie and a CSRF token,
a static API key, refusals by redirect, requests shaped like the platform's (extra headers,
form-encoded bodies, its field names), and the JWT checks skipping where there is no JWT."""

from __future__ import annotations

import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import inner_session
import pytest
from loopback_server import serve

from pytest_deploygate.config.model import Platform

# Before any in-process inner session: httpx imports httpcore with its first client, and
# pytester drops modules first imported inside an inner run (and their exception classes).
httpx.Client().close()

PASSWORD = "s3cret-Passw0rd"
SESSION = "sess-4d3c2b1a"

FORM_PLATFORM = """
[platform.endpoints]
login = "/accounts/login/"

[platform.auth]
mode = "form"
username_field = "username"
csrf_cookie = "csrftoken"
csrf_field = "csrfmiddlewaretoken"
csrf_header = "X-CSRFToken"
session_cookie = "sessionid"
logout = "POST /accounts/logout/"
login_redirect = "/accounts/login/"

[platform.security]
protected = {{ "GET /bookings/mine" = "customer" }}

[platform.requests]
body = "form"
fields = {{ serviceId = "service", "customerDetails.name" = "name" }}
headers = {{ "POST /bookings/" = {{ X-Requested-With = "XMLHttpRequest" }} }}

[environments.django]
base_url = "{url}"
credentials.customer = {{ username = "carol", password = "{password}" }}
"""


class _DjangoLike(BaseHTTPRequestHandler):
    """Session login behind a CSRF cookie, as a Django application does it. The server's
    ``faults`` switch protections off: "fixation" keeps the pre-login session id, "no-logout"
    leaves the session alive after logout, "script-cookie" drops HttpOnly."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    @property
    def faults(self) -> set[str]:
        return getattr(self.server, "faults", set())

    @property
    def sessions(self) -> set[str]:
        return self.server.sessions  # type: ignore[attr-defined, no-any-return]

    def _cookies(self) -> dict[str, str]:
        pairs = (p.strip().partition("=") for p in self.headers.get("Cookie", "").split(";"))
        return {name: value for name, _, value in pairs if name}

    def _signed_in(self) -> bool:
        return self._cookies().get("sessionid") in self.sessions

    def _answer(self, status: int, body: str = "", headers: list[tuple[str, str]] = ()) -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _session_cookie(self, value: str) -> tuple[str, str]:
        flags = "" if "script-cookie" in self.faults else "; HttpOnly"
        return ("Set-Cookie", f"sessionid={value}{flags}; SameSite=Lax; Path=/")

    def do_GET(self) -> None:
        if self.path == "/accounts/login/":
            page = '<form><input type="hidden" name="csrfmiddlewaretoken" value="tok-1"></form>'
            headers = [("Set-Cookie", "csrftoken=tok-1; Path=/")]
            if "fixation" in self.faults:  # an anonymous session from the first visit
                headers.append(self._session_cookie("anon-0"))
            self._answer(200, page, headers)
        elif self._signed_in():
            self._answer(200, "<html>yours</html>")
        else:
            self._answer(302, headers=[("Location", "/accounts/login/?next=" + self.path)])

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        cookies = self._cookies()
        csrf = cookies.get("csrftoken")
        header = self.headers.get("X-CSRFToken")
        if not csrf or csrf not in (header, form.get("csrfmiddlewaretoken")):
            self._answer(403, "CSRF verification failed")
        elif self.path == "/accounts/login/":
            if (form.get("username"), form.get("password")) != ("carol", PASSWORD):
                self._answer(200, "<form>wrong password</form>")
                return
            session = cookies.get("sessionid", "") if "fixation" in self.faults else ""
            session = session or (
                SESSION if not self.sessions else f"{SESSION}-{len(self.sessions)}"
            )
            self.sessions.add(session)
            # Django rotates the CSRF token at login: the old one must not be reused.
            cookie = self._session_cookie(session)
            self._answer(
                302, headers=[("Location", "/"), cookie, ("Set-Cookie", "csrftoken=tok-2; Path=/")]
            )
        elif not self._signed_in():
            self._answer(302, headers=[("Location", "/accounts/login/")])
        elif self.path == "/accounts/logout/":
            if "no-logout" not in self.faults:
                self.sessions.discard(cookies["sessionid"])
            self._answer(
                302, headers=[("Location", "/"), ("Set-Cookie", "sessionid=; Max-Age=0; Path=/")]
            )
        elif header != "tok-2" or self.headers.get("X-Requested-With") != "XMLHttpRequest":
            self._answer(403, f"missing headers: csrf {header!r}")
        elif form.get("service") != "7" or form.get("name") != "Ann":
            self._answer(400, f"bad form {form!r}")
        else:
            self._answer(201, "booked")


def test_form_login_with_csrf_and_requests_shaped_like_the_platform(
    pytester: pytest.Pytester,
) -> None:
    with serve(_DjangoLike, sessions=set()) as url:
        # Given a Django-like platform: form login, CSRF cookie rotated at login, form bodies
        (pytester.path / "environments.toml").write_text(
            FORM_PLATFORM.format(url=url, password=PASSWORD)
        )
        pytester.makepyfile(
            """
            def test_book(customer_api):
                body = {"serviceId": 7, "customerDetails": {"name": "Ann"}}
                response = customer_api.post("/bookings/", json=body)
                assert response.status_code == 201, response.text

            def test_refused(api, platform):
                response = api.get("/bookings/mine")
                assert platform.auth.is_refusal(response.status_code, response.headers["location"])
            """
        )
        # When a test books as the customer, written in the seed's JSON shape
        result = inner_session.run(pytester, "--env=django", "--no-preflight")
    # Then the login went through the CSRF dance and the booking arrived as the platform wants
    result.assert_outcomes(passed=2)
    assert SESSION not in result.stdout.str()


def test_jwt_checks_skip_saying_why_on_a_session_platform(pytester: pytest.Pytester) -> None:
    with serve(_DjangoLike, sessions=set()) as url:
        (pytester.path / "environments.toml").write_text(
            FORM_PLATFORM.format(url=url, password=PASSWORD)
        )
        result = inner_session.run(
            pytester,
            "--env=django",
            "--no-preflight",
            "-rs",
            *inner_session.suite_path("security"),
            "-k",
            "forged",
        )
    result.assert_outcomes(skipped=5)
    assert "[platform.auth] mode = 'form': no JWT to forge" in result.stdout.str()


class _ApiKey(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        ok = self.headers.get("X-Api-Key") == PASSWORD
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_a_static_api_key_is_sent_in_its_header(pytester: pytest.Pytester) -> None:
    with serve(_ApiKey) as url:
        (pytester.path / "environments.toml").write_text(
            f"""
            [platform.auth]
            mode = "api_key"
            api_key_header = "X-Api-Key"

            [environments.keyed]
            base_url = "{url}"
            credentials.admin = {{ username = "ops", password = "{PASSWORD}" }}
            """.replace("\n            ", "\n")
        )
        pytester.makepyfile(
            """
            def test_admin(admin_api, api):
                assert admin_api.get("/anything").status_code == 200
                assert api.get("/anything").status_code == 401
            """
        )
        result = inner_session.run(pytester, "--env=keyed", "--no-preflight")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("status", "location", "refused"),
    [(401, "", True), (403, "", True), (302, "/accounts/login/?next=/x", True), (302, "/", False)],
)
def test_a_redirect_to_the_login_page_is_a_refusal(
    status: int, location: str, refused: bool
) -> None:
    auth = Platform.from_tables({"auth": {"login_redirect": "/accounts/login/"}}).auth
    assert auth.is_refusal(status, location) is refused


def test_a_json_login_answered_with_html_is_a_mismatch_naming_auth_mode(
    pytester: pytest.Pytester,
) -> None:
    class Html(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.send_response(403)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serve(Html) as url:
        (pytester.path / "environments.toml").write_text(
            f'[environments.x]\nbase_url = "{url}"\n'
            f'credentials.customer = {{ username = "c", password = "{PASSWORD}" }}\n'
        )
        pytester.makepyfile("def test_one(customer_api):\n    pass\n")
        result = inner_session.run(pytester, "--env=x", "--no-preflight", "-rs")
    result.assert_outcomes(skipped=1)
    assert "contract mismatch: POST /api/auth/login answered text/html (HTTP 403)" in (
        result.stdout.str()
    )
    assert "set [platform.auth] mode" in result.stdout.str()


@pytest.mark.parametrize(
    ("faults", "outcomes", "defect"),
    [
        (set(), {"passed": 3}, None),
        ({"fixation"}, {"passed": 2, "failed": 1}, "session fixation"),
        ({"no-logout"}, {"passed": 2, "failed": 1}, "logout does not end the session"),
        ({"script-cookie"}, {"passed": 2, "failed": 1}, "no HttpOnly"),
    ],
    ids=["clean", "fixation", "no-logout", "script-cookie"],
)
def test_session_checks_go_red_on_each_session_defect(
    pytester: pytest.Pytester, faults: set[str], outcomes: dict[str, int], defect: str | None
) -> None:
    with serve(_DjangoLike, sessions=set(), faults=faults) as url:
        (pytester.path / "environments.toml").write_text(
            FORM_PLATFORM.format(url=url, password=PASSWORD)
        )
        result = inner_session.run(
            pytester,
            "--env=django",
            "--no-preflight",
            *inner_session.suite_path("security"),
            "-k",
            "session",
        )
    result.assert_outcomes(**outcomes)
    if defect:
        assert defect in result.stdout.str()


def test_the_error_shape_is_the_platforms(pytester: pytest.Pytester) -> None:
    class Errors(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            data = b'{"detail": "Authentication credentials were not provided."}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with serve(Errors) as url:
        # Given a platform whose errors say "detail", as Django REST framework's do
        (pytester.path / "environments.toml").write_text(
            f'[platform.errors]\nfield = "detail"\n[environments.drf]\nbase_url = "{url}"\n'
        )
        pytester.makepyfile(
            """
            from pytest_deploygate.suites.api.evidence import error_problems

            def test_detail(api):
                assert error_problems(api.get("/x")) == []
            """
        )
        result = inner_session.run(pytester, "--env=drf", "--no-preflight")
    # Then its refusals are well-formed errors (the seed's 'error' field is not demanded)
    result.assert_outcomes(passed=1)
