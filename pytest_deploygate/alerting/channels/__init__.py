"""Alert channels, one class per kind, all with ``deliver(notice) -> DeliveryResult``."""

from __future__ import annotations

from pytest_deploygate.alerting.channels.alertmanager import AlertmanagerChannel
from pytest_deploygate.alerting.channels.base import (
    Channel,
    DeliveryError,
    DeliveryResult,
    Option,
    RetryPolicy,
)
from pytest_deploygate.alerting.channels.email import EmailChannel
from pytest_deploygate.alerting.channels.slack import SlackChannel
from pytest_deploygate.alerting.channels.sms import SmsChannel
from pytest_deploygate.alerting.channels.webhook import WebhookChannel

CHANNEL_TYPES: dict[str, type[Channel]] = {
    kind.type: kind
    for kind in (WebhookChannel, SlackChannel, EmailChannel, SmsChannel, AlertmanagerChannel)
}

__all__ = [
    "CHANNEL_TYPES",
    "AlertmanagerChannel",
    "Channel",
    "DeliveryError",
    "DeliveryResult",
    "EmailChannel",
    "Option",
    "RetryPolicy",
    "SlackChannel",
    "SmsChannel",
    "WebhookChannel",
]
