"""SMS channel: one request per phone number to an HTTP SMS gateway, payload from a template."""

from __future__ import annotations

import re
from typing import Any

from pytest_deploygate.alerting.channels.base import Channel, DeliveryError, Option, post
from pytest_deploygate.alerting.notice import Notice
from pytest_deploygate.alerting.rules import AlertConfigError

PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 ()-]{5,}$")
_PLACEHOLDER = re.compile(r"\{(message|recipient|subject|severity|rule|environment|status)\}")


def render(template: Any, values: dict[str, str]) -> Any:
    """Fill ``{message}``-style placeholders in every string of ``template``; nothing else runs."""
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    if isinstance(template, dict):
        return {key: render(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [render(value, values) for value in template]
    return template


class SmsChannel(Channel):
    type = "sms"
    OPTIONS = {
        "url": Option(str, required=True, secret=True, help="the gateway URL to POST to"),
        "payload": Option(
            dict,
            default={"to": "{recipient}", "message": "{message}"},
            help="a table whose strings may use {recipient} {message} {subject} {severity} "
            "{rule} {environment} {status}",
        ),
        "format": Option(str, default="json", help='"json" or "form" (the body encoding)'),
        "headers": Option(dict, secret=True, default={}, help="a table of extra headers"),
        "to": Option(list, default=[], help="a list of phone numbers always texted"),
    }

    def check(self, where: str) -> None:
        if self.options["format"] not in ("json", "form"):
            raise AlertConfigError(
                f'{where}: format = {self.options["format"]!r} must be "json" or "form"'
            )

    def recipients(self, notice: Notice) -> list[str]:
        numbers = [r for r in notice.rule.recipients if PHONE_NUMBER.match(r)]
        return list(dict.fromkeys([*map(str, self.options["to"]), *numbers]))

    def send(self, notice: Notice, timeout: float) -> str:
        numbers = self.recipients(notice)
        if not numbers:
            raise DeliveryError(
                f"no phone numbers for rule {notice.rule.name!r}: add them to the rule's "
                f"recipients or the channel's to",
                retryable=False,
            )
        headers = {str(k): str(v) for k, v in self.options["headers"].items()}
        details = []
        for number in numbers:
            values = {
                "message": notice.short_text,
                "recipient": number,
                "subject": notice.subject,
                "severity": notice.rule.severity,
                "rule": notice.rule.name,
                "environment": notice.environment,
                "status": notice.status,
            }
            body = render(self.options["payload"], values)
            if self.options["format"] == "form":
                details.append(post(self.options["url"], timeout, data=body, headers=headers))
            else:
                details.append(post(self.options["url"], timeout, json=body, headers=headers))
        return f"{len(numbers)} text(s), {details[-1]}"
