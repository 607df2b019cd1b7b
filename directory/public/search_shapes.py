"""A search page's content rendered once per shape of search, and filled in for each one.

Two searches of one shape (the same parameters but the place, a place of the same kind in
the same state, the same branches taken by their counts, the same telehealth programs)
show the same content but for the place typed and its name, two counts and the cards.
That content is rendered once per shape, language, day and data version, with holes
where those go, and each search fills the holes with its own values, escaped as the
template escapes them. The content is the template every other search renders whole
(`_search_content.html`); a search of a shape not kept this way (an error, filters shown
as chips, a comparison, a place with alternatives, no results on the page) renders it
whole. A branch the template takes on a search's own values must be part of the shape
(`_shape`): tests render searches of many shapes both ways and compare them byte for byte.

In one process, at 100,000 clinics, a search page took 5.3 ms with its content rendered
whole and 3.8 ms filled in: the nine links with the place in them, the messages around
them and the form are rendered once per shape, and a search renders only its cards.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

from flask import current_app
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from directory.caching import VersionedMemo
from directory.extensions import db
from directory.formatting import HeldCount, number, squeeze
from directory.i18n import catalogue
from directory.public.rendered import (
    PLACE_HOLE,
    HeldPiece,
    fill_holes,
    hole,
    page_variant,
    result_cards,
    split_at_holes,
    template,
)
from directory.search.places import place_label

# About 10 KB a shape and language: a shape per state for each common search.
SHAPE_MEMO_SIZE = 512

_SHAPES = VersionedMemo(size=SHAPE_MEMO_SIZE)

# The holes: the place as searched, in the page's text and in its links (as Werkzeug
# writes a NUL in a query string); the place's name; two counts; the two lists of cards.
_QUERY = hole("query")
_QUERY_IN_LINK = "%00query%00"
_LABEL = hole("label")
_TOTAL = hole("total")
_PAGES = hole("pages")
_HITS = hole("hits")
_PROGRAMS = hole("programs")

# The characters Werkzeug leaves as they are in a query string's values.
_LINK_SAFE = "!$'()*,/:;?@"


@dataclasses.dataclass(frozen=True)
class _Kept:
    """A shape's content split at its holes, and what its two lists of cards were given
    (with the place as a hole in them)."""

    pieces: HeldPiece
    cards: dict[str, tuple[Any, ...]]


def content(context: dict[str, Any]) -> Markup | None:
    """The search page's content for this search, filled in from its shape's; None when
    the search is not of a shape kept this way, or the site renders every page whole."""
    if not current_app.config["SEARCH_PAGES_BY_SHAPE"] or not _keeps(context):
        return None
    result, args = context["result"], context["args"]
    kept = _SHAPES.get(db.session, _shape(result, args), lambda: _render_holed(context))
    if not kept:
        return None
    query = result.query
    link = quote_plus(query.near, safe=_LINK_SAFE)
    values = {
        "near": str(escape(args.get("near", ""))),
        "query": str(escape(query.near)),
        "query_link": str(escape(link)),
        "label": str(escape(place_label(result.place))),
        "total": str(escape(number(result.total))),
        "pages": str(escape(number(result.pages))),
    }
    if any("\n" in value for value in values.values()):
        return None  # the whole template folds whitespace around a line break; render it
    for name, (w, picked, tray, compare_max, add_url, program) in kept.cards.items():
        tray = {k: (query.near if v == _QUERY else v) for k, v in tray.items()}
        hits = result.remote if program else result.hits
        cards = result_cards(
            hits, w, picked, tray, compare_max, add_url.replace(_QUERY_IN_LINK, link), program
        )
        # The programs' cards come with line breaks the whole template would fold; the
        # text around a list of cards ends and starts without whitespace, so the cards
        # fold alone as they would in the page.
        values[name] = str(squeeze(cards) if "\n" in cards else cards)
    return Markup(fill_holes(kept.pieces, values))  # noqa: S704 - the template's, values escaped


def _keeps(context: dict[str, Any]) -> bool:
    """Whether this search is of a shape whose content is kept: results on the page, and
    nothing shown that comes from more than the shape and the holes."""
    result = context["result"]
    return bool(
        result is not None
        and not context["errors"]
        and result.place is not None
        and not result.place.alternatives
        and result.hits
        and not context["chips"]
        and not context["picks"]
        and not context["compare_error"]
        and "compare" not in context["args"]
    )


def _plural_form(count: int) -> int:
    """Which of the page language's plural forms a count takes."""
    choose = getattr(catalogue(), "plural", None)
    return int(choose(count)) if choose is not None else int(count != 1)


def _shape(result: Any, args: MultiDict[str, str]) -> tuple[Any, ...]:
    """What a search's content depends on besides its holes: every parameter but the
    place as given (the query is read from them), the place's kind and state, and each
    branch its counts take."""
    query, place = result.query, result.place
    return (
        tuple((name, value) for name, value in args.items(multi=True) if name != "near"),
        "near" in args,
        place.kind,
        place.state,
        place.has_point,
        result.radius,
        result.total > 0,
        _plural_form(result.total),
        result.pages > 1,
        query.page < result.pages,
        query.page > result.pages,
        result.state,
        result.distances_about,
        len(result.remote),
        result.remote_total,
        *page_variant(),
    )


def _render_holed(context: dict[str, Any]) -> _Kept | tuple[()]:
    """The content rendered with holes for this search's own values; () when a hole
    would not come out where the filling expects it."""
    result, args = context["result"], context["args"]
    query = result.query
    holed_query = dataclasses.replace(query, near=_QUERY) if query.near else query
    place = result.place
    holed_place = SimpleNamespace(
        kind=place.kind,
        state=place.state,
        label=_LABEL,
        shown=None,
        has_point=place.has_point,
        alternatives=place.alternatives,
    )
    holed_hits = [None] * len(result.hits)
    holed_programs = [None] * len(result.remote)
    holed_result = SimpleNamespace(
        query=holed_query,
        place=holed_place,
        radius=result.radius,
        hits=holed_hits,
        total=HeldCount(result.total, _TOTAL),
        pages=HeldCount(result.pages, _PAGES),
        nearby=[],
        remote=holed_programs,
        remote_total=result.remote_total,
        remote_pages=result.remote_pages,
        state=result.state,
        distances_about=result.distances_about,
    )
    holed_args = MultiDict(args)
    if "near" in holed_args:
        holed_args["near"] = PLACE_HOLE
    cards: dict[str, tuple[Any, ...]] = {}

    def held_cards(hits: list[Any], *given: Any, program: bool = False) -> Markup:
        name = "programs" if hits is holed_programs else "hits"
        cards[name] = (*given, program)
        return Markup(_HITS if name == "hits" else _PROGRAMS)  # noqa: S704 - a hole

    text = str(
        template(
            "public/_search_content.html",
            **{**context, "result": holed_result, "args": holed_args},
            result_cards=held_cards,
        )
    )
    text = text.replace(_QUERY_IN_LINK, hole("query_link"))
    if "%00" in text or "%2500" in text:
        return ()
    return _Kept(split_at_holes(Markup(text)), cards)  # noqa: S704 - rendered by the template
