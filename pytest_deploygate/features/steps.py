"""Running a case's steps: a Playwright page for browser steps, the deploygate clients for
api_call. A failed step raises :class:`StepFailure` saying what it expected and what it saw.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from pytest_deploygate.features.assertions import PathMissing, at_path, check, describe
from pytest_deploygate.features.model import (
    DEFAULT_TIMEOUT_MS,
    TESTID,
    ApiCall,
    Case,
    Click,
    Feature,
    Fill,
    Navigate,
    Save,
    Step,
    Verify,
)
from pytest_deploygate.features.variables import UndefinedVariable, scope_lookup, substitute


class StepFailure(Exception):
    """What a step expected and what it saw; the runner prefixes which step it was."""


@dataclass
class Context:
    """Everything the steps of one case share."""

    platform: Any  # pytest_deploygate.Platform: selector(), test_cards
    clients: Mapping[str, Any] = field(default_factory=dict)  # role → InstrumentedClient
    page: Any = None  # a Playwright Page when the case has browser steps
    page_loads: Any = None  # a browser.PageLoadRecorder: page.load_ms for the gates
    data: Mapping[str, Any] = field(default_factory=dict)
    builtins: Mapping[str, Any] = field(default_factory=dict)
    saved: dict[str, Any] = field(default_factory=dict)
    response: httpx.Response | None = None

    def lookup(self) -> Callable[[str], Any]:
        return scope_lookup(self.saved, self.data, self.builtins)

    def resolve(self, value: Any) -> Any:
        try:
            return substitute(value, self.lookup())
        except UndefinedVariable as missing:
            raise StepFailure(f"${{{missing.name}}} has no value in this environment") from None

    def text(self, value: str) -> str:
        return str(self.resolve(value))

    def selector(self, target: str) -> str:
        """A bare data-testid name through ``[platform.selectors]``; anything else as written."""
        target = self.text(target)
        return str(self.platform.selector(target)) if TESTID.fullmatch(target) else target


def builtin_values(
    run_id: str, test_cards: Mapping[str, str], endpoints: Mapping[str, str] | None = None
) -> dict[str, Any]:
    today = datetime.date.today()
    return {
        "run_id": run_id,
        "today": today.isoformat(),
        "tomorrow": (today + datetime.timedelta(days=1)).isoformat(),
        "test_cards": dict(test_cards),
        # ${endpoints.book}: a feature file names the page, the platform's path comes from
        # [platform.endpoints].
        "endpoints": dict(endpoints or {}),
    }


def describe_step(step: Step, context: Context) -> str:
    """``verify visible [data-testid="x"]``: the step with its values filled in where known."""
    try:
        if isinstance(step, Click | Fill):
            kind = "click" if isinstance(step, Click) else "fill"
            return f"{kind} {context.selector(step.target)}"
        if isinstance(step, Verify) and step.check != "url":
            return f"verify {step.check} {context.selector(step.target)}"
        if isinstance(step, ApiCall):
            return step.describe().replace(step.path, context.text(step.path), 1)
    except StepFailure:  # a value missing at run time: show the step as written
        pass
    return step.describe()


def run_step(step: Step, context: Context) -> None:
    if isinstance(step, ApiCall):
        _api_call(step, context)
    elif isinstance(step, Save):
        _save(step, context)
    else:
        _browser_step(step, context)


# api_call


def _api_call(step: ApiCall, context: Context) -> None:
    client = context.clients[step.role]
    path = context.text(step.path)
    options: dict[str, Any] = {"headers": {k: context.text(v) for k, v in step.headers.items()}}
    if step.has_body:
        options["json"] = context.resolve(step.body)
    try:
        response = client.request(step.method, path, **options)
    except httpx.HTTPError as error:
        raise StepFailure(
            f"expected an answer, saw none: {type(error).__name__}: {error}"
        ) from None
    context.response = response
    if step.status and response.status_code not in step.status:
        wanted = " or ".join(map(str, step.status))
        raise StepFailure(
            f"expected status {wanted}, saw {response.status_code}: {_excerpt(response)}"
        )
    if not step.status and not response.is_success:
        raise StepFailure(
            f"expected a 2xx status, saw {response.status_code}: {_excerpt(response)}"
        )
    if step.expect:
        body = _json(response)
        for item in step.expect:
            problem = check(body, item.path, item.operator, context.resolve(item.operand))
            if problem is not None:
                raise StepFailure(f"{problem} (expect: line {item.line})")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        raise StepFailure(f"expected a JSON body, saw {kind}: {_excerpt(response)}") from None


def _excerpt(response: httpx.Response, limit: int = 200) -> str:
    text = " ".join(response.text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…") if text else "empty body"


# save


def _save(step: Save, context: Context) -> None:
    if step.source in ("json", "header"):
        response = context.response
        if response is None:  # the schema puts an api_call first; a failed one stopped the case
            raise StepFailure("expected an earlier api_call's response, saw none")
        if step.source == "header":
            header = context.text(step.selector)
            if header not in response.headers:
                shown = ", ".join(response.headers.keys())
                raise StepFailure(f"expected a {header} header, saw only: {shown}")
            context.saved[step.name] = response.headers[header]
            return
        try:
            context.saved[step.name] = at_path(_json(response), context.text(step.selector))
        except PathMissing as missing:
            raise StepFailure(f"expected a value at {step.selector}, saw none: {missing}") from None
        return
    page = context.page
    if step.source == "url":
        context.saved[step.name] = page.url
        return
    selector = context.selector(step.selector)
    context.saved[step.name] = _browser(
        lambda: page.locator(selector).first.inner_text(timeout=DEFAULT_TIMEOUT_MS).strip(),
        lambda: "expected an element to read, saw " + _saw(page, selector, DEFAULT_TIMEOUT_MS),
    )


# browser steps


def _browser(action: Callable[[], Any], saw: Callable[[], str]) -> Any:
    """Run a Playwright action; a timeout becomes a StepFailure built by ``saw``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        return action()
    except PlaywrightTimeout:
        raise StepFailure(saw()) from None


def _state(page: Any, selector: str) -> str:
    """How an element looks right now: absent, hidden, disabled or visible."""
    locator = page.locator(selector)
    if locator.count() == 0:
        return "absent"
    if not locator.first.is_visible():
        return "hidden"
    return "visible" if locator.first.is_enabled() else "disabled"


def _saw(page: Any, selector: str, ms: int, actionable: bool = False) -> str:
    state = _state(page, selector)
    if actionable and state == "visible":
        state = "visible but not actionable (covered by another element?)"
    return f"{state} after {ms} ms on {_where(page)}"


def _where(page: Any) -> str:
    url = httpx.URL(page.url)
    return url.raw_path.decode("ascii", "replace") or "/"


def _browser_step(step: Step, context: Context) -> None:
    from playwright.sync_api import Error as PlaywrightError

    try:
        if isinstance(step, Navigate):
            _navigate(step, context)
        elif isinstance(step, Click | Fill):
            _act(step, context)
        elif isinstance(step, Verify):
            _verify(step, context)
    except PlaywrightError as error:
        lines = str(error).strip().splitlines()
        raise StepFailure(f"the browser reported: {lines[0] if lines else repr(error)}") from None


def _navigate(step: Navigate, context: Context) -> None:
    response = context.page.goto(context.text(step.path), timeout=step.timeout_ms)
    if response is not None and response.status >= 400:
        raise StepFailure(f"expected the page to load, saw HTTP {response.status}")
    if context.page_loads is not None:
        context.page_loads.measure(context.page)


def _act(step: Click | Fill, context: Context) -> None:
    page, ms = context.page, step.timeout_ms
    selector = context.selector(step.target)
    locator = page.locator(selector).first
    if isinstance(step, Click):
        action, wanted = (lambda: locator.click(timeout=ms)), "a visible, enabled element to click"
    else:
        value = context.text(step.value)
        action, wanted = (lambda: locator.fill(value, timeout=ms)), "a visible, editable field"
    _browser(action, lambda: f"expected {wanted}, saw " + _saw(page, selector, ms, actionable=True))


def _verify(step: Verify, context: Context) -> None:
    from playwright.sync_api import expect

    page, ms = context.page, step.timeout_ms
    if step.check == "url":
        wanted = context.text(step.target)
        try:
            expect(page).to_have_url(re.compile(re.escape(wanted)), timeout=ms)
        except AssertionError:
            raise StepFailure(f"expected the URL to contain {wanted!r}, saw {page.url}") from None
        return
    selector = context.selector(step.target)
    locator = page.locator(selector).first
    if step.check in ("visible", "hidden"):
        _browser(
            lambda: locator.wait_for(state=step.check, timeout=ms),
            lambda: f"expected {step.check}, saw " + _saw(page, selector, ms),
        )
        return
    expected = context.text(step.expected)
    try:
        if step.mode == "contains":
            expect(locator).to_contain_text(expected, timeout=ms)
        elif step.mode == "equals":
            expect(locator).to_have_text(expected, timeout=ms)
        else:
            expect(locator).to_have_text(re.compile(expected), timeout=ms)
    except AssertionError:
        if _state(page, selector) == "absent":
            saw = f"no such element after {ms} ms"
        else:
            saw = describe(locator.inner_text(timeout=1000).strip())
        raise StepFailure(
            f"expected text {step.mode} {expected!r}, saw {saw} on {_where(page)}"
        ) from None


def run_case(feature: Feature, case: Case, source: str, context: Context) -> None:
    """Run ``case`` step by step; the first failing step fails the test, naming itself."""
    problem = _first_problem(feature, case, source, context)
    if problem is not None:
        # Failed outside any except block, so the report shows no exception chain.
        pytest.fail(problem, pytrace=False)


def _first_problem(feature: Feature, case: Case, source: str, context: Context) -> str | None:
    lookup = scope_lookup(context.builtins)
    try:
        # Data may use the built-ins (deploygate-${run_id}@example.com); a case's data wins.
        context.data = {
            name: substitute(value, lookup) for name, value in {**feature.data, **case.data}.items()
        }
    except UndefinedVariable as missing:
        return (
            f'case "{case.name}" ({source}:{case.line}): data uses ${{{missing.name}}}, which '
            "has no value in this environment"
        )
    for number, step in enumerate(case.steps, start=1):
        try:
            run_step(step, context)
        except StepFailure as failure:
            return (
                f'step {number} of case "{case.name}" ({source}:{step.line}): '
                f"{describe_step(step, context)}: {failure}"
            )
    return None
