"""Alerting: rules over gate and health metrics, channels, and alert state that outlives a run."""

from __future__ import annotations

from pytest_deploygate.alerting.channels import Channel, DeliveryResult, RetryPolicy
from pytest_deploygate.alerting.clock import Clock, ManualClock, SystemClock
from pytest_deploygate.alerting.config import AlertsConfig, parse_alerts
from pytest_deploygate.alerting.manager import AlertManager, AlertReport, RuleOutcome, decide
from pytest_deploygate.alerting.notice import Notice
from pytest_deploygate.alerting.rules import AlertConfigError, AlertRule, parse_duration
from pytest_deploygate.alerting.state import AlertState, AlertStateError, AlertStateStore

__all__ = [
    "AlertConfigError",
    "AlertManager",
    "AlertReport",
    "AlertRule",
    "AlertState",
    "AlertStateError",
    "AlertStateStore",
    "AlertsConfig",
    "Channel",
    "Clock",
    "DeliveryResult",
    "ManualClock",
    "Notice",
    "RetryPolicy",
    "RuleOutcome",
    "SystemClock",
    "decide",
    "parse_alerts",
    "parse_duration",
]
