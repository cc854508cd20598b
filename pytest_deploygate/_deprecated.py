"""Old import paths of 0.1, kept for one release: each alias module forwards names, with a
DeprecationWarning that says where the name lives now."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any

REMOVED_IN = "0.3"


def moved(old: str, new: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` that forwards to ``new`` and warns once per lookup site."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        warnings.warn(
            f"{old} moved to {new} in 0.2 and goes away in {REMOVED_IN}; import {name} from {new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new), name)

    return __getattr__
