"""Find user-facing text in templates that is outside a translation call."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Attributes whose values people read or hear (data-label heads a table cell on phones).
READ_ATTRIBUTES = frozenset({"title", "aria-label", "placeholder", "alt", "data-label"})
# Names and symbols that read the same in every language.
ALLOWED = frozenset(
    {"988", "911", "mi", "API", "CSV", "JSON", "ZIP", "HSDS", "OpenStreetMap", "×", "✕", "→", "←"}
)
_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_TRANS = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.S)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_ATTRIBUTE = re.compile(r'^\s*[a-z][\w-]*="[^"]*"?\s*>?\s*$')
_LETTERS = re.compile(r"[^\W\d_]{2,}")
MARK = "\x00"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._raw += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._raw:
            self._raw -= 1

    def handle_data(self, data: str) -> None:
        if not self._raw:
            self._check(data)

    def _check(self, text: str) -> None:
        for piece in text.split(MARK):
            if _ATTRIBUTE.match(piece):  # a macro that writes attributes, not text
                continue
            words = [w for w in _LETTERS.findall(piece) if w not in ALLOWED]
            if words:
                self.found.append(piece.strip())


def untranslated(source: str) -> list[str]:
    """The pieces of text in a template's source that no translation call covers."""
    source = _COMMENT.sub("", source)
    source = _TRANS.sub(MARK, source)
    source = _JINJA.sub(f" {MARK} ", source)
    collector = _Collector()
    collector.feed(source)
    collector.close()
    return collector.found


_STRING = re.compile(r"""(['"])((?:(?!\1).)*)\1""", re.S)
# A string literal that is a translation call's message (or ngettext's plural).
_IN_CALL = re.compile(r"(?:\b_|\bgettext|\bngettext|\bN_)\(\s*$")
_PLURAL = re.compile(r"""\bngettext\(\s*(['"])(?:(?!\1).)*\1\s*,\s*$""", re.S)
# Words as people read them: two words, or one capitalised one ("Yes", "Self-pay").
_WORD = re.compile(r"[^\W\d_]{3,}")
# Plain words a template chooses that nobody reads: ARIA roles, enum values.
_CODE_WORDS = frozenset({"alert", "status", "address"})
_WORDS = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}|^[A-Z][a-z]+(?:-[a-z]+)?$")


def untranslated_literals(source: str) -> list[str]:
    """String literals in a template's expressions that read as text but no translation call
    covers: a hint passed to a macro, a label in a dict, one side of a conditional."""
    found = []
    for block in _JINJA.findall(_COMMENT.sub("", source)):
        for match in _STRING.finditer(block):
            before = block[: match.start()]
            if _IN_CALL.search(before) or _PLURAL.search(before):
                continue
            value = match.group(2)
            after = block[match.end() :]
            # One plain word shown by a conditional: `... else 'system'`, `'none' if ...`.
            shown_by_condition = re.search(r"\belse\s*$", before) or re.match(r"\s+if\b", after)
            plain_word = _WORD.fullmatch(value) and value not in _CODE_WORDS
            if _WORDS.search(value) or (shown_by_condition and plain_word):
                found.append(value)
    return found


def templates() -> list[Path]:
    """Every HTML template the site renders."""
    return sorted(p for p in TEMPLATES.rglob("*.html"))
