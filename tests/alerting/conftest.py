"""Fixtures of the alerting tests; the helpers behind them live in alerting_support (importable
by a unique name, unlike conftest, which every test folder has)."""

from alerting_support import (
    _receiver_server,
    clock,
    receiver,
    smtp_server,
    starttls_smtp_server,
    tls_files,
)

__all__ = [  # registers the fixtures
    "_receiver_server",
    "clock",
    "receiver",
    "smtp_server",
    "starttls_smtp_server",
    "tls_files",
]
