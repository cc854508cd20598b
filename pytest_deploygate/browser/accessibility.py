"""Accessibility checks in a real browser: axe-core and the page-structure checks of the seed.

axe-core comes bundled with axe-playwright-python and is injected into the page, so it works
offline. Violation counts by impact are recorded as the ``accessibility.*`` gate metrics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: WCAG levels checked on every page.
AXE_TAGS: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21aa")

#: axe best-practice rules about headings and landmarks, added to the WCAG tags.
BEST_PRACTICE_RULES: tuple[str, ...] = (
    "page-has-heading-one",
    "heading-order",
    "empty-heading",
    "landmark-one-main",
    "region",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "landmark-complementary-is-top-level",
)

IMPACTS: tuple[str, ...] = ("critical", "serious", "moderate", "minor")

AXE_OPTIONS: dict[str, Any] = {
    "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
    "rules": {rule: {"enabled": True} for rule in BEST_PRACTICE_RULES},
    "resultTypes": ["violations"],
}

_MAX_TARGETS_SHOWN = 10

Recorder = Callable[[str, float], None]


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks, with the selectors of every offending element."""

    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]

    @classmethod
    def from_axe(cls, raw: Mapping[str, Any]) -> Violation:
        targets = tuple(
            " >>> ".join(str(part) for part in node.get("target", [])) for node in raw["nodes"]
        )
        return cls(
            rule=str(raw["id"]),
            impact=str(raw.get("impact") or "minor"),
            help=str(raw.get("help", "")),
            help_url=str(raw.get("helpUrl", "")),
            targets=targets,
        )

    def describe(self) -> str:
        shown = ", ".join(self.targets[:_MAX_TARGETS_SHOWN])
        more = len(self.targets) - _MAX_TARGETS_SHOWN
        if more > 0:
            shown += f" … and {more} more"
        return f"- {self.rule} ({self.impact}): {self.help}\n    at {shown}\n    {self.help_url}"


@dataclass(frozen=True)
class AxeReport:
    """axe-core's verdict on one page."""

    url: str
    violations: tuple[Violation, ...]

    def counts(self) -> dict[str, int]:
        """Number of violated rules per impact, every impact present (zero included)."""
        found = Counter(violation.impact for violation in self.violations)
        return {impact: found.get(impact, 0) for impact in IMPACTS}

    def describe(self, where: str = "") -> str:
        place = f"{where} ({self.url})" if where else self.url
        if not self.violations:
            return f"axe found no violations on {place}"
        summary = ", ".join(f"{impact} {n}" for impact, n in self.counts().items() if n)
        lines = [f"axe found {len(self.violations)} violation(s) on {place} [{summary}]:"]
        lines += [violation.describe() for violation in self.violations]
        return "\n".join(lines)


def run_axe(page: Any, options: Mapping[str, Any] = AXE_OPTIONS) -> AxeReport:
    """Run axe-core (WCAG 2.0 A/AA, 2.1 AA, heading and landmark best practices) on a page.

    axe runs on a settled document (see :func:`evaluate_settled`): a click's navigation that
    is still replacing the page never makes it fail or report on the page being left.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def run() -> Any:
        return axe.run(page, options=dict(options)).response

    response = evaluate_settled(page, run)
    return AxeReport(
        url=str(response.get("url", page.url)),
        violations=tuple(Violation.from_axe(raw) for raw in response["violations"]),
    )


# What Chromium says when the document a script runs in is replaced under it.
_DOCUMENT_REPLACED = (
    "Execution context was destroyed",
    "Cannot find context with specified id",
    "reading 'documentElement'",
    "axe is not defined",
    "because of a navigation",
)
_SETTLE_ATTEMPTS = 5


def evaluate_settled(page: Any, run: Callable[[], Any]) -> Any:
    """``run()`` against one loaded document, again if a navigation replaced it meanwhile.

    A click that submits a form or follows a link returns once the navigation has started, not
    when the new document is ready; a script evaluated then runs in the page being left, or is
    torn down halfway. So: wait for the load event, note the document's identity (its
    ``performance.timeOrigin``), run, and accept the result only if the same document is still
    there and nothing was destroyed under it.
    """
    from playwright.sync_api import Error as PlaywrightError

    problem = ""
    for _ in range(_SETTLE_ATTEMPTS):
        try:
            page.wait_for_load_state("load")
            document = page.evaluate("performance.timeOrigin")
            result = run()
            if page.evaluate("performance.timeOrigin") == document:
                return result
            problem = "the page navigated while the check ran"
        except PlaywrightError as exc:
            if not any(sign in exc.message for sign in _DOCUMENT_REPLACED):
                raise
            problem = exc.message.splitlines()[0]
    raise AssertionError(
        f"the page at {page.url} kept navigating: no settled document to check after "
        f"{_SETTLE_ATTEMPTS} attempts ({problem})"
    )


class AxeChecker:
    """The ``axe`` fixture: runs axe on a page and records the counts as gate metrics."""

    def __init__(self, record: Recorder) -> None:
        self._record = record
        self.reports: list[AxeReport] = []

    def run(self, page: Any) -> AxeReport:
        """axe's report on the page as it is now; counts recorded as ``accessibility.<impact>``."""
        report = run_axe(page)
        self.reports.append(report)
        for impact, count in report.counts().items():
            self._record(f"accessibility.{impact}", count)
        return report

    def check(self, page: Any, where: str = "") -> AxeReport:
        """Like run, and fail listing every violation (rule, impact, selectors) if there is one."""
        report = self.run(page)
        if report.violations:
            raise AssertionError(report.describe(where))
        return report


# The seed's heading, alt-text and label checks, done the way a screen reader sees the page:
# a label counts only if the browser associates it with the control (HTMLInputElement.labels).
_STRUCTURE_JS = """() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const text = (el) => (el.innerText || el.textContent || "").trim();
  const show = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    const testid = el.getAttribute("data-testid");
    if (testid) s += `[data-testid="${testid}"]`;
    if (el.getAttribute("name")) s += `[name="${el.getAttribute("name")}"]`;
    return s;
  };
  const problems = [];
  const skipTypes = ["hidden", "submit", "button", "reset", "image"];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (skipTypes.includes(el.type) || !visible(el)) continue;
    const byLabel = Array.from(el.labels || []).map(text).filter(Boolean);
    const byRef = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)).filter(Boolean).map(text).filter(Boolean);
    const byAria = (el.getAttribute("aria-label") || "").trim();
    if (!byLabel.length && !byRef.length && !byAria) {
      problems.push(`label: ${show(el)} has no accessible name ` +
        "(no associated <label>, aria-labelledby or aria-label)");
    }
  }
  for (const label of document.querySelectorAll("label[for]")) {
    if (!visible(label)) continue;
    if (!label.control) {
      problems.push(`label: <label for="${label.htmlFor}"> "${text(label)}" names no form ` +
        "control (no labelable element has that id)");
    }
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) {
      problems.push(`alt: ${show(img)} src="${img.getAttribute("src")}" has no alt attribute ` +
        '(describe it, or alt="" if it is decorative)');
    }
  }
  const headings = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6")).filter(visible);
  const h1s = headings.filter((h) => h.tagName === "H1");
  if (h1s.length !== 1) {
    problems.push(`heading: the page has ${h1s.length} visible <h1>, expected exactly one`);
  }
  let previous = 0;
  for (const h of headings) {
    const level = Number(h.tagName[1]);
    if (!text(h)) problems.push(`heading: ${show(h)} is empty`);
    if (previous && level > previous + 1) {
      problems.push(`heading: <h${level}> "${text(h)}" follows <h${previous}> (skips a level)`);
    }
    previous = level;
  }
  return problems;
}"""


def page_structure_problems(page: Any) -> list[str]:
    """Headings, image alt text and form labels as assistive technology sees them."""
    problems: Sequence[str] = evaluate_settled(page, lambda: page.evaluate(_STRUCTURE_JS))
    return [str(problem) for problem in problems]
