"""Prometheus Alertmanager channel: ``POST /api/v2/alerts``, with ``endsAt`` on resolve."""

from __future__ import annotations

from typing import Any

from pytest_deploygate.alerting.channels.base import Channel, Option, post
from pytest_deploygate.alerting.notice import Notice, iso
from pytest_deploygate.alerting.rules import parse_duration


class AlertmanagerChannel(Channel):
    type = "alertmanager"
    # Alertmanager groups and repeats notifications itself and expires an alert that is not
    # posted again before its endsAt, so it hears about a firing alert on every evaluation.
    wants_refresh = True
    OPTIONS = {
        "url": Option(str, required=True, secret=True, help="the Alertmanager base URL"),
        "headers": Option(dict, secret=True, default={}, help="a table of extra headers"),
        "labels": Option(dict, default={}, help="a table of extra labels for every alert"),
        "ends_after": Option(
            (str, int, float),
            default="1h",
            help='a duration such as "1h": a firing alert expires if not posted again by then',
        ),
        "generator_url": Option(str, default="", help="a link back to the CI job or dashboard"),
    }

    def check(self, where: str) -> None:
        parse_duration(self.options["ends_after"], f"{where}: ends_after")

    def payload(self, notice: Notice) -> list[dict[str, Any]]:
        labels = {
            "alertname": notice.rule.name,
            "severity": notice.rule.severity,
            "environment": notice.environment,
            "metric": notice.rule.metric,
            **{str(k): str(v) for k, v in self.options["labels"].items()},
        }
        ends = (
            notice.at
            if notice.kind == "resolved"
            else notice.at + parse_duration(self.options["ends_after"], "ends_after")
        )
        alert: dict[str, Any] = {
            "labels": labels,
            "annotations": {"summary": notice.short_text, "description": notice.text},
            "startsAt": iso(notice.since),
            "endsAt": iso(ends),
        }
        if self.options["generator_url"]:
            alert["generatorURL"] = self.options["generator_url"]
        return [alert]

    def send(self, notice: Notice, timeout: float) -> str:
        url = self.options["url"].rstrip("/") + "/api/v2/alerts"
        headers = {str(k): str(v) for k, v in self.options["headers"].items()}
        return post(url, timeout, json=self.payload(notice), headers=headers)
