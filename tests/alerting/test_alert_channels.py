"""Every channel against a real receiver on loopback: HTTP servers and aiosmtpd."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from alerting_support import (
    FAST_RETRY,
    RULE,
    SMTP_PASSWORD,
    SMTP_USER,
    T0,
    Receiver,
    SmtpServer,
    notice,
)

from pytest_deploygate.alerting import AlertRule
from pytest_deploygate.alerting.channels import (
    AlertmanagerChannel,
    Channel,
    EmailChannel,
    SlackChannel,
    SmsChannel,
    WebhookChannel,
)


def build(kind: type[Channel], **table: Any) -> Channel:
    return kind.from_table("test", table, "alerts.toml: [alerts.channels.test]", FAST_RETRY)


def test_webhook_posts_the_notice_as_json_with_headers(receiver: Receiver) -> None:
    channel = build(WebhookChannel, url=f"{receiver.url}/hook", headers={"X-Token": "t0k3n"})
    result = channel.deliver(notice())
    assert result.ok and result.detail == "HTTP 200" and result.attempts == 1
    (request,) = receiver.requests
    assert request.path == "/hook" and request.headers["x-token"] == "t0k3n"
    body = request.json()
    assert body["status"] == "firing" and body["rule"] == "database-down"
    assert body["since"] == "2027-01-15T08:00:00Z"
    assert "Current value: 2" in body["message"]


def test_slack_posts_text_and_a_coloured_attachment(receiver: Receiver) -> None:
    channel = build(SlackChannel, url=f"{receiver.url}/services/T0/B0/xyz", username="deploygate")
    assert channel.deliver(notice()).ok
    assert channel.deliver(notice("resolved")).ok
    firing, resolved = receiver.bodies()
    assert firing["text"].startswith("[ALERT] CRITICAL database-down on production")
    assert firing["attachments"][0]["color"] == "#d00000" and firing["username"] == "deploygate"
    assert resolved["text"].startswith("[RESOLVED]")
    assert resolved["attachments"][0]["color"] == "#2eb67d"


def test_sms_texts_each_phone_number_with_the_json_template(receiver: Receiver) -> None:
    channel = build(
        SmsChannel,
        url=f"{receiver.url}/sms",
        payload={"to": "{recipient}", "text": "{message}", "meta": {"sev": "{severity}"}},
        to=["+15550100"],
    )
    result = channel.deliver(notice())
    assert result.ok and result.detail.startswith("2 text(s)")
    bodies = receiver.bodies()
    assert [b["to"] for b in bodies] == ["+15550100", "+44 7700 900123"]
    assert bodies[0]["text"].startswith("[ALERT] CRITICAL database-down on production: ")
    assert bodies[0]["meta"] == {"sev": "critical"}


def test_sms_form_encoding(receiver: Receiver) -> None:
    channel = build(
        SmsChannel, url=receiver.url, format="form", payload={"To": "{recipient}", "Body": "{rule}"}
    )
    assert channel.deliver(notice()).ok
    (request,) = receiver.requests
    assert parse_qs(request.body.decode()) == {"To": ["+44 7700 900123"], "Body": ["database-down"]}


def test_sms_without_numbers_fails_once_with_the_fix(receiver: Receiver) -> None:
    rule = AlertRule(**{**RULE.__dict__, "recipients": ("oncall@example.test",)})
    result = build(SmsChannel, url=receiver.url).deliver(notice(rule=rule))
    assert not result.ok and result.attempts == 1
    assert "add them to the rule's recipients or the channel's to" in result.detail
    assert receiver.requests == []


def test_alertmanager_posts_v2_alerts_with_ends_at_on_resolve(receiver: Receiver) -> None:
    channel = build(AlertmanagerChannel, url=receiver.url + "/", labels={"team": "booking"})
    assert channel.deliver(notice()).ok
    assert channel.deliver(notice("resolved", at=T0 + 600)).ok
    firing, resolved = receiver.requests
    assert firing.path == resolved.path == "/api/v2/alerts"
    (alert,) = firing.json()
    assert alert["labels"] == {
        "alertname": "database-down",
        "severity": "critical",
        "environment": "production",
        "metric": "health.database.status",
        "team": "booking",
    }
    assert alert["startsAt"] == "2027-01-15T08:00:00Z"
    assert alert["endsAt"] == "2027-01-15T09:01:00Z"  # refreshed before this, or it expires
    (gone,) = resolved.json()
    assert gone["endsAt"] == "2027-01-15T08:10:00Z"


def test_email_over_plain_smtp_with_auth(smtp_server: SmtpServer) -> None:
    channel = build(
        EmailChannel,
        host=smtp_server.host,
        port=smtp_server.port,
        starttls=False,
        username=SMTP_USER,
        password=SMTP_PASSWORD,
        to=["sre@example.test"],
        **{"from": "deploygate@example.test"},
    )
    before = len(smtp_server.handler.messages)
    result = channel.deliver(notice())
    assert result.ok, result.detail
    envelope = smtp_server.handler.messages[before]
    assert envelope.rcpt_tos == ["sre@example.test", "oncall@example.test"]
    message = message_from_bytes(envelope.content)  # type: ignore[arg-type]
    assert message["Subject"] == "[ALERT] CRITICAL database-down on production"
    assert "Alert condition: health.database.status >= 2" in message.get_payload()


def test_email_wrong_password_is_one_clear_failure_without_the_password(
    smtp_server: SmtpServer,
) -> None:
    channel = build(
        EmailChannel,
        host=smtp_server.host,
        port=smtp_server.port,
        starttls=False,
        username=SMTP_USER,
        password="wrong-Secret-999",
        **{"from": "deploygate@example.test"},
    )
    result = channel.deliver(notice())
    assert not result.ok and result.attempts == 1  # retrying a refused login cannot help
    assert f"SMTP login as {SMTP_USER!r} refused" in result.detail
    assert "wrong-Secret-999" not in repr(result) and "wrong-Secret-999" not in repr(channel)


def test_email_with_starttls_and_auth(
    starttls_smtp_server: SmtpServer, tls_files: tuple[Path, Path]
) -> None:
    channel = build(
        EmailChannel,
        host=starttls_smtp_server.host,
        port=starttls_smtp_server.port,
        username=SMTP_USER,
        password=SMTP_PASSWORD,
        ca_file=str(tls_files[0]),
        **{"from": "deploygate@example.test"},
    )
    result = channel.deliver(notice("resolved"))
    assert result.ok, result.detail
    envelope = starttls_smtp_server.handler.messages[-1]
    assert envelope.rcpt_tos == ["oncall@example.test"]
    assert b"X-Deploygate-Status: resolved" in envelope.content  # type: ignore[operator]


def test_starttls_against_an_untrusted_certificate_fails_closed(
    starttls_smtp_server: SmtpServer,
) -> None:
    channel = build(
        EmailChannel,
        host=starttls_smtp_server.host,
        port=starttls_smtp_server.port,
        username=SMTP_USER,
        password=SMTP_PASSWORD,
        **{"from": "deploygate@example.test"},
    )
    result = channel.deliver(notice())
    assert not result.ok and "CERTIFICATE_VERIFY_FAILED" in result.detail
    assert SMTP_PASSWORD not in result.detail


@pytest.mark.parametrize("status", [404, 410])
def test_a_client_error_is_not_retried(receiver: Receiver, status: int) -> None:
    receiver.status, receiver.answer = status, b"no_service"
    result = build(WebhookChannel, url=receiver.url).deliver(notice())
    assert not result.ok and result.attempts == 1 and result.detail == f"HTTP {status} no_service"


def test_secrets_in_urls_and_headers_are_masked_in_results(receiver: Receiver) -> None:
    # The receiver echoes what a misbehaving gateway might: the secret parts of the request.
    token_path = "/services/T000/B000/XXXXsecretXXXX"
    receiver.status, receiver.answer = 500, f"bad hook {token_path} key=Bearer abc123".encode()
    channel = build(SlackChannel, url=receiver.url + token_path)
    result = channel.deliver(notice())
    assert not result.ok and result.attempts == 3
    assert "XXXXsecretXXXX" not in result.describe() and "***" in result.detail
    hook = build(WebhookChannel, url=receiver.url, headers={"Authorization": "Bearer abc123"})
    assert "abc123" not in hook.deliver(notice()).describe()
