"""The gate engine in real pytest sessions: verdicts, exit status 99, table, gates.json, JUnit."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import inner_session
import pytest
from gate_helpers import gates_json, http, metric, run
from loopback_server import serve

from pytest_deploygate.gates import report

Project = Callable[..., pytest.Pytester]

LCOV = (
    "SF:app.js\nLF:100\nLH:{lines}\nFNF:10\nFNH:{functions}\nBRF:10\nBRH:{branches}\n"
    "end_of_record\n"
)
NPM = {
    "auditReportVersion": 2,
    "vulnerabilities": {
        "a": {"severity": "critical"},
        **{f"h{n}": {"severity": "high"} for n in range(5)},
    },
}
FAST = [http("/api/services", 20), http("/api/services", 30)]


def test_all_gates_pass_exits_0_and_writes_every_output(gate_project: Project) -> None:
    pytester = gate_project(
        {"http.p95_ms": "< 200", "tests.pass_rate.api": ">= 100", "page.load_ms": "< 3000"},
        entries=[*FAST, metric("page.load_ms", 900)],
    )
    result = run(pytester)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*deploygate quality gates*",
            "metric*threshold*value*verdict",
            "http.p95_ms*< 200*29.5 ms*PASS",
            "page.load_ms*< 3000*900 ms*PASS",
            "tests.pass_rate.api*>= 100*100%*PASS",
            "gates: 3 passed, 0 breached, 0 not measured",
        ]
    )
    document = gates_json(pytester)
    assert document["verdict"] == "pass"
    assert document["environment"]["Deploygate environment"] == "staging"
    assert document["tests"]["api"] == {
        "passed": 1,
        "failed": 0,
        "skipped": 0,
        "xfailed": 0,
        "mismatched": 0,
    }
    junit = ET.parse(pytester.path / "reports" / "gates.xml").getroot()
    cases = junit.findall("testsuite/testcase")
    assert [case.get("name") for case in cases] == [
        "http.p95_ms < 200",
        "page.load_ms < 3000",
        "tests.pass_rate.api >= 100",
    ]
    assert not junit.findall(".//failure")


BREACHES: list[tuple[str, str, list[dict[str, Any]], dict[str, str]]] = [
    ("http.p95_ms", "< 200", [http("/api/services", 20), http("/api/services", 450)], {}),
    ("http.p99_ms", "< 500", [http("/api/services", 900)], {}),
    ("http.error_rate", "< 1", [http("/api/services", 20), http("/api/bookings", 5, 500)], {}),
    ("page.load_ms", "< 3000", [metric("page.load_ms", 3400)], {}),
    ("accessibility.serious", "== 0", [metric("accessibility.serious", 2)], {}),
    ("accessibility.critical", "== 0", [metric("accessibility.critical", 1)], {}),
    ("load.p95_ms", "< 200", [metric("load.p95_ms", 260)], {}),
    ("load.error_rate", "< 0.1", [metric("load.error_rate", 0.5)], {}),
    ("db.query_p95_ms", "< 100", [metric("db.query_ms", 150)] * 3, {}),
    ("stress.breaking_point_users", ">= 100", [metric("stress.breaking_point_users", 60)], {}),
    (
        "api.endpoint_coverage",
        ">= 100",
        [
            {"kind": "operations", "operations": ["GET /api/services", "POST /api/bookings"]},
            http("/api/services", 10),
        ],
        {},
    ),
    ("coverage.lines", ">= 85", [], {"cov.info": LCOV.format(lines=80, functions=9, branches=9)}),
    (
        "coverage.functions",
        ">= 90",
        [],
        {"cov.info": LCOV.format(lines=90, functions=8, branches=9)},
    ),
    (
        "coverage.branches",
        ">= 80",
        [],
        {"cov.info": LCOV.format(lines=90, functions=9, branches=7)},
    ),
    ("vulnerabilities.critical", "== 0", [], {"npm.json": json.dumps(NPM)}),
    ("vulnerabilities.high", "< 5", [], {"npm.json": json.dumps(NPM)}),
]


@pytest.mark.parametrize(
    ("metric_name", "threshold", "entries", "inputs"),
    BREACHES,
    ids=[case[0] for case in BREACHES],
)
def test_each_gate_breached_on_purpose_exits_99_and_is_named(
    gate_project: Project,
    metric_name: str,
    threshold: str,
    entries: list[dict[str, Any]],
    inputs: dict[str, str],
) -> None:
    # Given one passing test whose measurements (or whose inputs) breach exactly this gate
    pytester = gate_project({metric_name: threshold}, entries=entries, files=inputs)
    args = [
        f"--coverage-report={name}" if name.endswith(".info") else f"--vuln-report={name}"
        for name in inputs
    ]
    # When the run ends
    result = run(pytester, *args)
    # Then every test passed, yet the exit status is 99 and the table names the gate
    result.assert_outcomes(passed=1)
    assert result.ret == 99
    result.stdout.fnmatch_lines(
        [
            f"{metric_name}*{threshold}*FAIL",
            f"gates: 0 passed, 1 breached*(breached: {metric_name})",
        ]
    )
    assert gates_json(pytester)["verdict"] == "fail"
    failure = ET.parse(pytester.path / "reports" / "gates.xml").find(".//failure")
    assert failure is not None and metric_name in failure.get("message", "")


def test_a_breached_pass_rate_keeps_pytests_own_failure_status(gate_project: Project) -> None:
    pytester = gate_project(
        {"tests.pass_rate.security": ">= 100"},
        files={
            "suites/security/test_auth.py": """
                def test_ok(): pass
                def test_broken(): assert False, "admin endpoint open"
                def test_other(): pass
                """
        },
    )
    result = run(pytester)
    assert result.ret == 1  # tests failed: 1 wins over 99
    result.stdout.fnmatch_lines(["tests.pass_rate.security*>= 100*66.67%*FAIL"])


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_findings_are_grouped_by_suite_security_first_with_one_line_each(
    gate_project: Project, workers: list[str]
) -> None:
    # Given failures in the smoke and security suites
    pytester = gate_project(
        {"http.p95_ms": "< 200"},
        entries=FAST,
        files={
            "suites/smoke/test_home.py": "def test_home(): assert False, 'home page 500'\n",
            "suites/security/test_auth.py": """
                def test_admin(): assert False, "admin endpoint open to anonymous\\nmore detail"
                def test_ok(): pass
                """,
        },
    )
    result = run(pytester, *workers)
    assert result.ret == 1
    # Then the terminal names each finding on one line, the security ones first
    result.stdout.fnmatch_lines(
        [
            "findings: 2, contract mismatches: 0, passes: 2",
            "finding [[]security] suites/security/test_auth.py::test_admin: "
            "admin endpoint open to anonymous",
            "finding [[]smoke] suites/smoke/test_home.py::test_home: home page 500",
        ]
    )
    # ... and gates.json and the HTML summary carry the same
    findings = gates_json(pytester)["findings"]
    assert list(findings) == ["security", "smoke"]
    assert findings["security"] == [
        {"test": "suites/security/test_auth.py::test_admin",
         "summary": "admin endpoint open to anonymous"}
    ]  # fmt: skip
    assert "[security] <code>suites/security/test_auth.py::test_admin</code>" in (
        report.html_summary(gates_json(pytester))
    )


def test_failed_tests_fail_the_top_level_verdict_of_gates_json(gate_project: Project) -> None:
    # Given a run whose gates all hold but one of whose tests fails
    pytester = gate_project(
        {"http.p95_ms": "< 200"},
        entries=FAST,
        files={"suites/smoke/test_home.py": "def test_home(): assert False, 'home page 500'\n"},
    )
    result = run(pytester)
    assert result.ret == 1
    # Then gates.json read alone says the run failed, and why; the gates' own verdict is beside it
    document = gates_json(pytester)
    assert document["verdict"] == "fail"
    assert document["gates_verdict"] == "pass"
    assert document["verdict_reasons"] == ["tests did not pass (pytest exit status 1)"]
    assert report.html_summary(document).count(">FAIL<") == 1


def test_skips_and_xfails_do_not_count_and_setup_errors_do(gate_project: Project) -> None:
    pytester = gate_project(
        {"tests.pass_rate.security": ">= 50"},
        files={
            "suites/security/test_mix.py": """
                import pytest

                @pytest.fixture
                def broken():
                    raise RuntimeError("no token")

                def test_ok(): pass
                def test_needs(broken): pass
                @pytest.mark.skip(reason="n/a")
                def test_skipped(): pass
                @pytest.mark.xfail(reason="known")
                def test_xfail(): assert False
                """
        },
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(["tests.pass_rate.security*>= 50*50%*PASS"])
    assert gates_json(pytester)["tests"]["security"] == {
        "passed": 1,
        "failed": 1,
        "skipped": 1,
        "xfailed": 1,
        "mismatched": 0,
    }


def test_unmeasured_gate_passes_unless_strict(gate_project: Project) -> None:
    pytester = gate_project({"load.p95_ms": "< 200"}, entries=FAST)
    result = run(pytester)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["load.p95_ms*< 200*not measured*not measured"])
    junit = ET.parse(pytester.path / "reports" / "gates.xml").getroot()
    assert junit.find(".//skipped") is not None

    strict = run(pytester, "--gate-strict")
    assert strict.ret == 99
    strict.stdout.fnmatch_lines(["load.p95_ms*< 200*not measured*FAIL"])


def test_environment_gates_override_the_defaults(gate_project: Project) -> None:
    pytester = gate_project(
        {"http.p95_ms": "< 200"}, env_gates={"http.p95_ms": "< 10"}, entries=FAST
    )
    result = run(pytester)
    assert result.ret == 99
    result.stdout.fnmatch_lines(["http.p95_ms*< 10*29.5 ms*FAIL"])


@pytest.mark.parametrize(
    ("gates", "env_gates", "message"),
    [
        (
            {"http.p96_ms": "< 200"},
            None,
            "environments.toml: [gates]: unknown gate metric 'http.p96_ms'",
        ),
        (
            {},
            {"coverage.lines": ">> 85"},
            "environments.toml: [environments.staging.gates]: 'coverage.lines': "
            "'>> 85' is not a threshold",
        ),
    ],
)
def test_bad_gate_table_is_one_config_error_naming_the_key(
    gate_project: Project, gates: dict[str, str], env_gates: dict[str, str] | None, message: str
) -> None:
    pytester = gate_project(gates, env_gates=env_gates, entries=FAST)
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    # ("[" would be a character class to fnmatch, so compare text.)
    assert result.stderr.lines[0].startswith(f"ERROR: {message}")
    assert "passed" not in result.stdout.str()


@pytest.mark.parametrize(
    ("option", "content", "message"),
    [
        ("--coverage-report", "hello", "not an LCOV, Cobertura XML or coverage.py JSON report"),
        ("--vuln-report", "{}", "not a pip-audit JSON"),
    ],
)
def test_bad_input_report_is_one_clear_error_before_tests_run(
    gate_project: Project, option: str, content: str, message: str
) -> None:
    pytester = gate_project({}, entries=FAST, files={"input.txt": content})
    result = run(pytester, f"{option}=input.txt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {option} input.txt: {message}*"])


def test_missing_input_report_is_one_clear_error(gate_project: Project) -> None:
    result = run(gate_project({}, entries=FAST), "--coverage-report=missing.xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --coverage-report missing.xml: cannot read it*"])


def test_pip_audit_findings_are_shown_as_unknown_severity(gate_project: Project) -> None:
    pip_audit = {
        "dependencies": [
            {"name": "jinja2", "version": "3.1.2", "vulns": [{"id": "GHSA-1", "fix_versions": []}]}
        ]
    }
    pytester = gate_project(
        {"vulnerabilities.critical": "== 0", "vulnerabilities.unknown": "== 0"},
        entries=FAST,
        files={"audit.json": json.dumps(pip_audit)},
    )
    result = run(pytester, "--vuln-report=audit.json")
    assert result.ret == 99
    result.stdout.fnmatch_lines(
        [
            "vulnerabilities.critical*== 0*0*PASS",
            "vulnerabilities.unknown*== 0*1*FAIL",
            "vulnerabilities.unknown: 1 finding(s) carry no severity (pip-audit)*",
        ]
    )


def test_endpoint_coverage_from_platform_endpoints_lists_the_missed(gate_project: Project) -> None:
    # No OpenAPI document reached the run: the [platform] endpoint paths are the operations.
    pytester = gate_project({"api.endpoint_coverage": ">= 100"}, entries=FAST)
    result = run(pytester)
    assert result.ret == 99
    result.stdout.fnmatch_lines(
        [
            "api.endpoint_coverage: operations from *platform.endpoints*: GET /openapi.json "
            "failed (*refused); missed ANY /api/ai/ollama, ANY /api/auth/login, *"
        ]
    )
    endpoints = gates_json(pytester)["endpoints"]
    assert endpoints["covered"] == ["ANY /api/services"]
    assert "ANY /api/health" in endpoints["missed"]


def test_secrets_are_masked_in_gates_json(
    gate_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGING_HOST_TOKEN", "s3cr3t-token-value")
    pytester = gate_project({"http.p95_ms": "< 200"}, entries=FAST)
    toml = pytester.path / "environments.toml"
    toml.write_text(
        toml.read_text().replace(
            'base_url = "http://127.0.0.1:9"\n[environments.production]',
            'base_url = "http://user:${STAGING_HOST_TOKEN}@127.0.0.1:9"\n[environments.production]',
        )
    )
    result = run(pytester)
    assert result.ret == 0
    text = (pytester.path / "reports" / "gates.json").read_text()
    assert "s3cr3t-token-value" not in text
    assert "***" in text
    assert "s3cr3t-token-value" not in result.stdout.str()


def test_engine_stays_quiet_without_a_deploygate_session(pytester: pytest.Pytester) -> None:
    # A project's own unit tests: no environments.toml, no --env, no gate inputs.
    pytester.makepyfile("def test_unit(): pass")
    result = inner_session.run(pytester)
    assert result.ret == 0
    assert "quality gates" not in result.stdout.str()
    assert not (pytester.path / "reports").exists()


def test_loading_the_plugin_twice_is_harmless(gate_project: Project) -> None:
    # As plugin.py will: pytest_plugins lists the module, and -p names it as well.
    pytester = gate_project(
        {"http.p95_ms": "< 200"},
        entries=FAST,
        files={"conftest.py": 'pytest_plugins = ["pytest_deploygate.gates.plugin"]\n'},
    )
    result = run(pytester, "-p", "pytest_deploygate.gates.plugin")
    assert result.ret == 0
    assert result.stdout.str().count("deploygate quality gates") == 1


def test_html_report_is_default_self_contained_and_rotated(gate_project: Project) -> None:
    pytester = gate_project({"http.p95_ms": "< 200"}, entries=FAST)
    reports = pytester.path / "reports"
    assert run(pytester).ret == 0
    first = (reports / "report.html").read_text()
    assert 'id="deploygate-gates"' in first
    assert not (reports / "assets").exists()  # self-contained: no side files
    assert run(pytester).ret == 0
    rotated = sorted(reports.glob("report-*.html"))
    assert len(rotated) == 1
    assert rotated[0].read_text() == first
    assert (reports / "report.html").exists()


def test_explicit_html_path_is_respected(gate_project: Project) -> None:
    pytester = gate_project({"http.p95_ms": "< 200"}, entries=FAST)
    assert run(pytester, "--html=out/mine.html").ret == 0
    assert 'id="deploygate-gates"' in Path(pytester.path / "out/mine.html").read_text()
    assert not (pytester.path / "reports" / "report.html").exists()


def test_endpoint_coverage_reads_the_local_platforms_openapi(pytester: pytest.Pytester) -> None:
    # Given --env=local: the reference platform boots, its /openapi.json lists the operations
    pytester.path.joinpath("environments.toml").write_text(
        '[gates]\n"api.endpoint_coverage" = ">= 100"\n[environments.local]\nlaunch = "reference"\n'
    )
    pytester.mkdir("suites")
    pytester.mkdir("suites/api")
    pytester.path.joinpath("suites/api/test_services.py").write_text(
        "def test_services(api):\n"
        "    assert api.get('/api/services').status_code == 200\n"
        "    assert api.get('/api/availability/1/2030-01-07').status_code in (200, 404)\n"
    )
    # When the run exercised two operations only
    result = inner_session.run(pytester, "--env=local")
    # Then the gate breaches and names, by method and template, what was missed
    result.assert_outcomes(passed=1)
    assert result.ret == 99
    endpoints = gates_json(pytester)["endpoints"]
    assert "GET /api/services" in endpoints["covered"]
    assert any(op.startswith("GET /api/availability/{") for op in endpoints["covered"])
    assert "POST /api/bookings" in endpoints["missed"]
    result.stdout.fnmatch_lines(["api.endpoint_coverage: missed *POST /api/bookings*"])


def test_reports_dir_and_junit_path_options(gate_project: Project) -> None:
    pytester = gate_project({"http.p95_ms": "< 10"}, entries=FAST)
    result = run(pytester, "--reports-dir=out", "--gates-junit=ci/gates-junit.xml")
    assert result.ret == 99
    assert json.loads((pytester.path / "out" / "gates.json").read_text())["verdict"] == "fail"
    assert (pytester.path / "out" / "report.html").exists()
    suite = ET.parse(pytester.path / "ci" / "gates-junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("tests") == "1"
    assert not (pytester.path / "reports").exists()


OPENAPI = {
    "openapi": "3.1.0",
    "paths": {
        "/api/services": {"get": {}},
        "/api/services/{serviceId}": {"get": {}, "delete": {}},
        "/api/bookings": {"post": {}},
    },
}


class _Platform(BaseHTTPRequestHandler):
    """A stand-in platform: its OpenAPI document and 200 for everything else."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.dumps(OPENAPI if self.path == "/openapi.json" else {"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stand_in_platform() -> Iterator[str]:
    with serve(_Platform) as url:
        yield url


def test_endpoint_coverage_from_the_platforms_openapi_document(
    gate_project: Project, stand_in_platform: str
) -> None:
    pytester = gate_project(
        {"api.endpoint_coverage": ">= 100"},
        files={
            "suites/api/test_services.py": """
                def test_services(api):
                    assert api.get("/api/services").status_code == 200
                    assert api.get("/api/services/7").status_code == 200
                """
        },
    )
    toml = pytester.path / "environments.toml"
    toml.write_text(toml.read_text().replace("http://127.0.0.1:9", stand_in_platform, 1))
    result = run(pytester)
    result.assert_outcomes(passed=1)
    assert result.ret == 99
    endpoints = gates_json(pytester)["endpoints"]
    assert endpoints == {
        "covered": ["GET /api/services", "GET /api/services/{serviceId}"],
        "missed": ["DELETE /api/services/{serviceId}", "POST /api/bookings"],
    }
    result.stdout.fnmatch_lines(
        [
            "api.endpoint_coverage*>= 100*50%*FAIL",
            "api.endpoint_coverage: missed DELETE /api/services/{serviceId}, POST /api/bookings",
        ]
    )


API_READ_AND_WRITE = {
    "suites/api/test_write.py": """
        import pytest
        from pytest_deploygate.session import metrics

        @pytest.mark.destructive
        def test_books():
            metrics.record_http("POST", "/api/bookings", 201, 12.0)
        """
}
OPERATIONS = {"kind": "operations", "operations": ["GET /api/services", "POST /api/bookings"]}


@pytest.mark.parametrize(
    ("env", "args", "kept"),
    [
        ("production", (), "1 test refused by policy"),
        ("staging", ("-k", "not books"), "1 test deselected"),
    ],
    ids=["refused-by-policy", "deselected"],
)
def test_work_kept_from_running_never_breaches_endpoint_coverage(
    gate_project: Project, env: str, args: tuple[str, ...], kept: str
) -> None:
    # Given an api suite whose write test the policy refuses (production) or the user deselects
    pytester = gate_project(
        {"api.endpoint_coverage": ">= 100"},
        entries=[OPERATIONS, http("/api/services", 10)],
        files=API_READ_AND_WRITE,
    )
    # When the rest runs
    result = inner_session.run(pytester, f"--env={env}", "--no-preflight", *args)
    # Then the coverage is not measured, and says why, instead of breaching
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "api.endpoint_coverage*>= 100*not measured*not measured",
            f"api.endpoint_coverage: not measured ({kept})",
        ]
    )
    gate = gates_json(pytester)["gates"][0]
    assert (gate["value"], gate["note"]) == (None, f"not measured ({kept})")
    # And --gate-strict keeps the strict behaviour: the partial coverage counts
    strict = inner_session.run(pytester, f"--env={env}", "--no-preflight", "--gate-strict", *args)
    assert strict.ret == 99
    strict.stdout.fnmatch_lines(
        [
            "api.endpoint_coverage*>= 100*50%*FAIL",
            f"api.endpoint_coverage: {kept} (counted: --gate-strict); missed POST /api/bookings",
        ]
    )


def test_every_unmeasured_gate_says_why(gate_project: Project) -> None:
    # Given gates whose metrics this run cannot measure, each for another reason
    pytester = gate_project(
        {
            "tests.pass_rate.integration": ">= 100",
            "tests.pass_rate.security": ">= 100",
            "coverage.lines": ">= 85",
            "vulnerabilities.high": "< 5",
            "load.p95_ms": "< 200",
            "http.p95_ms": "< 200",
        },
        files={
            "suites/api/test_list.py": "def test_list(): pass\n",
            "suites/security/test_auth.py": "def test_auth(): pass\n",
        },
    )
    result = run(pytester, "-m", "api", "--gates-junit", "gates.xml")
    assert result.ret == 0, result.stdout.str()
    expected = {
        "coverage.lines": "not measured: input file not given (--coverage-report PATH)",
        "http.p95_ms": "not measured: no request went through the instrumented client "
        "(api fixtures, record_http)",
        "load.p95_ms": "not measured: the load suite was not selected (no test recorded "
        "load.p95_ms)",
        "tests.pass_rate.integration": "not measured: no test carries the integration marker",
        "tests.pass_rate.security": "not measured: the security suite was deselected "
        "(1 test deselected)",
        "vulnerabilities.high": "not measured: input file not given (--vuln-report PATH)",
    }
    # Then the terminal, gates.json, the HTML summary and the JUnit file say why
    result.stdout.fnmatch_lines_random([f"{metric}: {why}" for metric, why in expected.items()])
    document = gates_json(pytester)
    assert {gate["metric"]: gate["note"] for gate in document["gates"]} == expected
    summary = report.html_summary(document)
    assert all(html.escape(why) in summary for why in expected.values())
    skipped = ET.parse(pytester.path / "gates.xml").findall(".//skipped")
    assert sorted(s.get("message") for s in skipped) == sorted(expected.values())


def test_an_unknown_metric_name_is_an_error_naming_the_catalogue(gate_project: Project) -> None:
    # Given a test that records a name no gate knows (a typo of health.database_ms)
    pytester = gate_project(
        {"health.database_ms": "< 1000"}, entries=[metric("health.databse_ms", 12)]
    )
    result = run(pytester)
    # Then the test fails naming the name, the catalogue and the custom namespace
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*UnknownMetricError: record_metric('health.databse_ms'): not a metric of the gate "
            "catalogue*record one of accessibility.critical, *health.database_ms, *or "
            "custom.<name> for a metric of your own*"
        ]
    )


def test_custom_and_health_metrics_reach_their_gates(gate_project: Project) -> None:
    # Given a team's own metric and the health suite's database latency, each with a gate
    pytester = gate_project(
        {
            "custom.queue_depth": "< 10",
            "custom.cache_hit_percent": ">= 90",
            "health.database_ms": "< 1000",
        },
        entries=[
            metric("custom.queue_depth", 3),
            metric("custom.queue_depth", 12),
            metric("custom.cache_hit_percent", 95),
            metric("custom.cache_hit_percent", 80),
            metric("health.database_ms", 4.5),
        ],
    )
    result = run(pytester)
    # Then each gate judges its worst sample
    assert result.ret == 99
    result.stdout.fnmatch_lines_random(
        [
            "custom.cache_hit_percent*>= 90*80*FAIL",
            "custom.queue_depth*< 10*12*FAIL",
            "health.database_ms*< 1000*4.5 ms*PASS",
        ]
    )
