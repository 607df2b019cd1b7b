"""What a patient probably meant: abbreviations, and fuzzy matches over the gazetteer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from directory.caching import VersionedMemo
from directory.models import Place

# Short and everyday names people type for big cities; each maps to a gazetteer city key.
ABBREVIATIONS: dict[str, str] = {
    "nyc": "new york, ny",
    "ny city": "new york, ny",
    "new york city": "new york, ny",  # the gazetteer names it "New York"
    "new york city, ny": "new york, ny",
    "new york city ny": "new york, ny",
    "sf": "san francisco, ca",
    "san fran": "san francisco, ca",
    "philly": "philadelphia, pa",
    "chi": "chicago, il",
    "chi-town": "chicago, il",
    "chitown": "chicago, il",
    "vegas": "las vegas, nv",
    "slc": "salt lake city, ut",
    "atl": "atlanta, ga",
    "nola": "new orleans, la",
    "stl": "st louis, mo",
    "kc": "kansas city, mo",
    "okc": "oklahoma city, ok",
    "phx": "phoenix, az",
    "pdx": "portland, or",
    "sd": "san diego, ca",
    "washington dc": "washington, dc",
}
# A state's code or name that is also a city people mean: offered beside the state.
STATE_NAMED_CITIES: dict[str, str] = {
    "la": "los angeles, ca",
    "washington": "washington, dc",
    "new york": "new york, ny",
}

MIN_SCORE = 80
MAX_SUGGESTIONS = 3
# The cities read once per state and gazetteer (about 30,000 in all: some 5 MB a worker).
_CITIES = VersionedMemo(size=64)


def abbreviation(text: str) -> str | None:
    """The gazetteer city key a known short name stands for, or None."""
    return ABBREVIATIONS.get(re.sub(r"\s+", " ", text.strip().lower().rstrip(".")))


def city_labels(session: Session, keys: list[str]) -> list[str]:
    """The "Name, ST" of gazetteer city keys, in the order given, skipping unknown keys."""
    if not keys:
        return []
    rows = session.execute(
        select(Place.key, Place.name, Place.state).where(Place.kind == "city", Place.key.in_(keys))
    ).all()
    found = {key: f"{name}, {state}" for key, name, state in rows}
    return [found[k] for k in keys if k in found]


def fuzzy_places(
    session: Session, name: str, state: str | None, extra: list[str] | None = None
) -> list[str]:
    """Up to three "City, ST" (or extra names) that look like a misspelt name, best first.

    `name` is normalised like gazetteer keys; `extra` adds names such as states and metro
    areas to match against. The scan runs only when a search has already failed.
    """
    cities = _CITIES.get(session, state, lambda: _cities(session, state))
    labels, choices = cities.labels, cities.choices
    if extra:  # a copy of the kept cities only when there is something to add
        labels = labels | {label: label for label in extra}
        choices = choices | {label: label.lower() for label in extra}
    matches = process.extract(
        name, choices, scorer=fuzz.ratio, score_cutoff=MIN_SCORE, limit=MAX_SUGGESTIONS * 4
    )
    if not matches:
        return []
    best = max(score for _, score, _ in matches)
    close = [key for _, score, key in matches if score >= best - 5]
    sizes = _zip_counts(session, [labels[k] for k in close if k in choices and ", " in labels[k]])
    close.sort(key=lambda k: (-round(_score(matches, k)), -sizes.get(labels[k], 0), labels[k]))
    top = close[0]
    top_size = sizes.get(labels[top], 0)
    if all(
        _score(matches, top) > _score(matches, k) and top_size > sizes.get(labels[k], 0)
        for k in close[1:]
    ):
        return [labels[top]]  # the closest spelling is also the biggest place: one clear answer
    return [labels[k] for k in close[:MAX_SUGGESTIONS]]


@dataclass(frozen=True)
class _Cities:
    """The gazetteer's cities (of one state, or all): key -> "Name, ST", and key -> name."""

    labels: dict[str, str]
    choices: dict[str, str]


def _cities(session: Session, state: str | None) -> _Cities:
    stmt = select(Place.key, Place.name, Place.state).where(Place.kind == "city")
    if state:
        stmt = stmt.where(Place.state == state)
    labels: dict[str, str] = {}
    choices: dict[str, str] = {}
    for key, place_name, place_state in session.execute(stmt):
        labels[key] = f"{place_name}, {place_state}"
        choices[key] = key.rsplit(", ", 1)[0]
    return _Cities(labels, choices)


def _score(matches: list[tuple[str, float, str]], key: str) -> float:
    return next(score for _, score, k in matches if k == key)


def _zip_counts(session: Session, labels: list[str]) -> dict[str, int]:
    """ZIP codes per "City, ST": a stand-in for size, to put the likelier city first."""
    if not labels:
        return {}
    names = {label.rsplit(", ", 1)[0] for label in labels}
    rows = session.execute(
        select(Place.name, Place.state, func.count())
        .where(Place.kind == "zip", Place.name.in_(names))
        .group_by(Place.name, Place.state)
    ).all()
    return {f"{name}, {state}": count for name, state, count in rows}


def starting_with(session: Session, text: str, limit: int = 8) -> list[str]:
    """Places whose name starts with what was typed so far, for suggestions while typing."""
    from directory.search import (
        places as geo,  # geo imports this module; the import is deferred to call time
    )

    typed = re.sub(r"\s+", " ", geo.typed_text(text)).strip()
    if len(typed) < 2 or len(typed) > geo.MAX_PLACE_LENGTH or typed.isdigit():
        return []
    folded = typed.lower()
    found = [m.name for m in geo.METROS if m.name.lower().startswith(folded)]
    found += geo.states_starting_with(typed)
    short = abbreviation(typed)
    if short:
        found += city_labels(session, [short])
    # punctuation alone ("--") folds to no key: no city starts with it
    patterns = [geo.like_escaped(key) + "%" for key in geo.city_keys(typed) if key]
    rows: list[Any] = []
    if patterns:
        rows = list(
            session.execute(
                select(Place.name, Place.state)
                .where(
                    Place.kind == "city", or_(*(Place.key.like(p, escape="\\") for p in patterns))
                )
                .order_by(Place.key)
                .limit(limit * 3)
            )
        )
    # "Nyc, NY" is in the gazetteer as another spelling; the abbreviation names the city.
    names = sorted(
        {f"{name}, {state}" for name, state in rows if name.lower() not in ABBREVIATIONS}
    )
    sizes = _zip_counts(session, names)
    names.sort(key=lambda label: (-sizes.get(label, 0), label))
    return list(dict.fromkeys([*found, *names]))[:limit]
