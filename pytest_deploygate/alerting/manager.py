"""The seed's AlertingManager: evaluate rules, decide fire/re-send/resolve, deliver, remember."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pytest_deploygate.alerting.channels import Channel, DeliveryResult
from pytest_deploygate.alerting.clock import Clock, SystemClock
from pytest_deploygate.alerting.config import AlertsConfig
from pytest_deploygate.alerting.notice import Notice, NoticeKind, iso
from pytest_deploygate.alerting.rules import AlertRule
from pytest_deploygate.alerting.state import AlertState, AlertStateStore
from pytest_deploygate.masking import Masker

log = logging.getLogger("pytest_deploygate.alerting")

Decision = Literal[
    "ok",
    "not-measured",
    "pending",
    "fire",
    "resend",
    "suppressed",
    "exhausted",
    "resolve",
    "cleared",
]
#: Decisions after which the alert is still firing.
FIRING: frozenset[Decision] = frozenset({"fire", "resend", "suppressed", "exhausted"})
# A delivery thread gets this long past its own deadline before it is abandoned.
_GRACE_SECONDS = 1.0


@dataclass(frozen=True)
class RuleOutcome:
    """What one evaluation did about one rule."""

    rule: AlertRule
    environment: str
    decision: Decision
    value: float | None
    deliveries: tuple[DeliveryResult, ...] = ()
    note: str = ""

    @property
    def firing(self) -> bool:
        return self.decision in FIRING

    def describe(self) -> str:
        value = "not measured" if self.value is None else f"{self.value:g}"
        text = (
            f"{self.decision.upper():<12} {self.rule.severity:<8} {self.rule.name} "
            f"({self.rule.metric} = {value}; alert when {self.rule.condition})"
        )
        return f"{text} {self.note}".rstrip()


@dataclass(frozen=True)
class AlertReport:
    """The outcome of one evaluation over one environment's metrics."""

    environment: str
    outcomes: tuple[RuleOutcome, ...]

    @property
    def firing(self) -> tuple[RuleOutcome, ...]:
        return tuple(o for o in self.outcomes if o.firing)

    @property
    def failed_deliveries(self) -> tuple[DeliveryResult, ...]:
        return tuple(d for o in self.outcomes for d in o.deliveries if not d.ok)

    def lines(self) -> list[str]:
        lines = []
        for outcome in self.outcomes:
            lines.append(outcome.describe())
            lines += [f"    {delivery.describe()}" for delivery in outcome.deliveries]
        return lines


def decide(
    rule: AlertRule,
    state: AlertState | None,
    environment: str,
    value: float | None,
    now: float,
    resend_interval: float,
    max_resends: int,
) -> tuple[Decision, AlertState | None]:
    """The next state of one rule, pure. Sends are claimed up front and undone if none lands."""
    if value is None:
        return "not-measured", state
    if rule.breached(value):
        if state is None:
            state = AlertState(rule.name, environment, breached_since=now)
        state = state.updated(last_value=value, resolved_at=None)
        if state.firing_since is None:
            if now - state.breached_since < rule.for_seconds:
                return "pending", state
            return "fire", state.updated(firing_since=now, last_sent=now, sends=1)
        if state.last_sent is None:  # the first notice reached no channel: try it again
            return "fire", state.updated(last_sent=now, sends=1)
        if state.sends - 1 >= max_resends:
            return "exhausted", state
        # Measured from the last notice, not from the first (the seed re-sent on every check
        # once the interval had passed since the trigger).
        if now - state.last_sent < resend_interval:
            return "suppressed", state
        return "resend", state.updated(last_sent=now, sends=state.sends + 1)
    if state is None:
        return "ok", None
    if state.firing_since is None or state.last_sent is None:
        return "cleared", None  # nobody was told it fired, so nobody needs telling it stopped
    return "resolve", state.updated(resolved_at=now, last_value=value)


@dataclass(frozen=True)
class _Plan:
    rule: AlertRule
    decision: Decision
    before: AlertState | None
    after: AlertState | None
    value: float | None


class AlertManager:
    """Evaluates rules over metrics for one state file and one set of channels."""

    def __init__(
        self,
        config: AlertsConfig,
        store: AlertStateStore,
        channels: Mapping[str, Channel],
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.channels = dict(channels)
        self.clock = clock or SystemClock()

    @classmethod
    def for_environment(
        cls,
        config: AlertsConfig,
        environment: str,
        base_dir: Path = Path("."),
        clock: Clock | None = None,
        environ: Mapping[str, str] = os.environ,
        masker: Masker | None = None,
    ) -> AlertManager:
        """Build the state store and the channels the environment's rules use."""
        state_file = config.state_file
        if not state_file.is_absolute():
            state_file = base_dir / state_file
        channels = config.build_channels(environment, environ, masker)
        return cls(config, AlertStateStore(state_file), channels, clock)

    def evaluate(self, metrics: Mapping[str, float], environment: str) -> AlertReport:
        """Evaluate every rule for ``environment``; deliveries run in parallel, bounded."""
        if not self.config.enabled:
            return AlertReport(environment, ())
        now = self.clock.now()
        planned: list[_Plan] = []
        for rule in self.config.rules_for(environment):
            raw = metrics.get(rule.metric)
            value = None if raw is None else float(raw)
            with self.store.transaction() as tx:
                before = tx.get(rule.name, environment)
                decision, after = decide(
                    rule,
                    before,
                    environment,
                    value,
                    now,
                    self.config.resend[rule.severity],
                    self.config.max_resends,
                )
                if after is None:
                    tx.delete(rule.name, environment)
                elif after != before:
                    tx.put(after)
            planned.append(_Plan(rule, decision, before, after, value))

        jobs: list[tuple[int, Notice, Channel]] = []
        for index, plan in enumerate(planned):
            for notice, channel in self._notices(plan, environment, now):
                jobs.append((index, notice, channel))
        results = deliver_all([(notice, channel) for _, notice, channel in jobs])

        outcomes = []
        for index, plan in enumerate(planned):
            deliveries = tuple(r for (i, _, _), r in zip(jobs, results, strict=True) if i == index)
            self._settle(plan, environment, now, deliveries)
            note = self._note(plan.rule, plan.decision, plan.after, deliveries)
            outcomes.append(
                RuleOutcome(plan.rule, environment, plan.decision, plan.value, deliveries, note)
            )
        return AlertReport(environment, tuple(outcomes))

    def _notices(self, plan: _Plan, environment: str, now: float) -> list[tuple[Notice, Channel]]:
        rule, decision, state = plan.rule, plan.decision, plan.after
        kinds: dict[Decision, NoticeKind] = {
            "fire": "firing",
            "resend": "resend",
            "resolve": "resolved",
            "suppressed": "refresh",
            "exhausted": "refresh",
        }
        if state is None or decision not in kinds or state.firing_since is None:
            return []
        kind = kinds[decision]
        notice = Notice(
            kind=kind,
            rule=rule,
            environment=environment,
            value=plan.value,
            since=state.firing_since,
            at=now,
            resend=max(state.sends - 1, 0) if kind == "resend" else 0,
            max_resends=self.config.max_resends,
        )
        channels = [self.channels[name] for name in rule.channels if name in self.channels]
        if kind == "refresh":
            channels = [channel for channel in channels if channel.wants_refresh]
        return [(notice, channel) for channel in channels]

    def _settle(
        self, plan: _Plan, environment: str, now: float, deliveries: tuple[DeliveryResult, ...]
    ) -> None:
        """Keep a claimed send only if some channel took it; forget a delivered resolution."""
        rule, decision, before = plan.rule, plan.decision, plan.before
        if decision not in ("fire", "resend", "resolve"):
            return
        landed = any(d.ok for d in deliveries)
        with self.store.transaction() as tx:
            current = tx.get(rule.name, environment)
            if current is None:
                return
            if decision == "resolve":
                if landed and current.resolved_at == now:
                    tx.delete(rule.name, environment)
            elif not landed and current.last_sent == now:
                # Undo the claim so the next evaluation tries again instead of waiting a
                # whole resend interval for a notice nobody received.
                tx.put(
                    current.updated(
                        last_sent=before.last_sent if before else None,
                        sends=before.sends if before else 0,
                    )
                )

    def _note(
        self,
        rule: AlertRule,
        decision: Decision,
        state: AlertState | None,
        deliveries: tuple[DeliveryResult, ...],
    ) -> str:
        if decision in ("fire", "resend", "resolve") and not any(d.ok for d in deliveries):
            return "- no channel took the notice; it is tried again at the next evaluation"
        if decision == "pending" and state is not None:
            return f"- firing once it holds until {iso(state.breached_since + rule.for_seconds)}"
        if decision == "suppressed" and state is not None and state.last_sent is not None:
            due = state.last_sent + self.config.resend[rule.severity]
            return f"- already sent; next re-send not before {iso(due)}"
        if decision == "exhausted":
            return f"- still firing; all {self.config.max_resends} re-sends used"
        return ""


def deliver_all(jobs: list[tuple[Notice, Channel]]) -> list[DeliveryResult]:
    """Deliver in parallel daemon threads; a receiver that never answers is abandoned, so a
    dead channel costs at most its deadline and never holds the interpreter open at exit."""
    results: list[DeliveryResult | None] = [None] * len(jobs)

    def run(index: int, notice: Notice, channel: Channel) -> None:
        results[index] = channel.deliver(notice)

    threads = [
        threading.Thread(target=run, args=(i, n, c), name=f"alert:{c.name}", daemon=True)
        for i, (n, c) in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    # One shared end: ten hung receivers cost one deadline, not ten.
    end = time.monotonic() + max((c.retry.deadline for _, c in jobs), default=0) + _GRACE_SECONDS
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    final: list[DeliveryResult] = []
    for result, (notice, channel) in zip(results, jobs, strict=True):
        if result is None:
            result = DeliveryResult(
                channel.name,
                channel.type,
                False,
                0,
                channel.retry.deadline + _GRACE_SECONDS,
                f"no answer within the {channel.retry.deadline:g} s delivery deadline; abandoned",
            )
        log_at = logging.INFO if result.ok else logging.WARNING
        log.log(log_at, "%s %s: %s", notice.kind, notice.rule.name, result.describe())
        final.append(result)
    return final
