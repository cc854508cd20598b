"""The public fixtures and the metrics transport (including across pytest-xdist)."""

from __future__ import annotations

import json
from collections.abc import Callable

import inner_session
import pytest
from plugin_support import TOKEN, Loopback, Run

import pytest_deploygate

# An inner conftest that writes every metric entry the controller receives, per test phase.
COLLECT_METRICS = """
    import json
    from pytest_deploygate.session.metrics import entries_of

    SEEN = []

    def pytest_runtest_logreport(report):
        for entry in entries_of(report):
            SEEN.append({"test": report.nodeid.split("::")[-1], "when": report.when, **entry})

    def pytest_sessionfinish(session):
        if not hasattr(session.config, "workerinput"):
            with open("metrics.json", "w") as handle:
                json.dump(SEEN, handle)
"""


def env_toml(url: str) -> str:
    return f"""
        [environments.qa]
        base_url = "{url}"
        credentials.admin = {{ username = "boss", password = "s3cret-Passw0rd" }}
        credentials.customer = {{ username = "cust", password = "wrong-pass" }}
        platform.endpoints.health = "/api/health?probe=1"
        platform.test_cards = {{ success = "4242424242424242" }}
    """


def test_public_api_is_stable() -> None:
    assert pytest_deploygate.__all__ == [
        "CONFIG_KEY",
        "ENVIRONMENT_KEY",
        "MASKER_KEY",
        "Credential",
        "DeployGateConfigError",
        "DeploygateConfig",
        "Environment",
        "Masker",
        "Platform",
        "record_http",
        "record_metric",
    ]


def test_deploy_env_platform_and_base_url(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(env_toml(server.url))
    pytester.makepyfile(
        f"""
        def test_values(deploy_env, platform, base_url):
            assert deploy_env.name == "qa" and not deploy_env.sensitive
            assert base_url == "{server.url}"
            assert platform.endpoint("health") == "/api/health?probe=1"
            assert platform.endpoint("services") == "/api/services"  # built-in default
            assert platform.test_cards["success"] == "4242424242424242"
            assert platform.selector("service-card") == '[data-testid="service-card"]'
        """
    )
    run("--env=qa").assert_outcomes(passed=1)


def test_api_records_every_request_once_on_its_phase(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(env_toml(server.url))
    pytester.makeconftest(COLLECT_METRICS)
    pytester.makepyfile(
        """
        import pytest
        from pytest_deploygate import record_metric

        @pytest.fixture
        def warmed(api):
            api.get("/api/services")
            yield api
            record_metric("custom.teardown_ms", 3)

        def test_requests(warmed):
            warmed.get("/api/availability?x=1")
            warmed.post("/api/bookings", json={})
            record_metric("page.load_ms", 812.5)
        """
    )
    run("--env=qa", "--no-preflight").assert_outcomes(passed=1)
    seen = json.loads(pytester.path.joinpath("metrics.json").read_text())
    for entry in seen:
        entry.pop("ms", None)
    assert seen == [
        {
            "test": "test_requests",
            "when": "setup",
            "kind": "http",
            "method": "GET",
            "url_path": "/api/services",
            "status": 200,
        },
        {
            "test": "test_requests",
            "when": "call",
            "kind": "http",
            "method": "GET",
            "url_path": "/api/availability",
            "status": 200,
        },
        {
            "test": "test_requests",
            "when": "call",
            "kind": "http",
            "method": "POST",
            "url_path": "/api/bookings",
            "status": 201,
        },
        {
            "test": "test_requests",
            "when": "call",
            "kind": "metric",
            "name": "page.load_ms",
            "value": 812.5,
        },
        {
            "test": "test_requests",
            "when": "teardown",
            "kind": "metric",
            "name": "custom.teardown_ms",
            "value": 3.0,
        },
    ]


def test_metrics_survive_xdist(
    pytester: pytest.Pytester, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(env_toml(server.url))
    pytester.makeconftest(COLLECT_METRICS)
    pytester.makepyfile(
        """
        import pytest
        from pytest_deploygate import record_metric

        @pytest.mark.parametrize("n", range(6))
        def test_measure(api, n):
            api.get(f"/api/services")
            record_metric("custom.value", n)
        """
    )
    result = inner_session.run_sub(pytester, "--env=qa", "-n", "2")
    result.assert_outcomes(passed=6)
    seen = json.loads(pytester.path.joinpath("metrics.json").read_text())
    assert sorted(e["value"] for e in seen if e["kind"] == "metric") == [0, 1, 2, 3, 4, 5]
    assert sum(e["kind"] == "http" for e in seen) == 6


def test_admin_api_logs_in_once_and_sends_the_token(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(env_toml(server.url))
    pytester.makepyfile(
        """
        def test_one(admin_api):
            admin_api.get("/api/bookings")

        def test_two(admin_api):
            admin_api.get("/api/bookings")
        """
    )
    run("--env=qa", "--no-preflight").assert_outcomes(passed=2)
    assert server.paths("POST") == ["/api/auth/login"]
    assert [auth for _, path, auth in server.requests if path == "/api/bookings"] == [
        f"Bearer {TOKEN}"
    ] * 2


def test_failed_login_names_role_and_environment(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(env_toml(server.url))
    pytester.makepyfile("def test_one(customer_api): pass")
    result = run("--env=qa", "--no-preflight")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*login as customer on qa failed: POST /api/auth/login answered 401; check "
            "credentials.customer in ?environments.qa?*"
        ]
    )
    assert "wrong-pass" not in result.stdout.str()


def test_missing_role_and_missing_database_skip_with_reason(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(f'[environments.qa]\nbase_url = "{server.url}"\n')
    pytester.makepyfile("def test_admin(admin_api): pass\ndef test_db(deploy_db): pass\n")
    result = run("--env=qa", "--no-preflight", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines_random(
        ["*environment qa has no credentials.admin*", "*environment qa has no database.url*"]
    )


def test_deploy_db_is_an_engine_on_the_configured_database(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    database = pytester.path / "app.db"
    environments(
        f'[environments.qa]\nbase_url = "{server.url}"\ndatabase.url = "sqlite:///{database}"\n'
    )
    pytester.makepyfile(
        """
        import sqlalchemy

        def test_db(deploy_db):
            with deploy_db.connect() as connection:
                assert connection.execute(sqlalchemy.text("SELECT 41 + 1")).scalar() == 42
        """
    )
    run("--env=qa", "--no-preflight").assert_outcomes(passed=1)


def test_run_id_is_shared_and_names_test_data(
    pytester: pytest.Pytester, run: Run, environments: Callable[[str], None], server: Loopback
) -> None:
    environments(f'[environments.qa]\nbase_url = "{server.url}"\n')
    pytester.makepyfile("def test_id(deploygate_run_id): assert deploygate_run_id == 'r-42'")
    result = run("--env=qa", "--run-id=r-42")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["deploygate: environment qa at *, run id r-42"])
