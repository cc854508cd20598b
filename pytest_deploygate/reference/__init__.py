"""The reference booking platform the suites are verified against (not the product)."""

from __future__ import annotations

from .app import create_app
from .faults import FAULTS
from .server import LiveServer
from .settings import Settings

__all__ = ["FAULTS", "LiveServer", "Settings", "create_app"]
