"""Fixtures for the browser tests: small static pages served on loopback, a pytester setup."""

from __future__ import annotations

import functools
import http.server
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback_server import serve

CLEAN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clean booking page</title></head>
<body>
<header><p>Reference salon</p></header>
<main>
  <h1>Book an appointment</h1>
  <h2>Your details</h2>
  <form>
    <label for="name">Full name</label>
    <input id="name" data-testid="customer-name" type="text">
    <label>E-mail <input data-testid="customer-email" type="email"></label>
    <button type="button" data-testid="submit-booking">Book</button>
  </form>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Salon front door">
</main>
<footer><p>Contact</p></footer>
</body></html>
"""

# Known defects: an input without any label, a label pointing at a missing id, an image
# without alt, two h1 and a skipped heading level.
BROKEN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Broken booking page</title></head>
<body>
<main>
  <h1>Book an appointment</h1>
  <h1>Again</h1>
  <h4>Your details</h4>
  <form>
    <input id="nolabel" data-testid="customer-name" type="text">
    <label for="emial">E-mail</label>
    <input id="email" data-testid="customer-email" type="email">
  </form>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</main>
</body></html>
"""


# Replaces itself with the clean page the moment axe-core is injected into it, as a click's
# navigation replaces a page while a check is still running on it.
RESTLESS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Leaving</title></head>
<body><main><h1>Leaving</h1></main>
<script>
const leave = setInterval(() => {
  if (window.axe) { clearInterval(leave); location.replace("clean.html"); }
}, 1);
</script>
</body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@pytest.fixture(scope="session")
def static_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A loopback HTTP server with /clean.html, /broken.html and /restless.html; yields its URL."""
    root = tmp_path_factory.mktemp("site")
    (root / "clean.html").write_text(CLEAN_PAGE, encoding="utf-8")
    (root / "broken.html").write_text(BROKEN_PAGE, encoding="utf-8")
    (root / "restless.html").write_text(RESTLESS_PAGE, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(root))
    with serve(handler) as url:
        yield url


@pytest.fixture
def browser_pytester(pytester: pytest.Pytester, static_site: str) -> pytest.Pytester:
    """A pytester whose sessions load the browser plugin and know the static site's URL."""
    pytester.makeini(
        f"""
        [pytest]
        addopts = -p pytest_deploygate.browser.plugin -p no:cacheprovider --base-url {static_site}
        """
    )
    return pytester


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")
