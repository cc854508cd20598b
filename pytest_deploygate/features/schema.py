"""The strict, line-aware loader of ``*.feature.yaml`` files (the format is in FORMAT.md).

YAML is composed into nodes, not loaded into values, so every problem can name the line it is
on. The first problem ends loading with one :class:`FeatureSchemaError` line: file, line, field,
what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from pytest_deploygate.features import model
from pytest_deploygate.features.model import (
    ApiCall,
    Case,
    Click,
    Feature,
    Fill,
    JsonCheck,
    Navigate,
    Save,
    Step,
    Verify,
)
from pytest_deploygate.features.nodes import (
    BOOL,
    INT,
    FeatureSchemaError,
    NodeReader,
    Scope,
    choices,
    kind_of,
    line_of,
)
from pytest_deploygate.features.variables import NAME

__all__ = ["FeatureSchemaError", "load_feature"]

STEP_KINDS = ("navigate", "fill", "click", "verify", "api_call", "save")
JSON_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
JSON_OPERATORS = ("equals", "contains", "matches", "type", "exists", "min_items")
VERIFY_CHECKS = ("visible", "hidden", "text", "url")
TEXT_MODES = ("contains", "equals", "matches")
SAVE_SOURCES = ("json", "header", "text", "url")


def load_feature(
    path: Path,
    source: str | None = None,
    environments: Collection[str] | None = None,
    markers: Collection[str] | None = None,
) -> Feature:
    """Read and check ``path``; ``source`` is how messages name it (default: the path).

    ``environments`` and ``markers``, when given, are the names a file may use.
    """
    source = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise FeatureSchemaError(
            source, line, "", f"not UTF-8 text ({exc.reason}); save the file as UTF-8"
        ) from None
    return _Parser(path, source, environments, markers).feature(text)


class _Parser(NodeReader):
    def __init__(
        self,
        path: Path,
        source: str,
        environments: Collection[str] | None,
        markers: Collection[str] | None,
    ) -> None:
        super().__init__(source)
        self.path = path
        self.environments = environments
        self.markers = markers

    def feature(self, text: str) -> Feature:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            self.fail(line, "", f"not valid YAML: {exc.problem or exc.context}; fix the syntax")
        if root is None:
            self.fail(1, "", "the file is empty; a feature file needs feature: and cases:")
        fields = self.mapping(
            root,
            "",
            required=("feature", "cases"),
            optional=(
                "description",
                "environments",
                "prerequisites",
                "data",
                "markers",
                "destructive",
            ),
        )
        # The feature's own fields first, then its cases: errors come in file order.
        name = self.text(fields["feature"][1], "feature")
        description = self.optional_text(fields, "description")
        environments = self.names(fields, "environments", self.environments)
        prerequisites = self.names(fields, "prerequisites", model.PREREQUISITES)
        data = self.data(fields, "data", "data")
        markers = self.names(fields, "markers", self.markers)
        destructive = self.optional_bool(fields, "destructive")
        cases_node = fields["cases"][1]
        if not isinstance(cases_node, yaml.SequenceNode) or not cases_node.value:
            self.fail(
                cases_node,
                "cases",
                f"expected a non-empty list of cases, got {kind_of(cases_node)}",
            )
        cases: list[Case] = []
        for index, node in enumerate(cases_node.value):
            case = self.case(node, f"cases[{index}]", set(data))
            if any(c.name == case.name for c in cases):
                self.fail(
                    node,
                    f"cases[{index}].name",
                    f"a second case named {case.name!r}; give every case of a file its own name",
                )
            cases.append(case)
        return Feature(
            path=self.path,
            name=name,
            description=description,
            environments=environments,
            prerequisites=prerequisites,
            data=data,
            markers=markers,
            destructive=destructive,
            cases=tuple(cases),
        )

    def case(self, node: yaml.Node, where: str, feature_data: set[str]) -> Case:
        fields = self.mapping(
            node,
            where,
            required=("name", "steps"),
            optional=("expected", "data", "markers", "destructive"),
        )
        name = self.text(fields["name"][1], f"{where}.name")
        if "::" in name or "\n" in name:
            self.fail(
                fields["name"][1],
                f"{where}.name",
                "a case name may not contain '::' or a line break (it becomes part of the test id)",
            )
        data = self.data(fields, "data", f"{where}.data")
        steps_node = fields["steps"][1]
        if not isinstance(steps_node, yaml.SequenceNode) or not steps_node.value:
            self.fail(
                steps_node,
                f"{where}.steps",
                f"expected a non-empty list of steps, got {kind_of(steps_node)}",
            )
        scope = Scope(names=set(model.BUILTINS) | feature_data | set(data))
        steps = tuple(
            self.step(step, f"{where}.steps[{index}]", scope)
            for index, step in enumerate(steps_node.value)
        )
        return Case(
            name=name,
            line=line_of(node),
            steps=steps,
            expected=self.optional_text(fields, "expected"),
            data=data,
            markers=self.names(fields, "markers", self.markers),
            destructive=self.optional_bool(fields, "destructive"),
        )

    # Steps

    def step(self, node: yaml.Node, where: str, scope: Scope) -> Step:
        if not isinstance(node, yaml.MappingNode) or not node.value:
            self.fail(
                node,
                where,
                f"expected a step, a mapping with one of "
                f"{', '.join(STEP_KINDS)}, got {kind_of(node)}",
            )
        kinds = [self.key(k, where) for k, _ in node.value]
        if len(kinds) > 1:
            self.fail(
                node,
                where,
                f"one step per list item, got {' and '.join(kinds)}; "
                "write each as its own '- ' item",
            )
        kind, (_, value) = kinds[0], node.value[0]
        if kind not in STEP_KINDS:
            self.fail(node, where, f"unknown step {kind!r}; {choices(kind, STEP_KINDS)}")
        parse: Callable[[yaml.Node, str, Scope], Step] = getattr(self, f"step_{kind}")
        # Messages point at the step's "- kind:" line, not at its first field.
        step = replace(parse(value, f"{where}.{kind}", scope), line=line_of(node))
        if isinstance(step, ApiCall):
            scope.after_api_call = True
        return step

    def step_navigate(self, node: yaml.Node, where: str, scope: Scope) -> Step:
        if isinstance(node, yaml.ScalarNode):
            return Navigate(line_of(node), self.path_text(node, where, scope))
        fields = self.mapping(node, where, required=("path",), optional=("timeout_ms",))
        return Navigate(
            line_of(node),
            self.path_text(fields["path"][1], f"{where}.path", scope),
            self.timeout(fields, where, model.NAVIGATE_TIMEOUT_MS),
        )

    def step_click(self, node: yaml.Node, where: str, scope: Scope) -> Step:
        if isinstance(node, yaml.ScalarNode):
            return Click(line_of(node), self.text(node, where, scope))
        fields = self.mapping(node, where, required=("target",), optional=("timeout_ms",))
        return Click(
            line_of(node),
            self.text(fields["target"][1], f"{where}.target", scope),
            self.timeout(fields, where),
        )

    def step_fill(self, node: yaml.Node, where: str, scope: Scope) -> Step:
        fields = self.mapping(node, where, required=("field", "value"), optional=("timeout_ms",))
        return Fill(
            line_of(node),
            self.text(fields["field"][1], f"{where}.field", scope),
            self.text(fields["value"][1], f"{where}.value", scope, allow_empty=True),
            self.timeout(fields, where),
        )

    def step_verify(self, node: yaml.Node, where: str, scope: Scope) -> Step:
        fields = self.mapping(node, where, optional=(*VERIFY_CHECKS, *TEXT_MODES, "timeout_ms"))
        checks = [c for c in VERIFY_CHECKS if c in fields]
        if len(checks) != 1:
            got = " and ".join(checks) or "none"
            self.fail(
                node, where, f"name exactly one check of {', '.join(VERIFY_CHECKS)}, got {got}"
            )
        check = checks[0]
        modes = [m for m in TEXT_MODES if m in fields]
        if check == "text" and len(modes) != 1:
            self.fail(
                node,
                where,
                f"verify text needs exactly one of {', '.join(TEXT_MODES)} "
                f"(what the text must be), got {' and '.join(modes) or 'none'}",
            )
        if check != "text" and modes:
            self.fail(
                fields[modes[0]][0],
                f"{where}.{modes[0]}",
                f"only verify text takes {modes[0]}; verify {check} checks its own value",
            )
        expected, mode = "", "contains"
        if modes:
            mode = modes[0]
            expected = self.text(fields[mode][1], f"{where}.{mode}", scope)
            if mode == "matches":
                self.regex(fields[mode][1], f"{where}.{mode}", expected)
        return Verify(
            line_of(node),
            check,  # type: ignore[arg-type]
            self.text(fields[check][1], f"{where}.{check}", scope),
            expected,
            mode,  # type: ignore[arg-type]
            self.timeout(fields, where),
        )

    def step_api_call(self, node: yaml.Node, where: str, scope: Scope) -> Step:
        fields = self.mapping(
            node,
            where,
            required=("method", "path"),
            optional=("as", "json", "headers", "status", "expect"),
        )
        method_node = fields["method"][1]
        method = self.text(method_node, f"{where}.method").upper()
        if method not in model.METHODS:
            self.fail(
                method_node,
                f"{where}.method",
                f"unknown method {method!r}; {choices(method, model.METHODS)}",
            )
        role = "anonymous"
        if "as" in fields:
            role_node = fields["as"][1]
            role = self.text(role_node, f"{where}.as")
            if role not in model.ROLES:
                self.fail(
                    role_node, f"{where}.as", f"unknown role {role!r}; {choices(role, model.ROLES)}"
                )
        headers: dict[str, str] = {}
        if "headers" in fields:
            for name, (_, value) in self.mapping(fields["headers"][1], f"{where}.headers").items():
                headers[name] = self.text(value, f"{where}.headers.{name}", scope)
        return ApiCall(
            line=line_of(node),
            method=method,
            path=self.path_text(fields["path"][1], f"{where}.path", scope),
            role=role,
            body=self.json(fields["json"][1], f"{where}.json", scope) if "json" in fields else None,
            has_body="json" in fields,
            headers=headers,
            status=self.status(fields["status"][1], f"{where}.status")
            if "status" in fields
            else (),
            expect=self.expect(fields["expect"][1], f"{where}.expect", scope)
            if "expect" in fields
            else (),
        )

    def step_save(self, node: yaml.Node, where: str, scope: Scope) -> Step:
        fields = self.mapping(node, where, required=("name",), optional=SAVE_SOURCES)
        name_node = fields["name"][1]
        name = self.text(name_node, f"{where}.name")
        if not NAME.fullmatch(name) or name in model.BUILTINS:
            self.fail(
                name_node,
                f"{where}.name",
                f"{name!r} cannot be a variable name; use "
                f"letters, digits and _ (not {', '.join(model.BUILTINS)})",
            )
        sources = [s for s in SAVE_SOURCES if s in fields]
        if len(sources) != 1:
            self.fail(
                node,
                where,
                f"save from exactly one of {', '.join(SAVE_SOURCES)}, got "
                f"{' and '.join(sources) or 'none'}",
            )
        source = sources[0]
        value_node = fields[source][1]
        if source in ("json", "header") and not scope.after_api_call:
            self.fail(
                value_node,
                f"{where}.{source}",
                f"save from {source} reads the last "
                "api_call's response, and no api_call comes before it in this case",
            )
        if source == "url":
            if value_node.tag != BOOL or not self.value(value_node):
                self.fail(value_node, f"{where}.url", "write url: true (the page's URL)")
            selector = ""
        else:
            selector = self.text(value_node, f"{where}.{source}", scope)
        scope.names.add(name)
        return Save(line_of(node), name, source, selector)  # type: ignore[arg-type]

    # api_call parts

    def status(self, node: yaml.Node, where: str) -> tuple[int, ...]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        codes = []
        for item in items:
            code = self.value(item) if item.tag == INT else None
            if not isinstance(code, int) or not 100 <= code <= 599:
                self.fail(
                    item,
                    where,
                    f"expected an HTTP status 100-599 or a list of them, got "
                    f"{kind_of(item)} {getattr(item, 'value', '')!r}".rstrip(),
                )
            codes.append(code)
        return tuple(codes)

    def expect(self, node: yaml.Node, where: str, scope: Scope) -> tuple[JsonCheck, ...]:
        checks = []
        for path, (key_node, value) in self.mapping(node, where).items():
            here = f"{where}.{path}"
            if not isinstance(value, yaml.MappingNode):
                operand = self.json(value, here, scope)
                checks.append(JsonCheck(line_of(key_node), path, "equals", operand))
                continue
            operators = self.mapping(value, here, optional=JSON_OPERATORS)
            if not operators:
                self.fail(value, here, f"name a check: {', '.join(JSON_OPERATORS)}")
            for operator, (_, operand_node) in operators.items():
                checks.append(
                    JsonCheck(
                        line_of(key_node),
                        path,
                        operator,
                        self.operand(operator, operand_node, f"{here}.{operator}", scope),
                    )
                )
        return tuple(checks)

    def operand(self, operator: str, node: yaml.Node, where: str, scope: Scope) -> Any:
        if operator == "type":
            kind = self.text(node, where)
            if kind not in JSON_TYPES:
                self.fail(node, where, f"unknown JSON type {kind!r}; {choices(kind, JSON_TYPES)}")
            return kind
        if operator == "exists":
            if node.tag != BOOL:
                self.fail(node, where, f"expected true or false, got {kind_of(node)}")
            return self.value(node)
        if operator == "min_items":
            count = self.value(node) if node.tag == INT else -1
            if not isinstance(count, int) or count < 0:
                self.fail(node, where, f"expected a count (0 or more), got {kind_of(node)}")
            return count
        if operator == "matches":
            pattern = self.text(node, where, scope)
            self.regex(node, where, pattern)
            return pattern
        return self.json(node, where, scope)
