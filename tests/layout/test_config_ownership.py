"""One owner for the configuration: every key a part reads is declared in config/schema.py with
its default, the one ${VAR} rule holds everywhere, and pytest and the CLI find the same file."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_deploygate.alerting.config import parse_alerts
from pytest_deploygate.alerting.rules import AlertConfigError
from pytest_deploygate.config import (
    ApiContract,
    DatabaseContract,
    DatabaseSettings,
    DeployGateConfigError,
    Preflight,
    SecurityContract,
    load_config,
    load_environment,
    locate,
    read_document,
    schema,
)
from pytest_deploygate.deploy.settings import DeploySettings
from pytest_deploygate.load.config import LoadSettings

PACKAGE = Path(__file__).resolve().parents[2] / "pytest_deploygate"
REPO = PACKAGE.parent

# Fields of the typed objects that are derived rather than read from a key of their own.
DERIVED = {
    "headers",  # [platform.headers]
    "rate_limited",  # [platform.rate_limit] endpoint
    "rate_limit_burst",
    "rate_limit_window_seconds",
    "admin_only",  # from protected
    "signed_in_only",
}


@pytest.mark.parametrize(
    ("typed", "section"),
    [
        (ApiContract, schema.API),
        (SecurityContract, schema.SECURITY),
        (DatabaseContract, schema.DATABASE),
        (Preflight, schema.PREFLIGHT),
        (LoadSettings, schema.LOAD),
        (DatabaseSettings, schema.DATABASE_RELEASE),
        (DeploySettings, schema.DEPLOY),
    ],
    ids=["api", "security", "database", "preflight", "load", "database-release", "deploy"],
)
def test_every_field_a_part_reads_is_a_schema_key_and_back(typed: type, section: dict) -> None:
    fields = {f.name for f in dataclasses.fields(typed)} - DERIVED
    assert fields == set(section), "typed object and schema drifted apart"


def _string_arguments(method: str) -> set[str]:
    """Names passed as literals to ``<anything>.<method>("name")`` anywhere in the package."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == method
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_every_endpoint_and_test_card_the_code_asks_for_has_a_default() -> None:
    assert _string_arguments("endpoint") <= set(schema.ENDPOINTS)
    assert _string_arguments("card") <= set(schema.TEST_CARDS)


def test_every_documented_api_key_is_accepted(tmp_path: Path) -> None:
    # [platform.api] pay and availability_overview were documented but rejected (exit 4).
    path = tmp_path / "environments.toml"
    path.write_text(
        '[platform.api]\npay = "POST /v2/pay"\navailability_overview = "GET /v2/slots"\n'
        '[environments.qa]\nbase_url = "http://h"\n'
    )

    env = load_environment(path, "qa", {})

    assert str(env.platform.api.pay) == "POST /v2/pay"
    assert str(env.platform.api.availability_overview) == "GET /v2/slots"


@pytest.mark.parametrize(
    "path",
    [
        REPO / "environments.toml",
        PACKAGE / "config" / "starter.toml",
        *sorted((REPO / "examples").rglob("*.toml")),
    ],
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_every_shipped_file_is_valid_in_every_environment(path: Path) -> None:
    document = read_document(path)
    for name in document.get("environments", {}):
        environ = {variable: "x" for variable in _variables(path.read_text())}
        load_config(path, name, environ)


def _variables(text: str) -> set[str]:
    from pytest_deploygate.config.interpolate import VARIABLE

    return set(VARIABLE.findall(text))


def test_an_empty_variable_is_missing_in_environments_and_in_alert_channels(
    tmp_path: Path,
) -> None:
    path = tmp_path / "environments.toml"
    path.write_text('[environments.qa]\nbase_url = "http://h"\ndatabase.url = "${QA_DB}"\n')
    with pytest.raises(
        DeployGateConfigError, match=r"\$\{QA_DB\}, which is not set \(or is empty\)"
    ):
        load_environment(path, "qa", {"QA_DB": ""})

    alerts = parse_alerts(
        {
            "channels": {"hook": {"type": "webhook", "url": "${HOOK_URL}"}},
            "rules": [
                {
                    "name": "r",
                    "metric": "gates.breached",
                    "operator": ">",
                    "threshold": 0,
                    "severity": "info",
                    "channels": ["hook"],
                }
            ],
        }
    )
    with pytest.raises(AlertConfigError, match=r"\$\{HOOK_URL\}, which is not set \(or is empty\)"):
        alerts.build_channels("qa", {"HOOK_URL": ""})


def test_pytest_and_the_cli_find_the_same_file_from_a_subfolder(tmp_path: Path) -> None:
    project = tmp_path / "project"
    sub = project / "tests" / "deep"
    sub.mkdir(parents=True)
    (project / "environments.toml").write_text('[environments.qa]\nbase_url = "http://h"\n')

    assert locate(None, sub, {}) == (project / "environments.toml", False)
    assert locate(None, sub, {"DEPLOYGATE_ENVIRONMENTS_FILE": "/etc/x.toml"}) == (
        Path("/etc/x.toml"),
        True,
    )
    # The CLI, started in the subfolder, reads the project's file.
    result = subprocess.run(
        [sys.executable, "-m", "pytest_deploygate.cli", "check-env", "--env", "qa"],
        cwd=sub,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "from environments.toml" in result.stdout
