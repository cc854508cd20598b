"""A channel that is down costs a bounded time, is reported, and changes nothing else."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, ClassVar

from alerting_support import FAST_RETRY, Receiver, notice

from pytest_deploygate.alerting import (
    AlertManager,
    AlertRule,
    AlertsConfig,
    AlertStateStore,
    ManualClock,
    Notice,
    RetryPolicy,
)
from pytest_deploygate.alerting.channels import Channel, Option, WebhookChannel

# A short policy: 0.5 s per attempt, 1.2 s for the whole delivery.
SHORT = RetryPolicy(attempts=5, backoff=0.05, max_backoff=0.1, timeout=0.5, deadline=1.2)


def webhook(url: str, retry: RetryPolicy = FAST_RETRY, name: str = "dead") -> Channel:
    return WebhookChannel.from_table(name, {"url": url}, f"[alerts.channels.{name}]", retry)


def test_closed_port_is_retried_then_reported(closed_port: int) -> None:
    result = webhook(f"http://127.0.0.1:{closed_port}/hook").deliver(notice())
    assert not result.ok and result.attempts == FAST_RETRY.attempts
    assert result.detail.startswith("ConnectError")


def test_server_errors_are_retried_then_reported(receiver: Receiver) -> None:
    receiver.status, receiver.answer = 500, b"Internal Server Error"
    result = webhook(receiver.url).deliver(notice())
    assert not result.ok and len(receiver.requests) == result.attempts == 3
    assert result.detail == "HTTP 500 Internal Server Error"
    assert "webhook channel 'dead': FAILED (HTTP 500" in result.describe()


def test_a_hanging_receiver_costs_at_most_the_delivery_deadline(receiver: Receiver) -> None:
    receiver.hang = True
    result = webhook(receiver.url, SHORT).deliver(notice())
    # It returned while the receiver still holds every request: the deadline ended it, after
    # fewer attempts than allowed (no wall-clock assertion: speed lives in benchmarks/).
    assert not receiver.release.is_set()
    assert not result.ok and result.detail.startswith("ReadTimeout")
    assert "gave up at the 1.2 s delivery deadline" in result.detail
    assert len(receiver.requests) == result.attempts < SHORT.attempts


class _StuckChannel(Channel):
    """A channel whose send ignores every timeout (a wedged client library)."""

    type = "stuck"
    OPTIONS: ClassVar[dict[str, Option]] = {}
    unblock = threading.Event()

    def send(self, notice: Notice, timeout: float) -> str:
        self.unblock.wait(60)
        return "too late"


def test_the_manager_abandons_a_channel_that_ignores_its_timeouts(
    receiver: Receiver, clock: ManualClock, tmp_path: Path
) -> None:
    # Given a rule with a stuck channel and a working webhook
    rule = AlertRule("errors", "load.error_rate", ">", 1, "warning", channels=("stuck", "hook"))
    channels = {
        "stuck": _StuckChannel("stuck", {}, RetryPolicy(deadline=0.3)),
        "hook": webhook(receiver.url, SHORT, name="hook"),
    }
    config = AlertsConfig(rules=(rule,))
    manager = AlertManager(config, AlertStateStore(tmp_path / "state.sqlite"), channels, clock)
    try:
        # When it fires
        outcome = manager.evaluate({"load.error_rate": 7.5}, "staging").outcomes[0]
        # Then evaluate came back while the stuck send is still blocked: it was abandoned
        still_stuck = not _StuckChannel.unblock.is_set()
    finally:
        _StuckChannel.unblock.set()
    # Then the webhook got it, the stuck channel is reported, and the wait was bounded
    assert outcome.decision == "fire"
    by_name: dict[str, Any] = {d.channel: d for d in outcome.deliveries}
    assert by_name["hook"].ok and not by_name["stuck"].ok
    assert "no answer within the 0.3 s delivery deadline; abandoned" in by_name["stuck"].detail
    assert still_stuck
    assert len(receiver.requests) == 1
    # A notice that reached one channel counts as sent: no re-page five minutes later
    clock.advance(300)
    assert manager.evaluate({"load.error_rate": 7.5}, "staging").outcomes[0].decision == (
        "suppressed"
    )
