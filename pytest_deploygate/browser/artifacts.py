"""A failed browser test's screenshot and Playwright trace, attached to the pytest-html report.

The screenshot is embedded (base64), so the report shows it wherever it is opened; the trace
is a file in ``<report folder>/artifacts/<test>-<time>/`` linked from the report. Every failure
gets its own folder and nothing is ever deleted, so earlier reports keep working links
(pytest-playwright's ``--output`` folder, by contrast, is emptied at the start of each run).
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import time
import urllib.parse
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_deploygate.config.locate import reports_location

_TRACED_CONTEXT = pytest.StashKey[Any]()


def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", nodeid).strip("-")[-100:]


class FailureArtifacts:
    """Tracing and report hooks; registered by :func:`pytest_deploygate.browser.register`."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    def _html_dir(self) -> Path | None:
        html_path = getattr(self._config.option, "htmlpath", None)
        if not html_path or not self._config.pluginmanager.hasplugin("html"):
            return None
        # Resolved the way pytest-html resolves --html: from the invocation directory.
        invocation_dir = self._config.invocation_params.dir
        return Path(invocation_dir, os.path.expandvars(html_path)).expanduser().parent

    def _artifact_dir(self, nodeid: str) -> Path:
        root = self._html_dir() or reports_location(
            getattr(self._config.option, "deploygate_reports_dir", None),
            self._config.invocation_params.dir,
        )
        stamp = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        folder = root / "artifacts" / f"{_slug(nodeid)}-{stamp}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _playwright_option(self, name: str) -> str:
        return str(self._config.getoption(name, default="off"))

    # Hooks, not an autouse fixture: a fixture would cost every test of the session, browser or
    # not, while a hook only looks at the test's fixture values.
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """Record a Playwright trace of every browser test; it is kept only if the test fails."""
        context = getattr(item, "funcargs", {}).get("context")
        # pytest-playwright records its own trace when asked (--tracing); one recorder only.
        if context is not None and self._playwright_option("tracing") == "off":
            context.tracing.start(title=item.nodeid, screenshots=False, snapshots=True)
            item.stash[_TRACED_CONTEXT] = context
        return (yield)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        # Before the context fixture closes: a trace still here belongs to a test that passed.
        context = item.stash.get(_TRACED_CONTEXT, None)
        if context is not None:
            del item.stash[_TRACED_CONTEXT]
            context.tracing.stop()  # discards it

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        # During the call phase's report the test's page is still open.
        context = getattr(item, "funcargs", {}).get("context")
        if report.when == "call" and report.failed and context is not None:
            try:
                self._attach(item, report, context)
            except Exception as error:  # the test's own failure must stay the headline
                report.sections.append(("deploygate browser artifacts", f"not saved: {error!r}"))
        return report

    def _attach(self, item: pytest.Item, report: pytest.TestReport, context: Any) -> None:
        folder = self._artifact_dir(item.nodeid)
        html_dir = self._html_dir()
        html = self._config.pluginmanager.getplugin("html")
        extras: list[dict[str, Any]] = list(getattr(report, "extras", []))
        lines: list[str] = []
        if self._playwright_option("screenshot") == "off":
            for index, page in enumerate(context.pages, start=1):
                if page.is_closed():
                    continue
                png = page.screenshot(type="png", timeout=5000, full_page=True)
                path = folder / f"screenshot-{index}.png"
                path.write_bytes(png)
                lines.append(f"screenshot: {path}")
                if html is not None:
                    encoded = base64.b64encode(png).decode("ascii")
                    extras.append(html.extras.png(encoded, name=f"Screenshot {page.url}"))
        traced = item.stash.get(_TRACED_CONTEXT, None)
        if traced is not None and traced is context:
            del item.stash[_TRACED_CONTEXT]
            trace = folder / "trace.zip"
            traced.tracing.stop(path=trace)
            lines.append(f"trace: playwright show-trace {trace}")
            if html is not None and html_dir is not None:
                link = urllib.parse.quote(Path(os.path.relpath(trace, html_dir)).as_posix())
                extras.append(html.extras.url(link, name="Playwright trace"))
        if lines:
            report.sections.append(("deploygate browser artifacts", "\n".join(lines)))
        report.extras = extras  # type: ignore[attr-defined]
