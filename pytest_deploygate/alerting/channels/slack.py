"""Slack channel: an incoming-webhook message with a colour per severity."""

from __future__ import annotations

from typing import Any

from pytest_deploygate.alerting.channels.base import Channel, Option, post
from pytest_deploygate.alerting.notice import Notice

_COLOURS = {"critical": "#d00000", "warning": "#f2c744", "info": "#439fe0", "resolved": "#2eb67d"}


class SlackChannel(Channel):
    type = "slack"
    OPTIONS = {
        "url": Option(str, required=True, secret=True, help="the incoming-webhook URL"),
        "username": Option(str, help="a string (the name messages are posted under)"),
        "icon_emoji": Option(str, help='a string such as ":rotating_light:"'),
    }

    def send(self, notice: Notice, timeout: float) -> str:
        colour = _COLOURS["resolved" if notice.kind == "resolved" else notice.rule.severity]
        payload: dict[str, Any] = {
            "text": notice.short_text,
            "attachments": [{"color": colour, "title": notice.subject, "text": notice.text}],
        }
        for key in ("username", "icon_emoji"):
            if self.options[key]:
                payload[key] = self.options[key]
        return post(self.options["url"], timeout, json=payload)
