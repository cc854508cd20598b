"""Webhook channel: the notice as a JSON document POSTed to a URL."""

from __future__ import annotations

from pytest_deploygate.alerting.channels.base import Channel, Option, post
from pytest_deploygate.alerting.notice import Notice


class WebhookChannel(Channel):
    type = "webhook"
    OPTIONS = {
        "url": Option(str, required=True, secret=True, help="the URL to POST to"),
        "headers": Option(dict, secret=True, default={}, help="a table of extra headers"),
    }

    def send(self, notice: Notice, timeout: float) -> str:
        return post(self.options["url"], timeout, json=notice.as_dict(), headers=self.headers)

    @property
    def headers(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.options["headers"].items()}
