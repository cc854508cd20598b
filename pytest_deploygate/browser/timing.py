"""Page-load timing from the Navigation Timing API, recorded as the ``page.*`` gate metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Resolves once the document has finished loading, so loadEventEnd is set.
_NAVIGATION_TIMING_JS = """() => new Promise((resolve) => {
  const read = () => {
    const [nav] = performance.getEntriesByType("navigation");
    if (nav && nav.loadEventEnd > 0) {
      resolve({origin: performance.timeOrigin, url: nav.name,
               load: nav.loadEventEnd - nav.startTime,
               dom: nav.domContentLoadedEventEnd - nav.startTime});
    } else {
      setTimeout(read, 25);
    }
  };
  read();
})"""


@dataclass(frozen=True)
class PageLoad:
    """One document's load timing from the Navigation Timing API, in milliseconds."""

    url: str
    load_ms: float
    dom_content_loaded_ms: float


@dataclass
class PageLoadRecorder:
    """Records ``page.load_ms`` once for every document a test navigates to."""

    record: Callable[[str, float], None]
    loads: list[PageLoad] = field(default_factory=list)
    _seen: set[float] = field(default_factory=set)

    def measure(self, page: Any) -> PageLoad:
        """Wait for the page's load event and record its timing (a document is recorded once)."""
        timing = page.evaluate(_NAVIGATION_TIMING_JS)
        load = PageLoad(str(timing["url"]), float(timing["load"]), float(timing["dom"]))
        # timeOrigin identifies the document: a client-side step on the same page is not a load.
        if timing["origin"] not in self._seen:
            self._seen.add(timing["origin"])
            self.loads.append(load)
            self.record("page.load_ms", load.load_ms)
            self.record("page.dom_content_loaded_ms", load.dom_content_loaded_ms)
        return load
