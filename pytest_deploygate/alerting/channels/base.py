"""What every channel shares: options declared once, bounded retry with backoff, masked results."""

from __future__ import annotations

import functools
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pytest_deploygate.alerting.notice import Notice
from pytest_deploygate.alerting.rules import AlertConfigError
from pytest_deploygate.masking import Masker

_PROGRAMMING_ERRORS = (TypeError, ValueError, LookupError, AttributeError)


@dataclass(frozen=True)
class Option:
    """One key a channel type accepts."""

    kind: type | tuple[type, ...]
    required: bool = False
    #: Secret values are masked in every message, result and log line.
    secret: bool = False
    default: Any = None
    help: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one delivery tries: attempts with doubling backoff, within a total deadline."""

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 5.0
    #: Per attempt: connect, read and write each give up after this many seconds.
    timeout: float = 5.0
    #: The whole delivery, retries included, never takes longer than this.
    deadline: float = 15.0


@dataclass(frozen=True)
class DeliveryResult:
    """How one notice fared on one channel; ``detail`` is already masked."""

    channel: str
    channel_type: str
    ok: bool
    attempts: int
    elapsed: float
    detail: str

    def describe(self) -> str:
        outcome = "delivered" if self.ok else "FAILED"
        tries = "1 attempt" if self.attempts == 1 else f"{self.attempts} attempts"
        return (
            f"{self.channel_type} channel {self.channel!r}: {outcome} ({self.detail}; "
            f"{tries}, {self.elapsed:.1f} s)"
        )


class DeliveryError(Exception):
    """One attempt failed; ``retryable`` says whether trying again can help."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Channel(ABC):
    """A place notices go. Subclasses declare ``type`` and ``OPTIONS`` and implement one send."""

    type: ClassVar[str]
    OPTIONS: ClassVar[dict[str, Option]]
    #: Receivers that track alerts themselves (Alertmanager) are told on every evaluation
    #: that an alert still fires, not only when a person should be paged again.
    wants_refresh: ClassVar[bool] = False

    def __init__(
        self,
        name: str,
        options: Mapping[str, Any],
        retry: RetryPolicy | None = None,
        masker: Masker | None = None,
    ) -> None:
        self.name = name
        self.options = dict(options)
        self.retry = retry or RetryPolicy()
        self.masker = Masker() if masker is None else masker
        self.masker.add(*self.secrets())

    @classmethod
    def from_table(
        cls,
        name: str,
        table: Mapping[str, Any],
        where: str,
        retry: RetryPolicy | None = None,
        masker: Masker | None = None,
    ) -> Channel:
        """Validate ``table`` against ``OPTIONS`` (``where`` names it in errors), then build."""
        allowed = {"type", *cls.OPTIONS}
        for key in table:
            if key not in allowed:
                raise AlertConfigError(
                    f"{where}: unknown key {key!r} for a {cls.type} channel; allowed keys: "
                    f"{', '.join(sorted(allowed))}"
                )
        options: dict[str, Any] = {}
        for key, option in cls.OPTIONS.items():
            if key not in table:
                if option.required:
                    raise AlertConfigError(f"{where}: missing key {key!r} ({option.help})")
                options[key] = option.default
                continue
            value = table[key]
            if (
                isinstance(value, bool)
                and option.kind is not bool
                or not isinstance(value, option.kind)
            ):
                shown = "***" if option.secret else repr(value)
                raise AlertConfigError(f"{where}: {key} = {shown} must be {option.help}")
            options[key] = value
        channel = cls(name, options, retry, masker)
        channel.check(where)
        return channel

    def check(self, where: str) -> None:  # noqa: B027 - optional hook, most types need none
        """Validate values beyond their types; raise AlertConfigError naming ``where``."""

    def secrets(self) -> list[str]:
        """Every secret value in this channel's options, including the sensitive parts of URLs."""
        found: list[str] = []
        for key, option in self.OPTIONS.items():
            value = self.options.get(key)
            if not option.secret or value is None:
                continue
            values = value.values() if isinstance(value, Mapping) else [value]
            for item in values:
                found += _secret_parts(str(item))
        return found

    def deliver(self, notice: Notice) -> DeliveryResult:
        """Try to send ``notice`` within the retry policy; never raises, never blocks past it."""
        policy = self.retry
        start = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            remaining = policy.deadline - (time.monotonic() - start)
            try:
                detail = self.send(notice, timeout=max(0.05, min(policy.timeout, remaining)))
            except DeliveryError as exc:
                detail, retryable = str(exc), exc.retryable
            except ssl.SSLCertVerificationError as exc:  # an untrusted peer stays untrusted
                detail, retryable = f"{type(exc).__name__}: {exc}", False
            except Exception as exc:  # noqa: BLE001 - a broken channel must not break the run
                # Refused, reset, timed out, SMTP replies, a transport library's own error types:
                # worth another try. A bug in building the request is not.
                detail = f"{type(exc).__name__}: {exc}"
                retryable = not isinstance(exc, _PROGRAMMING_ERRORS)
            else:
                return self._result(True, attempts, start, detail)
            wait = min(policy.max_backoff, policy.backoff * 2 ** (attempts - 1))
            spent = time.monotonic() - start
            if not retryable or attempts >= policy.attempts or spent + wait >= policy.deadline:
                if retryable and attempts < policy.attempts:
                    detail += f"; gave up at the {policy.deadline:g} s delivery deadline"
                return self._result(False, attempts, start, detail)
            time.sleep(wait)

    @abstractmethod
    def send(self, notice: Notice, timeout: float) -> str:
        """Send once; return a short detail ("HTTP 200") or raise. ``timeout`` bounds each step."""

    def _result(self, ok: bool, attempts: int, start: float, detail: str) -> DeliveryResult:
        return DeliveryResult(
            channel=self.name,
            channel_type=self.type,
            ok=ok,
            attempts=attempts,
            elapsed=time.monotonic() - start,
            detail=self.masker.mask(detail),
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def _secret_parts(value: str) -> list[str]:
    parts = [value]
    try:
        url = urlsplit(value)
    except ValueError:
        return parts
    if url.scheme and url.netloc:
        # Incoming-webhook tokens live in the path (Slack) or the query; passwords in userinfo.
        if url.password:
            parts.append(url.password)
        if len(url.path) > 1:
            parts.append(url.path + (f"?{url.query}" if url.query else ""))
        if url.query:
            parts.append(url.query)
    return parts


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA store costs more than a loopback request; do it once per process.
    return ssl.create_default_context()


def post(
    url: str, timeout: float, *, json: Any = None, data: Any = None, headers: Any = None
) -> str:
    """POST and turn the answer into a detail, or a DeliveryError saying whether to retry."""
    import httpx  # here, not at the top: most test runs never alert, and httpx is slow to import

    with httpx.Client(timeout=timeout, follow_redirects=False, verify=_tls_context()) as client:
        response = client.post(url, json=json, data=data, headers=headers)
    if response.is_success:
        return f"HTTP {response.status_code}"
    # Client errors mean the request itself is wrong (a revoked hook, a bad payload):
    # trying again cannot help, except for the two that say "later".
    retryable = response.status_code >= 500 or response.status_code in (408, 429)
    body = response.text.strip().replace("\n", " ")[:200]
    raise DeliveryError(f"HTTP {response.status_code} {body}".strip(), retryable=retryable)
