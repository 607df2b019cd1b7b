"""A web page or text file as the visible text a reader sees, plus its structured data."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import extruct
from selectolax.parser import HTMLParser

# Never shown to a reader, or navigation that repeats on every page of a site.
_HIDDEN = "script, style, noscript, template, svg, iframe, nav, [hidden], [aria-hidden=true]"
_BLOCKS = (
    "address, article, aside, blockquote, dd, div, dl, dt, fieldset, figcaption, figure, "
    "footer, form, h1, h2, h3, h4, h5, h6, header, hr, li, main, ol, p, pre, section, "
    "table, tbody, thead, tfoot, tr, ul, caption, title, option"
)
_BREAK = "\u2029"  # marks a block boundary until the source's own line breaks are spaces
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_ANY_SPACE = re.compile(r"\s+")


@dataclass
class Page:
    """What a page says in words a reader sees, and the schema.org items it carries."""

    text: str
    content_type: str
    url: str | None = None
    title: str = ""
    heading: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)

    @cached_property
    def flat(self) -> str:
        """The visible text with all whitespace collapsed, for checking quotes."""
        return normalise(self.text)

    def shows(self, quote: str) -> bool:
        """True when the quote appears in the visible text (whitespace and entities aside)."""
        wanted = normalise(quote)
        return bool(wanted) and wanted in self.flat


def normalise(text: str) -> str:
    """Entities decoded and every run of whitespace one space: how quotes are compared."""
    return _ANY_SPACE.sub(" ", html.unescape(text).replace("\u00a0", " ")).strip()


def _clean_lines(text: str) -> str:
    lines = (line.strip() for line in _SPACES.sub(" ", text).splitlines())
    return "\n".join(line for line in lines if line)


def looks_like_html(raw: str) -> bool:
    """A rough test for markup, for files whose name does not say what they are."""
    head = raw[:2000].lower()
    return "<html" in head or "<!doctype html" in head or bool(re.search(r"<(p|div|body)\b", head))


def from_text(raw: str, url: str | None = None) -> Page:
    """A plain-text page: its lines, whitespace tidied, entities decoded."""
    return Page(text=_clean_lines(html.unescape(raw)), content_type="text/plain", url=url)


def from_html(raw: str, url: str | None = None) -> Page:
    """An HTML page: visible text without scripts, styles and navigation; JSON-LD and microdata."""
    tree = HTMLParser(raw)
    title_node = tree.css_first("title")
    title = _SPACES.sub(" ", title_node.text()).strip() if title_node else ""
    for node in tree.css(_HIDDEN):
        node.decompose()
    h1 = tree.css_first("h1")
    heading = _ANY_SPACE.sub(" ", h1.text()).strip() if h1 else ""
    # Line breaks in the source are spaces on screen; only blocks and <br> break lines.
    for node in tree.css("br"):
        node.insert_before(_BREAK)
    for node in tree.css("td, th"):
        node.insert_before(" ")
    for node in tree.css(_BLOCKS):
        node.insert_before(_BREAK)
        node.insert_after(_BREAK)
    root = tree.body or tree.root
    rendered = root.text(separator="") if root is not None else ""
    rendered = rendered.replace("\r", " ").replace("\n", " ").replace(_BREAK, "\n")
    return Page(
        text=_clean_lines(rendered),
        content_type="text/html",
        url=url,
        title=title,
        heading=heading,
        items=_items(raw, url),
    )


def from_bytes(body: bytes, content_type: str | None, url: str | None = None) -> Page:
    """A page from its bytes and declared type (HTML unless it is plainly text)."""
    raw = body.decode(_charset(content_type) or "utf-8", errors="replace")
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "text/plain" or (not kind and not looks_like_html(raw)):
        return from_text(raw, url)
    return from_html(raw, url)


def _charset(content_type: str | None) -> str | None:
    match = re.search(r"charset=([\w.-]+)", content_type or "", re.I)
    if not match:
        return None
    try:
        "".encode(match.group(1))
    except LookupError:
        return None
    return match.group(1)


def _items(raw: str, url: str | None) -> list[dict[str, Any]]:
    """schema.org items from JSON-LD and microdata, flattened out of @graph lists."""
    head = raw.lower()
    if "application/ld+json" not in head and "itemscope" not in head:
        return []  # nothing for extruct to find; skip parsing the page a second time
    try:
        data = extruct.extract(
            raw, base_url=url, syntaxes=["json-ld", "microdata"], uniform=True, errors="ignore"
        )
    except Exception:  # noqa: BLE001 - broken structured data is ignored, the text still counts
        return []
    found: list[dict[str, Any]] = []
    for item in [*data.get("json-ld", []), *data.get("microdata", [])]:
        if isinstance(item, dict) and isinstance(item.get("@graph"), list):
            found.extend(i for i in item["@graph"] if isinstance(i, dict))
        elif isinstance(item, dict):
            found.append(item)
    return found


def item_types(item: dict[str, Any]) -> set[str]:
    """An item's schema.org types, without the vocabulary prefix."""
    raw = item.get("@type") or []
    types = raw if isinstance(raw, list) else [raw]
    return {str(t).rsplit("/", 1)[-1] for t in types}
