"""Every [platform] key changes what the suites get: statically (each key changes the typed
contract) and in a real session (renamed paths and selectors are what the suites request)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import inner_session
import pytest
from loopback_server import serve

from pytest_deploygate.config import schema
from pytest_deploygate.config.model import Platform

# Before any in-process inner session: httpx imports httpcore with its first client, and
# pytester drops modules first imported inside an inner run (and their exception classes).
httpx.Client().close()

# Values that a generic change would make invalid.
CHANGED: dict[str, Any] = {
    "header_profile": "owasp",
    "auth.mode": "form",
    "auth.logout": "POST /logout",
    "errors.body": "any",
    "requests.body": "form",
    "auth.refusal_statuses": [401],
    "security.protected": {"DELETE /x": "staff"},
    "security.public_writes": ["PUT /x"],
    "security.chat": "PUT /x",
    "rate_limit.endpoint": "PUT /x",
    "requests.headers": {"*": {"X-Requested-With": "XMLHttpRequest"}},
    "database.verify": {"one": {"query": "SELECT 1"}},
    "database.tables": {"t": ["c"]},
    "database.expected_version": "2025.01.0",
    "api.openapi": "/v2/openapi.json",
}


def _keys(section: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, spec in section.items():
        if isinstance(spec, Mapping):
            yield from _keys(spec, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", spec


def _changed(key: str, spec: schema.Key) -> Any:
    if key in CHANGED:
        return CHANGED[key]
    default = spec.default
    if isinstance(default, bool):
        return not default
    if isinstance(default, int | float):
        return default + 1
    if isinstance(spec.spec, schema.MapOf):
        return {"deploygate-probe": "/probe" if spec.spec.value is str else ["x"]}
    if isinstance(default, list):
        return [*default, "/probe"]
    if isinstance(default, str) and default[:1].isupper() and " " in default:
        return "PUT /probe"  # a "METHOD /path" key
    return "/probe"


def _table(key: str, value: Any) -> dict[str, Any]:
    *sections, name = key.split(".")
    table: dict[str, Any] = {name: value}
    for section in reversed(sections):
        table = {section: table}
    return table


@pytest.mark.parametrize(("key", "spec"), list(_keys(schema.PLATFORM)), ids=lambda v: str(v))
def test_every_platform_key_changes_the_contract_the_suites_get(key: str, spec: Any) -> None:
    # Given the default contract and one with only this key changed
    default = Platform.from_tables({})
    changed = Platform.from_tables(_table(key, _changed(key, spec)))
    # Then the suites receive a different contract: no key is declared and ignored
    assert changed != default, f"[platform] {key} is declared but changes nothing"


# --- a platform of another shape, on loopback, recording what the suites request ------------

SHAPED = """
[platform.endpoints]
health = "/v2/status"
home = "/v2/"
book = "/v2/reserve"
services = "/v2/catalogue"
availability = "/v2/free"

[platform.api]
availability = "GET /v2/free-slots/{{service_id}}/on/{{date}}"

[platform.selectors]
service-card = ".offer"

[platform.health]
components = ["db"]
content_type = "application/json"

[environments.other]
base_url = "{url}"
"""


class _Shaped(BaseHTTPRequestHandler):
    seen: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        health = {"status": "pass", "checks": {"db": [{"status": "pass"}]}}
        answers: dict[str, tuple[str, object]] = {
            "/v2/status": ("application/json", health),
            "/v2/catalogue": ("application/json", [{"id": "a1", "name": "Massage"}]),
            "/v2/free": ("application/json", {"days": []}),
            "/v2/": ("text/html", "<html><body>home</body></html>"),
            "/v2/reserve": ("text/html", '<html><div class="offer">Massage</div></html>'),
        }
        kind, body = answers.get(self.path, ("application/json", None))
        if body is None and self.path.startswith("/v2/free-slots/a1/on/"):
            body = {"slots": ["09:00"]}
        status = 404 if body is None else 200
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_the_smoke_and_health_suites_request_the_configured_shape(
    pytester: pytest.Pytester,
) -> None:
    seen: list[str] = []
    with serve(_Shaped, seen=seen) as url:
        # Given an environment whose paths, selectors and health components differ from the seed
        (pytester.path / "environments.toml").write_text(SHAPED.format(url=url))
        # When the smoke and health suites run against it
        result = inner_session.run(
            pytester,
            "--env=other",
            "-p",
            "no:randomly",
            f"--reports-dir={pytester.path / 'reports'}",
            *inner_session.suite_path("smoke", "health"),
            "-k",
            "not database",
        )
    # Then they pass, and every request went to a configured path (preflight included)
    result.assert_outcomes(passed=8)
    assert seen[0] == "/v2/status", "the preflight probes [platform.endpoints] health"
    assert not [p for p in seen if not p.startswith("/v2/")], seen
    assert any(p.startswith("/v2/free-slots/a1/on/") for p in seen), seen


# --- features a platform does not have -----------------------------------------------------

NO_CHAT = """
[platform.features]
chat = false
payments = false

[environments.other]
base_url = "{url}"
"""


def test_an_absent_feature_skips_its_tests_naming_the_key(pytester: pytest.Pytester) -> None:
    seen: list[str] = []
    with serve(_Shaped, seen=seen) as url:
        # Given a platform without chat and payments, and tests that need them
        (pytester.path / "environments.toml").write_text(NO_CHAT.format(url=url))
        pytester.makepyfile(
            """
            import pytest

            @pytest.mark.feature("chat")
            def test_chat(api):
                api.post("/api/chat")

            def test_other(platform):
                assert platform.has("openapi")
            """
        )
        # When they run
        result = inner_session.run(pytester, "--env=other", "--no-preflight", "-rs")
    # Then the chat test skips with one line naming the key, and sends nothing
    result.assert_outcomes(passed=1, skipped=1)
    assert "[platform.features] chat = false: the platform has no chat" in result.stdout.str()
    assert "/api/chat" not in seen


def test_an_absent_feature_leaves_the_inherited_checks_and_endpoint_coverage() -> None:
    from dataclasses import replace

    from pytest_deploygate.config import Environment
    from pytest_deploygate.gates.outcome import platform_operations

    # Given a platform without chat, AI and payments
    platform = Platform.from_tables({"features": {"chat": False, "ai": False, "payments": False}})
    env = replace(Environment("other", Path("environments.toml")), platform=platform)
    # Then none of the seed's checks on them is inherited, and coverage does not count them
    security = platform.security
    assert "/api/chat" not in [e.path for e in security.public_writes]
    assert "/api/ai/ollama" not in [e.path for e in security.protected]
    operations = {op.template for op in platform_operations(env)}
    assert operations.isdisjoint({"/api/chat", "/api/ai/ollama", "/api/payments"})
    assert "/api/bookings" in operations
    assert "payment" not in platform.health.components


# --- a mismatch is not a finding and never a pass ------------------------------------------

HTML_HEALTH = """
[environments.other]
base_url = "{url}"
"""


class _HtmlEverywhere(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        data = b"<html><body>It works</body></html>"
        self.send_response(404 if "catalogue" in self.path else 200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_html_where_json_is_expected_is_a_contract_mismatch_counted_apart(
    pytester: pytest.Pytester,
) -> None:
    import json as json_module

    with serve(_HtmlEverywhere) as url:
        # Given a target answering HTML where the contract promises a JSON health document
        (pytester.path / "environments.toml").write_text(HTML_HEALTH.format(url=url))
        # When the health check of the smoke suite runs
        result = inner_session.run(
            pytester,
            "--env=other",
            "-rs",
            f"--reports-dir={pytester.path / 'reports'}",
            *inner_session.suite_path("smoke"),
            "-k",
            "health_endpoint",
        )
    # Then it neither fails with a traceback nor passes: one line names the key to set
    result.assert_outcomes(skipped=1)
    out = result.stdout.str()
    assert "JSONDecodeError" not in out and "Traceback" not in out
    assert "GET /api/health answered text/html (HTTP 200), not JSON" in out
    assert "set [platform.endpoints] health" in out
    # And the gates count it apart from findings and passes
    assert "findings: 0, contract mismatches: 1, passes: 0" in out
    document = json_module.loads((pytester.path / "reports" / "gates.json").read_text())
    assert document["tests"]["all"]["mismatched"] == 1
    assert document["tests"]["all"]["skipped"] == 0
    [(test, reason)] = document["contract_mismatches"].items()
    assert test.endswith("test_health_endpoint_passes") and "[platform.endpoints] health" in reason
    from pytest_deploygate.gates.report import html_summary

    assert "contract mismatches: 1" in html_summary(document)


def test_a_suite_test_whose_every_request_got_404_is_a_mismatch_not_a_finding(
    pytester: pytest.Pytester,
) -> None:
    with serve(_HtmlEverywhere) as url:
        # Given a target where the configured services path does not exist
        (pytester.path / "environments.toml").write_text(
            HTML_HEALTH.format(url=url) + '\n[platform.endpoints]\nservices = "/catalogue"\n'
        )
        pytester.makepyfile(
            """
            import pytest

            @pytest.mark.api
            def test_suite(api, platform):
                assert api.get(platform.endpoint("services")).status_code == 200

            def test_own(api):
                assert api.get("/catalogue").status_code == 200
            """
        )
        result = inner_session.run(pytester, "--env=other", "--no-preflight", "-rs")
    # Then the suite test is a mismatch naming the key; a user's own test stays a failure
    result.assert_outcomes(failed=1, skipped=1)
    out = result.stdout.str()
    assert "every request answered 404/405 (GET /catalogue)" in out
    assert "set [platform.endpoints] services" in out
