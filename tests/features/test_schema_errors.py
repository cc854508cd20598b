"""A feature file that breaks the format is a collection error naming file, line and field."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest
from features_support import Write, run_inprocess

from pytest_deploygate.features.schema import FeatureSchemaError, load_feature

HEAD = """\
feature: Broken
data:
  customer_name: Tester
cases:
  - name: One
    steps:
"""

# (id, file text, the error line after "<file>:"), every problem the loader reports.
ERRORS = [
    (
        "unknown-step",
        HEAD + "      - clik: service-card\n",
        "7: cases[0].steps[0]: unknown step 'clik'; did you mean 'click'? expected one of: "
        "navigate, fill, click, verify, api_call, save",
    ),
    (
        "two-steps-in-one-item",
        HEAD + "      - click: a\n        fill: {field: b, value: c}\n",
        "7: cases[0].steps[0]: one step per list item, got click and fill; write each as its own "
        "'- ' item",
    ),
    (
        "step-not-a-mapping",
        HEAD + "      - navigate /book\n",
        "7: cases[0].steps[0]: expected a step, a mapping with one of navigate, fill, click, "
        "verify, api_call, save, got a string",
    ),
    (
        "missing-step-field",
        HEAD + "      - fill: {field: customer-name}\n",
        "7: cases[0].steps[0].fill: missing required field 'value'",
    ),
    (
        "missing-top-level-field",
        "feature: No cases\ndescription: nothing to run\n",
        "1: file: missing required field 'cases'",
    ),
    (
        "missing-case-name",
        "feature: F\ncases:\n  - steps:\n      - navigate: /\n",
        "3: cases[0]: missing required field 'name'",
    ),
    (
        "unknown-field",
        HEAD + "      - verify: {visibel: booking-confirmation}\n",
        "7: cases[0].steps[0].verify.visibel: unknown field 'visibel'; did you mean 'visible'?*",
    ),
    (
        "unknown-top-level-field",
        "feature: F\nenviroments: [local]\ncases: []\n",
        "2: enviroments: unknown field 'enviroments'; did you mean 'environments'?*",
    ),
    (
        "number-where-text-belongs",
        HEAD + "      - fill: {field: customer-phone, value: +27123456789}\n",
        "7: cases[0].steps[0].fill.value: expected a string, got an integer +27123456789; quote "
        'it: "+27123456789"',
    ),
    (
        "bad-timeout",
        HEAD + "      - click: {target: submit-booking, timeout_ms: soon}\n",
        "7: cases[0].steps[0].click.timeout_ms: expected milliseconds (a positive integer), got "
        "a string",
    ),
    (
        "bad-status",
        HEAD + "      - api_call: {method: GET, path: /api/health, status: ok}\n",
        "7: cases[0].steps[0].api_call.status: expected an HTTP status 100-599 or a list of them, "
        "got a string 'ok'",
    ),
    (
        "unknown-method",
        HEAD + "      - api_call: {method: FETCH, path: /api/health}\n",
        "7: cases[0].steps[0].api_call.method: unknown method 'FETCH'; did you mean 'PATCH'?*",
    ),
    (
        "unknown-role",
        HEAD + "      - api_call: {method: GET, path: /api/items, as: root}\n",
        "7: cases[0].steps[0].api_call.as: unknown role 'root'; expected one of: anonymous, "
        "admin, customer",
    ),
    (
        "absolute-url",
        HEAD + "      - navigate: https://elsewhere.example/book\n",
        "7: cases[0].steps[0].navigate: 'https://elsewhere.example/book' must be a path on the "
        "environment starting with '/' (the base URL comes from --env)",
    ),
    (
        "unknown-json-check",
        HEAD + "      - api_call:\n          method: GET\n          path: /api/items/7\n"
        "          expect:\n            id: {exist: true}\n",
        "11: cases[0].steps[0].api_call.expect.id.exist: unknown field 'exist'; did you mean "
        "'exists'?*",
    ),
    (
        "bad-regex",
        HEAD + "      - verify: {text: booking-reference, matches: '^BK('}\n",
        "7: cases[0].steps[0].verify.matches: not a valid regular expression: *",
    ),
    (
        "verify-two-checks",
        HEAD + "      - verify: {visible: a, url: /book}\n",
        "7: cases[0].steps[0].verify: name exactly one check of visible, hidden, text, url, got "
        "visible and url",
    ),
    (
        "verify-text-without-expectation",
        HEAD + "      - verify: {text: booking-reference}\n",
        "7: cases[0].steps[0].verify: verify text needs exactly one of contains, equals, "
        "matches (what the text must be), got none",
    ),
    (
        "date-in-json",
        HEAD + "      - api_call:\n          method: POST\n          path: /api/bookings\n"
        "          json: {scheduledDate: 2025-01-15}\n",
        "10: cases[0].steps[0].api_call.json.scheduledDate: a date is not a JSON value; quote "
        'it: "2025-01-15"',
    ),
    (
        "undefined-variable",
        HEAD + "      - fill: {field: customer-name, value: '${customer_nam}'}\n",
        "7: cases[0].steps[0].fill.value: ${customer_nam} is not defined here (did you mean "
        "${customer_name}?); define it under data:, save it in an earlier step, or use a "
        "built-in: run_id, today, tomorrow, test_cards.<kind>",
    ),
    (
        "variable-used-before-it-is-saved",
        HEAD + "      - navigate: /book/${reference}\n"
        "      - save: {name: reference, text: booking-reference}\n",
        "7: cases[0].steps[0].navigate: ${reference} is not defined here*",
    ),
    (
        "save-json-without-api-call",
        HEAD + "      - save: {name: booking_id, json: id}\n",
        "7: cases[0].steps[0].save.json: save from json reads the last api_call's response, and "
        "no api_call comes before it in this case",
    ),
    (
        "unknown-prerequisite",
        "feature: F\nprerequisites: [database_connected]\ncases: []\n",
        "2: prerequisites: unknown name 'database_connected'; did you mean 'database'?*",
    ),
    (
        "no-cases",
        "feature: F\ncases: []\n",
        "2: cases: expected a non-empty list of cases, got a list",
    ),
    (
        "no-steps",
        "feature: F\ncases:\n  - name: Empty\n    steps:\n",
        "4: cases[0].steps: expected a non-empty list of steps, got null",
    ),
    (
        "duplicate-case-name",
        HEAD + "      - navigate: /\n  - name: One\n    steps:\n      - navigate: /\n",
        "8: cases[1].name: a second case named 'One'; give every case of a file its own name",
    ),
    (
        "duplicate-key",
        "feature: F\nfeature: G\ncases: []\n",
        "2: feature: 'feature' appears twice in the same file; keep one",
    ),
    (
        "wrong-type-destructive",
        "feature: F\ndestructive: maybe\ncases: []\n",
        "2: destructive: expected true or false, got a string",
    ),
    (
        "yaml-syntax",
        "feature: F\ncases:\n  - name: [unclosed\n",
        "4: not valid YAML: *; fix the syntax",
    ),
    ("empty-file", "", "1: the file is empty; a feature file needs feature: and cases:"),
]


@pytest.mark.parametrize(("text", "expected"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_the_loader_names_line_field_and_fix(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "broken.feature.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(FeatureSchemaError) as caught:
        load_feature(path, "broken.feature.yaml")

    assert str(caught.value).count("\n") == 0  # one line
    assert _matches(str(caught.value), f"broken.feature.yaml:{expected}"), str(caught.value)


def _pattern(expected: str) -> str:
    """``expected`` as an fnmatch pattern: ``*`` is a wildcard, brackets are literal."""
    return re.sub(r"[\[\]]", lambda bracket: f"[{bracket.group()}]", expected)


def _matches(text: str, expected: str) -> bool:
    return fnmatch.fnmatchcase(text, _pattern(expected))


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.feature.yaml"
    path.write_bytes("feature: Café\ncases:\n  - name: Crème\n".encode("latin-1"))

    with pytest.raises(FeatureSchemaError) as caught:
        load_feature(path, "latin1.feature.yaml")

    assert str(caught.value).startswith("latin1.feature.yaml:1: not UTF-8 text (")
    assert str(caught.value).endswith("); save the file as UTF-8")


def test_every_schema_error_is_a_collection_error_naming_the_file(
    feature_project: pytest.Pytester, write_feature: Write
) -> None:
    # Given one broken feature file per kind of problem, and one good one
    for name, text, _ in ERRORS:
        path = feature_project.path / "suites" / "features" / f"{name}.feature.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    write_feature(
        "suites/features/good.feature.yaml",
        "feature: Good\ncases:\n  - name: Fine\n    steps:\n      - navigate: /\n",
    )

    # When the suite is collected
    result = run_inprocess(feature_project, "--env=stub", "--collect-only")

    # Then each broken file is one collection error with its file, line, field and fix,
    # and the good file's case is still collected
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([f"*{len(ERRORS)} errors*"])
    for name, _, expected in ERRORS:
        result.stdout.fnmatch_lines([_pattern(f"suites/features/{name}.feature.yaml:{expected}")])
    result.stdout.fnmatch_lines(["*<FeatureCase Fine>*"])


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            "environments: [stagging]",
            "2: environments: unknown name 'stagging'; expected one of: bare, prod, stub",
        ),
        (
            "markers: [smok]",
            "2: markers: unknown name 'smok'; did you mean 'smoke'?*",
        ),
    ],
    ids=["unknown-environment", "unregistered-marker"],
)
def test_environments_and_markers_must_be_known_to_the_project(
    feature_project: pytest.Pytester, write_feature: Write, field: str, expected: str
) -> None:
    # Given a feature naming an environment not in environments.toml, or an unknown marker
    write_feature(
        "suites/features/names.feature.yaml",
        f"feature: F\n{field}\ncases:\n  - name: C\n    steps:\n      - navigate: /\n",
    )

    result = run_inprocess(feature_project, "--env=stub", "--collect-only")

    result.stdout.fnmatch_lines([_pattern(f"suites/features/names.feature.yaml:{expected}")])


def test_the_documented_example_is_valid(tmp_path: Path) -> None:
    """FORMAT.md's full example loads: the documentation cannot drift from the schema."""
    fmt = (
        Path(__file__).resolve().parents[2]
        / "pytest_deploygate"
        / "suites"
        / "features"
        / "FORMAT.md"
    )
    example = fmt.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.feature.yaml"
    path.write_text(example, encoding="utf-8")

    feature = load_feature(path)

    kinds = {type(step).__name__ for case in feature.cases for step in case.steps}
    assert kinds == {"Navigate", "Fill", "Click", "Verify", "ApiCall", "Save"}
