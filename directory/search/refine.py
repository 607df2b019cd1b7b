"""Loosening a search: each active filter as a chip, and what removing it would add."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from directory.listings.taxonomy import (
    CONDITION_NAMES,
    PAYMENT_NAMES,
    TREATMENT_NAMES,
)
from directory.search import places as geo
from directory.search.query import SearchResult, count_matches
from directory.terms import language_name, term

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
    if name == "state":
        return gettext("In %(state)s", state=geo.state_display_name(value))
    if name == "treatment":
        return term(TREATMENT_NAMES.get(value, value))
    if name == "condition":
        return gettext(
            "Treats %(condition)s", condition=term(CONDITION_NAMES.get(value, value)).lower()
        )
    if name == "max_price_cents":
        return gettext("Up to %(price)s a session", price=_money(value // 100 * 100))
    if name == "free_consultation":
        return gettext("Free consultation")
    if name == "payment":
        ways = gettext(" or ").join(term(PAYMENT_NAMES.get(c, c)) for c in value)
        return gettext("Pay by %(ways)s", ways=ways)
    if name == "language":
        names = gettext(" or ").join(language_name(c) for c in value)
        return gettext("Speaks %(languages)s", languages=names)
    if name == "accepting":
        return gettext("Accepting new patients")
    if name == "verified_within_months":
        return gettext("Verified in the last %(months)s months", months=value)
    return gettext("Accepts insurance")


def _active(result: SearchResult) -> dict[str, tuple[str, Any]]:
    """The filters this search can carry: a state is one only beside a place that is not
    the state itself (clinics near a ZIP code, in one state)."""
    place = result.place
    if result.query.state and place is not None and place.kind != "state":
        return {"state": ("state", None), **FILTERS}
    return FILTERS


def filter_chips(session: Session, result: SearchResult, counts: bool = True) -> list[FilterChip]:
    """The active filters in display order; with counts, how many clinics each one hides."""
    query = result.query
    chips: list[FilterChip] = []
    for name, (attr, off) in _active(result).items():
        value = getattr(query, attr)
        if value == off:
            continue
        # Without the filter the results and the state's programs change: back to their first pages.
        loosened_params = query.as_params(**{name: None, "page": None, "programs_page": None})
        chip = FilterChip(name, _label(attr, value), loosened_params)
        if counts and (result.place is not None or query.state):
            loosened = dataclasses.replace(query, **{attr: off})
            chip.adds = max(0, count_matches(session, loosened, result.place) - result.total)
        chips.append(chip)
    return chips


def _money(cents: int) -> str:
    from directory.formatting import money  # formatting reads the search package at import

    return money(cents)
