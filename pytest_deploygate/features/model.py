"""What a feature file says, as plain frozen data: a feature, its cases, their steps."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

#: Methods that read only; an api_call with any other method makes its case destructive.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: Who an api_call speaks as: the ``api``, ``admin_api`` and ``customer_api`` fixtures.
ROLES = ("anonymous", "admin", "customer")
#: Prerequisites a feature may name; each maps to the core's ``requires(...)`` marker.
PREREQUISITES = ("database", "auth", "payment", "email", "sms")
#: Names a step may use in ``${...}`` without defining them (see FORMAT.md).
BUILTINS = ("run_id", "today", "tomorrow")
BUILTIN_PREFIXES = ("test_cards.", "endpoints.")
#: A bare data-testid name; any other target is a Playwright selector used as written.
TESTID = re.compile(r"[a-z0-9][a-z0-9_-]*")

DEFAULT_TIMEOUT_MS = 5000
NAVIGATE_TIMEOUT_MS = 15000

TextMode = Literal["contains", "equals", "matches"]
SaveSource = Literal["json", "header", "text", "url"]


@dataclass(frozen=True)
class Navigate:
    line: int
    path: str
    timeout_ms: int = NAVIGATE_TIMEOUT_MS

    def describe(self) -> str:
        return f"navigate {self.path}"


@dataclass(frozen=True)
class Fill:
    line: int
    target: str
    value: str
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    def describe(self) -> str:
        return f"fill {self.target}"


@dataclass(frozen=True)
class Click:
    line: int
    target: str
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    def describe(self) -> str:
        return f"click {self.target}"


@dataclass(frozen=True)
class Verify:
    """``visible``/``hidden`` an element, ``text`` of an element, or ``url`` of the page."""

    line: int
    check: Literal["visible", "hidden", "text", "url"]
    target: str  # the element, or for ``url`` the text the URL must contain
    expected: str = ""  # for ``text``
    mode: TextMode = "contains"
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    def describe(self) -> str:
        return f"verify {self.check} {self.target}"


@dataclass(frozen=True)
class JsonCheck:
    """One assertion on the response body: ``path`` then operator → operand."""

    line: int
    path: str
    operator: str
    operand: Any


@dataclass(frozen=True)
class ApiCall:
    line: int
    method: str
    path: str
    role: str = "anonymous"
    body: Any = None
    has_body: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    status: tuple[int, ...] = ()  # empty: any 2xx
    expect: tuple[JsonCheck, ...] = ()

    def describe(self) -> str:
        who = "" if self.role == "anonymous" else f" as {self.role}"
        return f"api_call {self.method} {self.path}{who}"


@dataclass(frozen=True)
class Save:
    line: int
    name: str
    source: SaveSource
    selector: str  # JSON path, header name, element; unused for ``url``

    def describe(self) -> str:
        where = "" if self.source == "url" else f" {self.selector}"
        return f"save {self.name} from {self.source}{where}"


Step = Navigate | Fill | Click | Verify | ApiCall | Save


def uses_browser(step: Step) -> bool:
    if isinstance(step, Navigate | Fill | Click | Verify):
        return True
    return isinstance(step, Save) and step.source in ("text", "url")


@dataclass(frozen=True)
class Case:
    name: str
    line: int
    steps: tuple[Step, ...]
    expected: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    markers: tuple[str, ...] = ()
    destructive: bool | None = None  # None: decided from the steps

    @property
    def uses_browser(self) -> bool:
        return any(uses_browser(step) for step in self.steps)

    @property
    def api_roles(self) -> tuple[str, ...]:
        """Who the case's api_call steps speak as (``anonymous`` included), in order of use."""
        return tuple(dict.fromkeys(s.role for s in self.steps if isinstance(s, ApiCall)))

    @property
    def roles(self) -> tuple[str, ...]:
        """The credential roles the case's api_call steps log in as."""
        return tuple(role for role in self.api_roles if role != "anonymous")

    @property
    def writes(self) -> bool:
        """Whether a step may create or change data: a writing api_call, or any click.

        A click may submit a form and nothing in the file says otherwise, so it counts as a
        write (safe by default); a case whose clicks only navigate says ``destructive: false``.
        """
        return any(
            (isinstance(s, ApiCall) and s.method not in READ_METHODS) or isinstance(s, Click)
            for s in self.steps
        )


@dataclass(frozen=True)
class Feature:
    path: Path
    name: str
    cases: tuple[Case, ...]
    description: str = ""
    environments: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    markers: tuple[str, ...] = ()
    destructive: bool | None = None

    def is_destructive(self, case: Case) -> bool:
        for explicit in (case.destructive, self.destructive):
            if explicit is not None:
                return explicit
        return case.writes

    def requires(self, case: Case) -> tuple[str, ...]:
        """The parts of the environment the case needs, for the core's ``requires`` marker.

        ``auth`` means the credential roles the case logs in as (``customer`` when it names
        none); every other prerequisite is a part the core knows (database, a service).
        """
        parts: list[str] = []
        for prerequisite in self.prerequisites:
            if prerequisite == "auth":
                parts.extend(case.roles or ("customer",))
            else:
                parts.append(prerequisite)
        parts.extend(case.roles)
        return tuple(dict.fromkeys(parts))
