"""API operations (``"GET /api/bookings/{id}"``) and which of them a run's requests exercised."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
#: The method of an operation known only by its path (``[platform.endpoints]``).
ANY = "ANY"
_PLACEHOLDER = re.compile(r"\{[^/{}]+\}")


@dataclass(frozen=True)
class Operation:
    """One API operation: a method and a path template with ``{placeholders}``."""

    method: str
    template: str

    @property
    def placeholders(self) -> int:
        return len(_PLACEHOLDER.findall(self.template))

    def matches(self, method: str, path: str) -> bool:
        if self.method not in (ANY, method.upper()):
            return False
        return _template_regex(self.template).match(path) is not None

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _template_regex(template: str) -> re.Pattern[str]:
    if template not in _REGEX_CACHE:
        parts = _PLACEHOLDER.split(template)
        body = "[^/]+".join(re.escape(part) for part in parts)
        _REGEX_CACHE[template] = re.compile(f"^{body}/?$")
    return _REGEX_CACHE[template]


def parse_operation(text: str) -> Operation:
    """Parse ``"GET /api/services"``; a bare path means GET."""
    method, _, path = text.strip().partition(" ")
    if not path:
        method, path = "GET", method
    method = method.upper()
    if method not in _METHODS | {ANY} or not path.startswith("/"):
        raise ValueError(f'{text!r} is not an API operation; write it as "GET /api/services"')
    return Operation(method, path.strip())


def operations_from_openapi(document: Mapping[str, object]) -> list[Operation]:
    """The operations an OpenAPI 3 document declares under ``paths``."""
    paths = document.get("paths")
    found: list[Operation] = []
    if isinstance(paths, Mapping):
        for template, item in paths.items():
            if isinstance(item, Mapping):
                found.extend(
                    Operation(method.upper(), str(template))
                    for method in item
                    if method.upper() in _METHODS
                )
    return found


@dataclass(frozen=True)
class EndpointCoverage:
    """Which operations the recorded requests exercised."""

    covered: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def percent(self) -> float:
        total = len(self.covered) + len(self.missed)
        return 100.0 * len(self.covered) / total if total else float("nan")


def endpoint_coverage(
    operations: Iterable[Operation], requests: Iterable[tuple[str, str]]
) -> EndpointCoverage:
    """Match ``(method, path)`` requests to operations; the most literal template wins."""
    ordered = sorted(set(operations), key=lambda op: (op.placeholders, op.template, op.method))
    hit: set[Operation] = set()
    for method, path in set(requests):
        path = path.split("?", 1)[0]
        for operation in ordered:
            if operation.matches(method, path):
                hit.add(operation)
                break
    covered = tuple(sorted(str(op) for op in hit))
    missed = tuple(sorted(str(op) for op in set(ordered) - hit))
    return EndpointCoverage(covered, missed)
