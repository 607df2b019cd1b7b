"""Loosening a search: each active filter as a chip, and what removing it would add."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from directory.listings.taxonomy import (
    CONDITION_NAMES,
    LANGUAGE_NAMES,
    PAYMENT_NAMES,
    TREATMENT_NAMES,
)
from directory.search.query import SearchResult, count_matches

# URL parameter -> (query attribute, its value when the filter is off).
FILTERS: dict[str, tuple[str, Any]] = {
    "treatment": ("treatment", None),
    "condition": ("condition", None),
    "max_price": ("max_price_cents", None),
    "free_consultation": ("free_consultation", False),
    "insurance": ("insurance", False),
    "payment": ("payment", []),
    "language": ("language", []),
    "accepting": ("accepting", False),
    "verified_within_months": ("verified_within_months", None),
}


@dataclass
class FilterChip:
    """One active filter: its words, the search without it, and the clinics that would add."""

    name: str
    label: str
    params: dict[str, Any]
    adds: int | None = None


def _label(name: str, value: Any) -> str:
    if name == "treatment":
        return TREATMENT_NAMES.get(value, value)
    if name == "condition":
        return f"Treats {CONDITION_NAMES.get(value, value).lower()}"
    if name == "max_price_cents":
        return f"Up to ${value // 100:,} a session"
    if name == "free_consultation":
        return "Free consultation"
    if name == "payment":
        return "Pay by " + " or ".join(PAYMENT_NAMES.get(c, c) for c in value)
    if name == "language":
        return "Speaks " + " or ".join(LANGUAGE_NAMES.get(c, c) for c in value)
    if name == "accepting":
        return "Accepting new patients"
    if name == "verified_within_months":
        return f"Verified in the last {value} months"
    return "Accepts insurance"


def filter_count(result: SearchResult) -> int:
    """How many filters narrow the search (the "Filters (2)" of the summary line)."""
    query = result.query
    return sum(1 for attr, off in FILTERS.values() if getattr(query, attr) != off)


def filter_chips(session: Session, result: SearchResult, counts: bool = True) -> list[FilterChip]:
    """The active filters in display order; with counts, how many clinics each one hides."""
    query = result.query
    chips: list[FilterChip] = []
    for name, (attr, off) in FILTERS.items():
        value = getattr(query, attr)
        if value == off:
            continue
        chip = FilterChip(name, _label(attr, value), query.as_params(**{name: None, "page": None}))
        if counts and (result.place is not None or query.state):
            loosened = dataclasses.replace(query, **{attr: off})
            chip.adds = max(0, count_matches(session, loosened, result.place) - result.total)
        chips.append(chip)
    return chips
