"""Alerts around a deploy: the ``[alerts]`` rules over the health checks the deploy makes, and
a notice with the record through the configured channels when a deploy is rolled back or fails.

A notice goes to the channels named in ``[deploy] notify`` (every ``[alerts.channels]`` entry
when it is empty), to ``[deploy] recipients`` on the e-mail and SMS channels. Rules that fire
while the deploy runs count as the deploy's alerts (the ``deploy.alerts`` KPI). Nothing here
fails or holds up a deploy: deliveries are bounded by the channels' retry deadlines.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_deploygate.alerting.channels import Channel
from pytest_deploygate.alerting.config import AlertsConfig
from pytest_deploygate.alerting.manager import AlertManager, deliver_all
from pytest_deploygate.alerting.notice import Notice
from pytest_deploygate.alerting.rules import AlertConfigError, AlertRule
from pytest_deploygate.alerting.state import AlertStateError
from pytest_deploygate.alerting.watch import health_metrics
from pytest_deploygate.config import Environment
from pytest_deploygate.deploy.record import DeployRecord
from pytest_deploygate.deploy.settings import DeploySettings
from pytest_deploygate.health import HealthReport
from pytest_deploygate.masking import Masker


class DeployAlerts:
    """The alert rules and notice channels of one environment, for the length of one deploy."""

    def __init__(
        self,
        config: AlertsConfig,
        env: Environment,
        base_dir: Path,
        masker: Masker,
        settings: DeploySettings,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.config = config
        self.environment = env.name
        self.masker = masker
        self.recipients = settings.recipients
        active = config.enabled
        # Built now, so that a channel or rule mistake is a configuration error before the
        # deploy starts, not a surprise after it.
        self.manager = (
            AlertManager.for_environment(config, env.name, base_dir, None, environ, masker)
            if active and config.rules_for(env.name)
            else None
        )
        names = settings.notify or tuple(config.channel_tables)
        for name in names:
            if name not in config.channel_tables:
                known = ", ".join(sorted(config.channel_tables)) or "none are configured"
                raise AlertConfigError(
                    f"{env.source.name}: [deploy] notify: channel {name!r} is not defined under "
                    f"[alerts.channels] ({known})"
                )
        self.channels: dict[str, Channel] = (
            config.build_channels(env.name, environ, masker, names=names) if active else {}
        )
        if self.manager is not None:
            self.manager.store.prepare()
        self.fired = 0
        self.problems: list[str] = []

    def observe(self, health: HealthReport) -> None:
        """Evaluate the rules over one health check; count the alerts that started firing."""
        if self.manager is None:
            return
        try:
            report = self.manager.evaluate(health_metrics(health.health_json()), self.environment)
        except AlertStateError as exc:
            self.problems.append(str(exc))
            return
        self.fired += sum(outcome.decision == "fire" for outcome in report.outcomes)

    def announce(self, record: DeployRecord) -> list[dict[str, Any]]:
        """Send the rollback (or failure) notice with the record; the delivery results."""
        if record.result == "deployed" or record.refused or not self.channels:
            return []
        rolled_back = record.result == "rolled_back"
        rule = AlertRule(
            name="deploy-rolled-back" if rolled_back else "deploy-not-restored",
            metric="deploy.exit_code",
            operator="==",
            threshold=float(record.exit_code),
            severity="warning" if rolled_back else "critical",
            channels=tuple(self.channels),
            recipients=self.recipients,
        )
        notice = Notice(
            kind="deploy",
            rule=rule,
            environment=self.environment,
            value=float(record.exit_code),
            since=record.started,
            at=time.time(),
            headline=self.masker(record.headline()),
            summary=self.masker("\n".join(record.summary_lines())),
            record=record.as_dict(self.masker),
        )
        results = deliver_all([(notice, channel) for channel in self.channels.values()])
        return [
            {"channel": r.channel, "type": r.channel_type, "ok": r.ok, "detail": r.detail}
            for r in results
        ]
