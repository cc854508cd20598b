"""Masking of secrets in anything the plugin writes: terminal lines, report metadata, messages."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

MASK = "***"
# A secret this short ("a", "pw") is also a piece of ordinary words and keys: masked everywhere it
# would turn "gates" into "g***tes" and break the documents we write. It is masked where it stands
# alone (not inside a longer run of letters and digits).
SHORT_SECRET = 4


class Masker:
    """Replaces every known secret in a text with ``***``; secrets can be added while running."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.add(*secrets)

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def add(self, *secrets: str) -> None:
        """Remember more secrets (e.g. a bearer token obtained at login)."""
        with self._lock:
            known = set(self._secrets)
            known.update(s for s in secrets if s)
            # Longest first, so a secret containing a shorter one is masked whole.
            self._secrets = tuple(sorted(known, key=len, reverse=True))

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret not in text:
                continue
            if len(secret) < SHORT_SECRET:
                text = _standing_alone(secret).sub(MASK, text)
            else:
                text = text.replace(secret, MASK)
        return text

    __call__ = mask

    def mask_all(self, value: Any) -> Any:
        """``value`` (JSON-like: strings, tables, lists) with every string masked, keys too."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, Mapping):
            return {self.mask(str(key)): self.mask_all(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_all(item) for item in value]
        return value


def _standing_alone(secret: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])")


def url_password(url: str) -> str | None:
    """The password of a URL's userinfo (``postgresql://user:pw@host/db``), if it has one."""
    try:
        return urlsplit(url).password or None
    except ValueError:
        return None


def mask(text: str, secrets: Iterable[str]) -> str:
    """One-off masking of ``text`` against ``secrets``."""
    return Masker(secrets).mask(text)
