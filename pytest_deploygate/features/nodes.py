"""Reading composed YAML nodes strictly: each reader names the line and field it rejects."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml

from pytest_deploygate.features import model
from pytest_deploygate.features.variables import NAME, references

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
BOOL = "tag:yaml.org,2002:bool"
FLOAT = "tag:yaml.org,2002:float"
NULL = "tag:yaml.org,2002:null"
_TYPE_NAMES = {
    STR: "a string",
    INT: "an integer",
    BOOL: "a boolean",
    FLOAT: "a number",
    NULL: "null",
    "tag:yaml.org,2002:timestamp": "a date",
}


class FeatureSchemaError(Exception):
    """A feature file breaks the format; ``str()`` is the one line to show."""

    def __init__(self, source: str, line: int, field: str, problem: str) -> None:
        self.source, self.line, self.field, self.problem = source, line, field, problem
        where = f" {field}:" if field else ""
        super().__init__(f"{source}:{line}:{where} {problem}")


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def kind_of(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return _TYPE_NAMES.get(node.tag, str(node.tag))


def choices(value: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(value, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}expected one of: {', '.join(known)}"


@dataclass
class Scope:
    """What a step may refer to: defined names, and whether an api_call came earlier."""

    names: set[str] = field(default_factory=set)
    after_api_call: bool = False


Fields = dict[str, tuple[yaml.Node, yaml.Node]]


class NodeReader:
    """Typed readers over YAML nodes; the first problem raises :class:`FeatureSchemaError`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node | int, where: str, problem: str) -> NoReturn:
        line = node if isinstance(node, int) else line_of(node)
        raise FeatureSchemaError(self.source, line, where, problem)

    def mapping(
        self,
        node: yaml.Node,
        where: str,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] | None = None,
    ) -> Fields:
        """Key → (key node, value node); ``optional=None`` allows any key (a free mapping)."""
        label = where or "file"
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, where, f"expected a mapping, got {kind_of(node)}")
        fields: Fields = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, where)
            if key in fields:
                self.fail(
                    key_node,
                    f"{where}.{key}".lstrip("."),
                    f"{key!r} appears twice in the same {label}; keep one",
                )
            if optional is not None and key not in required and key not in optional:
                self.fail(
                    key_node,
                    f"{where}.{key}".lstrip("."),
                    f"unknown field {key!r}; {choices(key, (*required, *optional))}",
                )
            fields[key] = (key_node, value_node)
        missing = [key for key in required if key not in fields]
        if missing:
            self.fail(node, where or "file", f"missing required field {missing[0]!r}")
        return fields

    def key(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != STR:
            self.fail(node, where or "file", f"a key must be a string, got {kind_of(node)}")
        return str(node.value)

    def value(self, node: yaml.Node) -> Any:
        return self.constructor.construct_object(node, deep=True)

    def text(
        self,
        node: yaml.Node,
        where: str,
        scope: Scope | None = None,
        allow_empty: bool = False,
    ) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != STR:
            shown = f" {node.value}" if isinstance(node, yaml.ScalarNode) else ""
            fix = f'; quote it: "{node.value}"' if isinstance(node, yaml.ScalarNode) else ""
            self.fail(node, where, f"expected a string, got {kind_of(node)}{shown}{fix}")
        text = str(node.value)
        if not text.strip() and not allow_empty:
            self.fail(node, where, "must not be empty")
        if scope is not None:
            for name in references(text):
                head = name.split(".")[0]
                if name.startswith(model.BUILTIN_PREFIXES) or head in scope.names:
                    continue
                hint = difflib.get_close_matches(head, sorted(scope.names), n=1)
                self.fail(
                    node,
                    where,
                    f"${{{name}}} is not defined here"
                    + (f" (did you mean ${{{hint[0]}}}?)" if hint else "")
                    + "; define it under data:, save it in an earlier step, or use a "
                    f"built-in: {', '.join(model.BUILTINS)}, test_cards.<kind>",
                )
        return text

    def path_text(self, node: yaml.Node, where: str, scope: Scope) -> str:
        text = self.text(node, where, scope)
        if not text.startswith(("/", "${")):
            self.fail(
                node,
                where,
                f"{text!r} must be a path on the environment starting with "
                "'/' (the base URL comes from --env)",
            )
        return text

    def optional_text(self, fields: Fields, key: str) -> str:
        return self.text(fields[key][1], key, allow_empty=True) if key in fields else ""

    def optional_bool(self, fields: Fields, key: str) -> bool | None:
        if key not in fields:
            return None
        node = fields[key][1]
        if node.tag != BOOL:
            self.fail(node, key, f"expected true or false, got {kind_of(node)}")
        return bool(self.value(node))

    def timeout(self, fields: Fields, where: str, default: int = model.DEFAULT_TIMEOUT_MS) -> int:
        if "timeout_ms" not in fields:
            return default
        node = fields["timeout_ms"][1]
        value = self.value(node) if node.tag == INT else 0
        if not isinstance(value, int) or value <= 0:
            self.fail(
                node,
                f"{where}.timeout_ms",
                f"expected milliseconds (a positive integer), got {kind_of(node)}",
            )
        return value

    def regex(self, node: yaml.Node, where: str, pattern: str) -> None:
        if references(pattern):
            return  # checked once the values are known
        try:
            re.compile(pattern)
        except re.error as exc:
            self.fail(node, where, f"not a valid regular expression: {exc}")

    def names(self, fields: Fields, key: str, known: Collection[str] | None) -> tuple[str, ...]:
        if key not in fields:
            return ()
        node = fields[key][1]
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, key, f"expected a list of names, got {kind_of(node)}")
        names = []
        for item in node.value:
            name = self.text(item, key)
            if known is not None and name not in known:
                self.fail(item, key, f"unknown name {name!r}; {choices(name, sorted(known))}")
            names.append(name)
        return tuple(names)

    def data(self, fields: Fields, key: str, where: str) -> dict[str, Any]:
        """``data:``: names for ``${...}``; their values may use the built-ins only."""
        if key not in fields:
            return {}
        values: dict[str, Any] = {}
        scope = Scope(names=set(model.BUILTINS))
        for name, (key_node, value) in self.mapping(fields[key][1], where).items():
            if not NAME.fullmatch(name) or name in model.BUILTINS:
                self.fail(
                    key_node,
                    f"{where}.{name}",
                    f"{name!r} cannot be a variable name; "
                    f"use letters, digits and _ (not {', '.join(model.BUILTINS)})",
                )
            values[name] = self.json(value, f"{where}.{name}", scope)
        return values

    def json(self, node: yaml.Node, where: str, scope: Scope) -> Any:
        """A JSON value, with ``${...}`` in its strings checked against the scope."""
        if isinstance(node, yaml.MappingNode):
            return {
                key: self.json(value, f"{where}.{key}", scope)
                for key, (_, value) in self.mapping(node, where).items()
            }
        if isinstance(node, yaml.SequenceNode):
            return [self.json(item, f"{where}[{i}]", scope) for i, item in enumerate(node.value)]
        if node.tag == STR:
            return self.text(node, where, scope, allow_empty=True)
        if node.tag not in (INT, FLOAT, BOOL, NULL):
            self.fail(node, where, f'{kind_of(node)} is not a JSON value; quote it: "{node.value}"')
        return self.value(node)
