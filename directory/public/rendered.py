"""Rendered pieces of public pages kept per language and data version.

A result card's listing part (name, address, phone, treatments, prices, facts) is the same
in every search that shows the clinic, and a clinic page's article the same for every
visitor, so each is rendered once per clinic, language, day and data version. The day
counts because "over 12 months old" flags move with the date; the data version moves with
every approval and import, so a kept piece never shows a stale fact. What differs per
visitor (the signed-in header, CSRF tokens, flashed messages) is outside the kept pieces.
"""

from __future__ import annotations

import dataclasses
import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any, NamedTuple

from flask import (
    Blueprint,
    Response,
    after_this_request,
    g,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from directory import settings, shared_pieces
from directory.caching import VersionedMemo, version_stamp
from directory.extensions import db
from directory.formatting import miles, whole_miles
from directory.i18n import babel_locale
from directory.listings import rows as listing_rows
from directory.listings.published import SLUG_RE
from directory.public import stored_cards
from directory.public.words import card_words
from directory.search.params import FILTER_NAMES
from directory.search.query import ClinicHit

# About 2 KB a card and language: 20,000 cards are some 40 MB a worker at most (and as
# much again for the listings whose cards are kept with them).
CARD_MEMO_SIZE = 20_000

# About 12 KB a clinic page and language.
PAGE_MEMO_SIZE = 2_000

_CARDS = VersionedMemo(size=CARD_MEMO_SIZE)
_KEPT_LISTINGS = VersionedMemo(size=CARD_MEMO_SIZE)
_PAGES = VersionedMemo(size=PAGE_MEMO_SIZE)
_FILTERS = VersionedMemo(size=512)
_FORMS = VersionedMemo(size=512)
# About 10 KB a region and language: states, metros and the places people ask about.
_COSTS = VersionedMemo(size=512)
_ABOUT_QUOTES = VersionedMemo(size=16)


class CardParts(NamedTuple):
    """A result card's listing part: up to its address, and from its phone on."""

    top: Markup
    rest: Markup


@dataclass(frozen=True)
class ClinicPage:
    """A clinic page's parts that depend only on the listing: its name, JSON-LD (None for a
    fictional example clinic) and article."""

    display_name: str
    jsonld: dict[str, Any] | None
    article: Markup


def page_variant() -> tuple[Any, ...]:
    """What besides the data makes one rendering differ from another: the language and its
    formats, the day, the settings and where the site is mounted (read once per request)."""
    variant: tuple[Any, ...] | None = g.get("page_variant")
    if variant is None:
        variant = (babel_locale(), date.today(), settings.current(), request.script_root)
        g.page_variant = variant
    return variant


def listings_for_page(session: Session, clinic_ids: Iterable[int]) -> dict[int, Any]:
    """The listings a search page shows: those whose cards are kept as kept (their cards
    with them, read once per variant and data version), the others as rows, whose cards
    the page renders."""
    variant = page_variant()
    locale, day, _site, script_root = variant
    if script_root:  # kept cards link from the site's root
        return listing_rows.kept(session, clinic_ids)

    def read(ids: list[int]) -> dict[int, stored_cards.KeptListing]:
        return stored_cards.kept_listings(session, ids, locale, day)

    return stored_cards.kept_or_rows(session, _KEPT_LISTINGS, clinic_ids, variant, read)


def card_parts(hit: ClinicHit[Any]) -> tuple[Markup, Markup]:
    """The listing part of a result card: kept with its listing, or rendered once per
    clinic, location shown, variant and data version."""
    if isinstance(hit.clinic, stored_cards.KeptListing):
        return hit.clinic.cards[hit.location_index]
    return _CARDS.get(db.session, _card_key(hit), lambda: _render_card(hit))


# Where a card's own values go in the distance line and compare link rendered for a list
# (and a search's own values in the search form and page, public/search_shapes.py).
_HOLE = "\x00"


def hole(name: str) -> str:
    """A hole named `name` in a piece rendered once, for each use to fill in."""
    return f"{_HOLE}{name}{_HOLE}"


_HOLED_CLINIC = SimpleNamespace(slug=hole("slug"), id=hole("id"), display_name=hole("name"))
_DISTANCE = hole("distance")
PLACE_HOLE = hole("near")


def result_cards(
    hits: list[ClinicHit[Any]],
    w: SimpleNamespace,
    picked: list[str],
    tray_params: dict[str, Any],
    compare_max: int,
    add_url: str,
    program: bool = False,
) -> Markup:
    """A list of result cards: each one's listing part (card_parts) with this search's
    distance and compare link. Those two are rendered once a language and link (kept in
    this worker), with holes where a card's values go, and filled in for each card
    (escaped as the template escapes them): a macro call for each card cost more than the
    rest of the card. A picked clinic's link, and a full comparison's note, are rendered
    for each card."""
    full = len(picked) >= compare_max
    add = _held_piece(
        ("add", add_url, compare_max),
        lambda m: m.card_foot(_HOLED_CLINIC, w, [], tray_params, compare_max, add_url),
    )
    # A list's cards share a few distance lines and, mostly, whole miles: each looked up
    # once for the list, not once a card.
    lines: dict[tuple[Any, bool], HeldPiece] = {}
    whole: dict[int, Markup] = {}
    out: list[str] = []
    for hit in hits:
        clinic = hit.clinic
        top, rest = card_parts(hit)
        out.append(top)
        if not program and hit.distance_miles is not None:
            precision = hit.location.geocode_precision if hit.location else None
            about = hit.distance_is_about
            close = about and hit.distance_miles < 1
            line = lines.get((precision, close))
            if line is None:
                line = lines[precision, close] = _distance_line(precision, close, w)
            if about:
                rounded = round(hit.distance_miles)
                shown = whole.get(rounded)
                if shown is None:
                    shown = whole[rounded] = escape(whole_miles(rounded))
            else:
                shown = escape(miles(hit.distance_miles))
            out.append(fill_holes(line, {"distance": shown}))
        out.append(rest)
        if full or clinic.slug in picked:
            macros = stored_cards.card_macros()
            out.append(macros.card_foot(clinic, w, picked, tray_params, compare_max, add_url))
        else:
            out.append(fill_holes(add, _link_values(clinic)))
    return Markup("".join(out))  # noqa: S704 - the templates' pieces, values escaped


# The distance lines and compare links of result cards, with holes, by language and link.
_HELD_PIECES = VersionedMemo(size=1024)


def _held_piece(key: tuple[Any, ...], render: Callable[[Any], Markup]) -> HeldPiece:
    """A piece of a result card rendered with holes by a card macro, split at them; kept
    per language, day, settings and mount point."""
    return _HELD_PIECES.get(
        db.session,
        (*key, *page_variant()),
        lambda: split_at_holes(render(stored_cards.card_macros())),
    )


def _distance_line(precision: Any, close: bool, w: SimpleNamespace) -> HeldPiece:
    """A card's distance line, with a hole for the distance, for a location's precision."""
    return _held_piece(
        ("distance", precision, close),
        lambda macros: macros.card_distance(_DISTANCE, precision, w, close),
    )


def _link_values(clinic: Any) -> dict[str, str]:
    """A clinic's values in its compare link, escaped; kept with a listing read from its
    kept cards."""
    values = getattr(clinic, "link_values", None)
    if values is None:
        values = {
            "slug": escape(clinic.slug),
            "id": str(clinic.id),
            "name": escape(clinic.display_name),
        }
        if isinstance(clinic, stored_cards.KeptListing):
            clinic.link_values = values
    return values


class HeldPiece(NamedTuple):
    """A piece rendered with holes: its text with a `%s` for each hole (and `%%` for a
    per cent sign), and the holes' names in order."""

    text: str
    names: tuple[str, ...]


def split_at_holes(piece: Markup) -> HeldPiece:
    """A piece rendered with holes, made ready to fill."""
    parts = str(piece).split(_HOLE)
    text = "%s".join(part.replace("%", "%%") for part in parts[::2])
    return HeldPiece(text, tuple(parts[1::2]))


def fill_holes(piece: HeldPiece, values: Mapping[str, str]) -> str:
    """A piece with its holes filled, in one pass: a value is never searched for holes."""
    return piece.text % tuple([values[name] for name in piece.names])


def _card_key(hit: ClinicHit) -> tuple[Any, ...]:
    """A card's key in this worker's memo: its clinic, the location shown and the variant."""
    return (hit.clinic.id, hit.location_index, *page_variant())


def _render_card(hit: ClinicHit) -> CardParts:
    parts = CardParts(*stored_cards.render(hit, words(), clinic_href(hit.clinic.slug)))
    to_share: dict[str, bytes] | None = g.get("cards_to_share")
    if to_share is not None:
        to_share[_shared_key(hit)] = json.dumps([str(parts.top), str(parts.rest)]).encode()
    return parts


def share_cards(hits: list[ClinicHit[Any]]) -> None:
    """Before a page renders these cards: take those neither kept with their listings nor
    by this worker from the ones other workers rendered; after the page, give them the
    ones it rendered itself."""
    if not shared_pieces.enabled():
        return
    missing = {
        _shared_key(hit): _card_key(hit)
        for hit in hits
        if not isinstance(hit.clinic, stored_cards.KeptListing)
        and not _CARDS.has(db.session, _card_key(hit))
    }
    if not missing:
        return
    for key, value in shared_pieces.get_many(list(missing)).items():
        try:
            top, rest = json.loads(value)
            parts = CardParts(Markup(top), Markup(rest))  # noqa: S704 - signed by this site
        except (ValueError, TypeError):  # not a card this release wrote: render it afresh
            continue
        _CARDS.keep(db.session, missing[key], parts)
    g.cards_to_share = {}

    @after_this_request
    def _give(response: Response) -> Response:
        shared_pieces.put_many(g.pop("cards_to_share", {}))
        return response


def _shared_key(hit: ClinicHit) -> str:
    """A card's key among the shared pieces: its clinic and location shown, the data's
    version and the variant."""
    return f"{_shared_prefix('card')}{hit.clinic.id}.{hit.location_index}"


def _shared_prefix(kind: str) -> str:
    """The start of the shared keys of one kind of piece on this page: the data's version
    and the variant (with the settings' secret left out)."""
    prefixes: dict[str, str] = g.setdefault("shared_prefixes", {})
    prefix = prefixes.get(kind)
    if prefix is None:
        locale, day, site, script_root = page_variant()
        public = dataclasses.replace(site, secret_key="")
        material = (version_stamp(db.session), locale, day, public, script_root)
        prefix = prefixes[kind] = shared_pieces.prefix(kind, material)
    return prefix


def words() -> SimpleNamespace:
    """The page's card and fact messages, translated once per locale."""
    return card_words(page_variant()[0])


# A slug of these characters is its own path segment: the clinic page's path is the prefix
# and the slug, without building a URL for each card.
_PLAIN_SLUG = re.compile(r"[a-z0-9-]+")


def clinic_href(slug: str) -> str:
    """The path of a clinic's page."""
    prefix: str | None = g.get("clinic_prefix")
    if prefix is None:
        prefix = g.clinic_prefix = url_for("public.clinic_page", slug="-")[:-1]
    if _PLAIN_SLUG.fullmatch(slug):
        return prefix + slug
    return url_for("public.clinic_page", slug=slug)


def clinic_page(slug: str, render: Callable[[], ClinicPage]) -> ClinicPage:
    """A clinic page's listing parts, rendered once per slug, variant and data version
    (which an approved claim moves too: the page says who manages the listing), and
    shared with the other workers: a worker shows a page another one rendered without
    rendering it again."""
    return _PAGES.get(db.session, (slug, *page_variant()), lambda: _shared_page(slug, render))


# A clinic page is some 7 KB of text, a third of that compressed; kept ten minutes, so
# the pages a crawler reads once do not fill Redis.
_PAGE_SECONDS = 600


def _shared_page(slug: str, render: Callable[[], ClinicPage]) -> ClinicPage:
    """The page another worker rendered at this data version and variant, else `render`'s,
    given to the others (a slug that is no page raises in `render`, and nothing is kept;
    one that cannot be a slug does not reach Redis)."""
    if not shared_pieces.enabled() or not SLUG_RE.match(slug):
        return render()
    key = _shared_prefix("page") + slug
    value = shared_pieces.get_many([key]).get(key)
    if value is not None:
        try:
            name, data, article = json.loads(zlib.decompress(value))
            # Signed by this site, which rendered and escaped it.
            return ClinicPage(str(name), data, Markup(article))  # noqa: S704
        except (ValueError, TypeError, zlib.error):  # not a page this release wrote
            pass
    page = render()
    value = json.dumps([page.display_name, page.jsonld, str(page.article)]).encode()
    shared_pieces.put_many({key: zlib.compress(value, 1)}, seconds=_PAGE_SECONDS)
    return page


def search_filters(args: Any, errors: dict[str, str]) -> Markup:
    """The search form's filters, rendered once per choice of filters and variant; afresh
    when a field has an error to show."""

    def render() -> Markup:
        return template("partials/search_filters.html", args=args, errors=errors)

    if errors:
        return render()
    key = (*(args.get(name) for name in FILTER_NAMES), *page_variant())
    return _FILTERS.get(db.session, key, render)


def search_form(
    args: MultiDict[str, str], errors: dict[str, str], suggestions: list[str], result: Any
) -> Markup:
    """The search form of a result page: rendered once per radius, comparison, choice of
    filters and variant, with a hole for the place typed (each search's own); afresh when
    a field has an error to show."""

    def render(values: MultiDict[str, str]) -> Markup:
        return template(
            "partials/search_form.html",
            args=values,
            errors=errors,
            suggestions=suggestions,
            result=result,
        )

    if errors:
        return render(args)
    radius = result.radius if result else None
    chosen = (args.get(name) for name in ("radius", "compare", *FILTER_NAMES))
    key = (radius, *chosen, *page_variant())

    def render_holed() -> HeldPiece:
        holed = MultiDict(args)
        holed["near"] = PLACE_HOLE
        return split_at_holes(render(holed))

    pieces = _FORMS.get(db.session, key, render_holed)
    return Markup(fill_holes(pieces, {"near": escape(args.get("near", ""))}))  # noqa: S704


def region_costs(args: dict[str, str], render: Callable[[], Markup]) -> Markup:
    """The costs page's content (form, summary, chart, hospital prices), rendered once per
    region, variant and data version; `args`: the region's parameters
    (pricing.region_args), which the page shows back in its form and CSV link."""
    key = (tuple(args.items()), *page_variant())
    return _COSTS.get(db.session, key, render)


def about_quotes(render: Callable[[], Markup]) -> Markup:
    """The About page's quotes with their sources, rendered once per variant and data
    version: the page every visitor may read first."""
    return _ABOUT_QUOTES.get(db.session, page_variant(), render)


def template(name: str, **context: Any) -> Markup:
    """A template rendered to a piece of a page (escaped by the template already)."""
    return Markup(render_template(name, **context))  # noqa: S704


def register(bp: Blueprint) -> None:
    """Offer the kept pieces to the templates."""
    bp.add_app_template_global(result_cards)
    bp.add_app_template_global(words)
    bp.add_app_template_global(search_filters)
    bp.add_app_template_global(search_form)
