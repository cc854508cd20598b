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
login_redirect = "/accounts/login/"

[platform.requests]
body = "form"
fields = {{ serviceId = "service", "customerDetails.name" = "name" }}
headers = {{ "POST /bookings/" = {{ X-Requested-With = "XMLHttpRequest" }} }}

[environments.django]
base_url = "{url}"
credentials.customer = {{ username = "carol", password = "{password}" }}
"""


class _DjangoLike(BaseHTTPRequestHandler):
    """Session login behind a CSRF cookie, as a Django application does it."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _cookies(self) -> dict[str, str]:
        pairs = (p.strip().partition("=") for p in self.headers.get("Cookie", "").split(";"))
        return {name: value for name, _, value in pairs if name}

    def _answer(self, status: int, body: str = "", headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/accounts/login/":
            page = '<form><input type="hidden" name="csrfmiddlewaretoken" value="tok-1"></form>'
            self._answer(200, page, {"Set-Cookie": "csrftoken=tok-1; Path=/"})
        elif self._cookies().get("sessionid") == SESSION:
            self._answer(200, "<html>yours</html>")
        else:
            self._answer(302, headers={"Location": "/accounts/login/?next=" + self.path})

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
            # Django rotates the CSRF token at login: the old one must not be reused.
            cookie = f"sessionid={SESSION}; HttpOnly; Path=/"
            self.send_response(302)
            self.send_header("Location", "/")
            self.send_header("Set-Cookie", cookie)
            self.send_header("Set-Cookie", "csrftoken=tok-2; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif cookies.get("sessionid") != SESSION:
            self._answer(302, headers={"Location": "/accounts/login/"})
        elif header != "tok-2" or self.headers.get("X-Requested-With") != "XMLHttpRequest":
            self._answer(403, f"missing headers: csrf {header!r}")
        elif form.get("service") != "7" or form.get("name") != "Ann":
            self._answer(400, f"bad form {form!r}")
        else:
            self._answer(201, "booked")


def test_form_login_with_csrf_and_requests_shaped_like_the_platform(
    pytester: pytest.Pytester,
) -> None:
    with serve(_DjangoLike) as url:
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
    with serve(_DjangoLike) as url:
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
