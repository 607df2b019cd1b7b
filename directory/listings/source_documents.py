"""The stored source pages behind seed facts, cited by title and date instead of file name."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

TITLES_FILE = Path(__file__).resolve().parents[2] / "seeds" / "documents" / "titles.toml"


@dataclass(frozen=True)
class SourceDocument:
    """How a stored page is cited: its own heading, what it is, and when it was last read."""

    name: str
    title: str
    kind: str
    kept_since: date | None


@cache
def _titles() -> dict[str, dict[str, object]]:
    if not TITLES_FILE.exists():
        return {}
    with TITLES_FILE.open("rb") as fh:
        return tomllib.load(fh)


def describe(name: str) -> SourceDocument:
    """The citation for a stored document; an unlisted one is named as a stored page."""
    entry = _titles().get(name, {})
    kept = entry.get("kept_since")
    return SourceDocument(
        name=name,
        title=str(entry.get("title") or "Stored copy of a web page"),
        kind=str(entry.get("kind") or "a web page"),
        kept_since=kept if isinstance(kept, date) else None,
    )
