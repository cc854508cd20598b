"""Whether an HTML document has an element matching a simple CSS selector, without a browser.

Enough for the ``[platform.selectors]`` the smoke suite checks: ``tag``, ``.class``, ``#id``,
``[attr]``, ``[attr="value"]`` and compounds of them; ``a, b`` is any of; for ``a b`` the last
compound decides (smoke only needs to know the element is on the page).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

Need = tuple[str, str | None, str | None]  # attribute, operator, value
Compound = tuple[str, list[Need]]  # tag ("" = any), what its attributes need

_PART = re.compile(
    r"""\.([\w-]+)|#([\w-]+)|\[\s*([\w:-]+)\s*(?:([~^$*|]?=)\s*["']?([^"'\]]*)["']?)?\s*\]"""
)


def _compound(selector: str) -> Compound:
    compound = selector.strip().split()[-1] if selector.strip() else ""
    tag = re.match(r"[a-zA-Z][\w-]*", compound)
    needs: list[Need] = []
    for cls, ident, attr, op, value in _PART.findall(compound):
        if cls:
            needs.append(("class", "~=", cls))
        elif ident:
            needs.append(("id", "=", ident))
        else:
            needs.append((attr, op or None, value if op else None))
    return (tag.group(0).lower() if tag else ""), needs


def _matches(tag: str, attrs: dict[str, str], want: Compound) -> bool:
    name, needs = want
    if name and name != tag:
        return False
    for attr, op, value in needs:
        actual = attrs.get(attr)
        if actual is None:
            return False
        if op == "=" and actual != value:
            return False
        if op == "~=" and value not in actual.split():
            return False
        if op in {"^=", "$=", "*="} and not {
            "^=": actual.startswith,
            "$=": actual.endswith,
            "*=": actual.__contains__,
        }[op](value or ""):
            return False
    return True


class _Finder(HTMLParser):
    def __init__(self, wanted: list[Compound]) -> None:
        super().__init__()
        self.wanted = wanted
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if any(_matches(tag, values, want) for want in self.wanted):
            self.found = True


def has_element(html: str, selector: str) -> bool:
    """Whether ``html`` has an element that ``selector`` matches."""
    finder = _Finder([_compound(part) for part in selector.split(",")])
    finder.feed(html)
    return finder.found
