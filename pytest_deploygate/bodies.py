"""Request bodies as flat dotted names (``customerDetails.name``) and back: how
``[platform.requests]`` renames nested fields. No dependencies, so the Locust process (which
must not import pytest) shapes its bookings with the same code as the suites' clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flatten(body: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"customerDetails": {"name": x}}`` as ``{"customerDetails.name": x}``."""
    flat: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"customerDetails.name": x}`` as ``{"customerDetails": {"name": x}}``."""
    body: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, name = key.split(".")
        table = body
        for parent in parents:
            table = table.setdefault(parent, {})
        table[name] = value
    return body
