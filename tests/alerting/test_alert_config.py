"""The [alerts] table: the documented example parses, and each mistake is one line with the fix."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from pytest_deploygate.alerting import AlertConfigError, parse_alerts, parse_duration
from pytest_deploygate.masking import Masker

# The documented example users copy (examples/alerts.toml); the test keeps it honest.
EXAMPLE = (Path(__file__).parents[2] / "examples" / "alerts.toml").read_text()

SECRETS = {
    "DEPLOYGATE_ALERT_WEBHOOK_URL": "https://hooks.example.com/deploygate/abc",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/secretpart",
    "SMTP_USERNAME": "mailer",
    "SMTP_PASSWORD": "pa55-word",
    "SMS_GATEWAY_KEY": "k3y",
    "ALERTMANAGER_URL": "http://alertmanager:9093",
}


def example() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE)["alerts"]


def test_the_documented_example_parses_and_builds_per_environment() -> None:
    config = parse_alerts(example())
    assert [r.name for r in config.rules] == [
        "production-unhealthy",
        "p95-latency",
        "any-gate-breached",
    ]
    assert config.resend == {"critical": 900, "warning": 3600, "info": 14400}
    assert config.rules[0].for_seconds == 120 and config.retry.deadline == 15
    assert [r.name for r in config.rules_for("staging")] == ["p95-latency"]
    # Only the channels the environment's rules use are built (and need their secrets).
    staging = config.build_channels("staging", {k: SECRETS[k] for k in list(SECRETS)[:1] +
                                                ["SMTP_USERNAME", "SMTP_PASSWORD"]})  # fmt: skip
    assert sorted(staging) == ["oncall-mail", "ops-webhook"]
    masker = Masker()
    production = config.build_channels("production", SECRETS, masker)
    assert sorted(production) == [  # p95-latency applies everywhere, the first rule here too
        "alertmanager",
        "oncall-mail",
        "oncall-sms",
        "ops-slack",
        "ops-webhook",
    ]
    line = "posting to https://hooks.slack.com/services/T0/B0/secretpart with key=k3y"
    assert masker(line) == "posting to *** with ***"


def test_a_missing_secret_names_the_variable_channel_and_environment() -> None:
    with pytest.raises(AlertConfigError) as caught:
        parse_alerts(example()).build_channels("production", {})
    assert str(caught.value) == (
        "environments.toml: [alerts.channels.alertmanager] url uses ${ALERTMANAGER_URL}, "
        "which is not set (or is empty); export it, or disable the rules that use this channel "
        "for the "
        "'production' environment"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda a: a["rules"][1].update(operator="=>"),
            "environments.toml: [[alerts.rules]] #2 ('p95-latency'): operator = '=>' is not one "
            "of > >= < <= == !=",
        ),
        (
            lambda a: a["rules"][1].update(channels=["pager"]),
            "environments.toml: [[alerts.rules]] #2 ('p95-latency'): channel 'pager' is not "
            "defined under [alerts.channels] (alertmanager, oncall-mail, oncall-sms, "
            "ops-slack, ops-webhook)",
        ),
        (
            lambda a: a["rules"][0].update({"for": "2 minutes"}),
            "environments.toml: [[alerts.rules]] #1 ('production-unhealthy').for = '2 minutes' "
            'is not a duration; write a number with a unit ms, s, m, h or d, e.g. "15m", '
            '"30s", "4h"',
        ),
        (
            lambda a: a["rules"][0].update(severity="page"),
            "environments.toml: [[alerts.rules]] #1 ('production-unhealthy'): severity = 'page' "
            "is not one of critical, warning, info",
        ),
        (
            lambda a: a["rules"][0].pop("metric"),
            "environments.toml: [[alerts.rules]] #1: missing key 'metric'",
        ),
        (
            lambda a: a["rules"][0].update(treshold=3),
            "environments.toml: [[alerts.rules]] #1: unknown key 'treshold'; allowed keys: "
            "channels, description, enabled, environments, for, metric, name, operator, "
            "recipients, severity, threshold",
        ),
        (
            lambda a: a["rules"].append(dict(a["rules"][0])),
            "environments.toml: [[alerts.rules]] name 'production-unhealthy' is used twice; "
            "names key the alert state, so make each one unique",
        ),
        (
            lambda a: a["channels"]["ops-slack"].update(type="teams"),
            "environments.toml: [alerts.channels.ops-slack] type = 'teams' must be one of "
            "webhook, slack, email, sms, alertmanager",
        ),
        (
            lambda a: a["channels"]["oncall-mail"].update(port="587"),
            "environments.toml: [alerts.channels.oncall-mail]: port = '587' must be a port number",
        ),
        (
            lambda a: a["channels"]["oncall-mail"].update(password=1234),
            "environments.toml: [alerts.channels.oncall-mail]: password = *** must be the SMTP "
            "password",
        ),
        (
            lambda a: a["channels"]["oncall-sms"].update(format="xml"),
            "environments.toml: [alerts.channels.oncall-sms]: format = 'xml' must be \"json\" "
            'or "form"',
        ),
        (
            lambda a: a["resend"].update(urgent="5m"),
            "environments.toml: [alerts.resend]: unknown key 'urgent'; allowed keys: critical, "
            "info, warning",
        ),
        (
            lambda a: a["retry"].update(attempts=0),
            "environments.toml: [alerts.retry] attempts = 0 must be a whole number 1..10",
        ),
    ],
)
def test_each_mistake_is_one_clear_line(change: Any, message: str) -> None:
    table = example()
    change(table)
    with pytest.raises(AlertConfigError) as caught:
        parse_alerts(table)
    assert str(caught.value) == message


def test_durations() -> None:
    assert [parse_duration(v, "x") for v in ("15m", "1h", "4h", "30s", "250ms", 90, "1.5d")] == [
        900,
        3600,
        14400,
        30,
        0.25,
        90,
        129600,
    ]
    for bad in ("-1s", "soon", True, -5):
        with pytest.raises(AlertConfigError):
            parse_duration(bad, "x")
