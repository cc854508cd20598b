"""What a channel delivers: one notice about one rule in one environment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pytest_deploygate.alerting.rules import AlertRule

NoticeKind = Literal["firing", "resend", "resolved", "refresh", "deploy"]


def iso(timestamp: float) -> str:
    """RFC 3339 in UTC, as Alertmanager and most webhooks expect."""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Notice:
    """A firing alert, a re-send of one, its resolution, a refresh for stateful receivers, or a
    deploy event (a rollback, a failed deploy) with its record."""

    kind: NoticeKind
    rule: AlertRule
    environment: str
    value: float | None
    #: When the alert started firing.
    since: float
    #: When this notice was produced.
    at: float
    #: 0 for the first notice, n for the n-th re-send.
    resend: int = 0
    max_resends: int = 3
    #: Deploy notices: one line saying what happened, the summary, and the deploy record.
    headline: str = ""
    summary: str = ""
    record: Mapping[str, Any] | None = None

    @property
    def status(self) -> Literal["firing", "resolved"]:
        return "resolved" if self.kind == "resolved" else "firing"

    @property
    def subject(self) -> str:
        prefix = {
            "firing": "[ALERT]",
            "refresh": "[ALERT]",
            "resend": f"[RESEND {self.resend}/{self.max_resends}]",
            "resolved": "[RESOLVED]",
            "deploy": "[DEPLOY]",
        }[self.kind]
        return f"{prefix} {self.rule.severity.upper()} {self.rule.name} on {self.environment}"

    @property
    def short_text(self) -> str:
        """One line, for SMS and chat previews."""
        if self.kind == "deploy":
            return f"{self.subject}: {self.headline}"
        value = "not measured" if self.value is None else f"{self.value:g}"
        return f"{self.subject}: {self.rule.metric} = {value} (alert when {self.rule.condition})"

    @property
    def text(self) -> str:
        if self.kind == "deploy":
            return "\n".join([self.subject, "", self.headline, "", self.summary]).rstrip()
        value = "not measured" if self.value is None else f"{self.value:g}"
        lines = [
            self.subject,
            "",
            f"Severity: {self.rule.severity.upper()}",
            f"Environment: {self.environment}",
            f"Metric: {self.rule.metric}",
            f"Current value: {value}",
            f"Alert condition: {self.rule.condition}"
            + (f" for {self.rule.for_seconds:g} s" if self.rule.for_seconds else ""),
            f"Firing since: {iso(self.since)}",
        ]
        if self.kind == "resolved":
            lines.append(f"Resolved at: {iso(self.at)}")
        if self.rule.description:
            lines += ["", self.rule.description]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The JSON document the webhook channel posts."""
        return {
            "status": self.status,
            "kind": self.kind,
            "rule": self.rule.name,
            "severity": self.rule.severity,
            "environment": self.environment,
            "metric": self.rule.metric,
            "value": self.value,
            "operator": self.rule.operator,
            "threshold": self.rule.threshold,
            "for_seconds": self.rule.for_seconds,
            "since": iso(self.since),
            "at": iso(self.at),
            "resend": self.resend,
            "recipients": list(self.rule.recipients),
            "subject": self.subject,
            "message": self.text,
            **({"record": dict(self.record)} if self.record is not None else {}),
        }
