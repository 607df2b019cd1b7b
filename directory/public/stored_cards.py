"""Result cards rendered when their listing changes, kept in `listing_cards`.

A search shows some twenty listings, and the first time a worker shows one it rendered its
card: at 100,000 listings, most of a search page's cost. A card's listing part (name,
address, phone, treatments, prices, facts) depends on the listing alone, so it is rendered
where the listing changes instead: every transaction that changes what a card shows (the
listing, its locations, phones, service areas, prices, treatments or hospital charges)
notes the listing, and just before it commits, the listing's cards are rendered again, one
per location and language (derived.DerivedTable). A search page reads the listings it
shows from their kept cards in one statement (what it adds to a card, the link, the name
and the location measured to, is kept with it), and reads the rows and renders the cards
of the others only. The default language's card keeps the API's search result for the
listing too (api/kept_results.py reads it), whose prices' staleness counts in the date it
holds until.

A kept card is used only while it is what the running site would render:

- **The same renderer.** Each card carries a digest of the code, templates and
  translations that rendered it and of the staleness limit it applied; after a deploy or
  a change of that limit, cards are rendered afresh for each page (as before) until
  `flask render-cards` renders them all again.
- **The same day's flags.** A card's "over 12 months old" flags hold until a date, kept
  with it (`good_through`); after it, the card is rendered afresh.
- **From the site's root.** The links in a kept card start at `/`; a site mounted under a
  path renders its own.

Rendering needs the app's templates: a change committed outside the app deletes the
listing's cards without rendering them, and searches render them until a change or a
rebuild does.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple

from flask import current_app, has_app_context
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import Select, bindparam, insert, inspect, or_, select, text
from sqlalchemy.orm import InstanceState, Session

from directory import id_lists, settings, shared_pieces
from directory.api import serializers
from directory.caching import VersionedMemo
from directory.formatting import stale_turns
from directory.i18n import DEFAULT, LOCALES
from directory.listings import rows as listing_rows
from directory.listings.derived import CHUNK, DerivedTable, replace_rows
from directory.models import (
    Clinic,
    ClinicStatus,
    GeocodePrecision,
    ListingCard,
    PriceFileImport,
    Treatment,
)
from directory.prices.hospital_cash import cash_by_clinic
from directory.public.words import card_words
from directory.search.query import ClinicHit

# The tables a card's listing part is rendered from.
_TABLES = frozenset(
    {
        "clinics",
        "locations",
        "phones",
        "service_areas",
        "prices",
        "clinic_treatments",
        "treatments",
        "hospital_charges",
        "price_file_imports",
    }
)
_CARD_TEMPLATE = "macros/clinic.html"


def render(hit: ClinicHit, w: SimpleNamespace, href: str) -> tuple[Markup, Markup]:
    """A result card's listing part in the current locale, up to its address and from its
    phone on; `w`: the locale's messages, `href`: the clinic page's path."""
    macros = card_macros()
    return macros.card_top(hit, w, href), macros.card_rest(hit, w)


def card_macros() -> Any:
    """The macros that render a result card's pieces."""
    return current_app.jinja_env.get_template(_CARD_TEMPLATE).module


def renderer() -> str:
    """What renders a card in this app: a digest of its code, templates and translations,
    and of the one setting a card reads (how old a date is flagged as over 12 months old).
    Other settings differ between the site and the commands that keep cards (rate limits,
    mail) without changing a card."""
    return _renderer(shared_pieces.build_of(current_app), settings.current().price_stale_after_days)


@functools.lru_cache(maxsize=16)
def _renderer(build: str, stale_after: int) -> str:
    return hashlib.sha256(f"{build}\0{stale_after}".encode()).hexdigest()[:32]


class KeptLocation(NamedTuple):
    """A location of a listing with kept cards: what a search measures and says of it
    (a tuple: made for each card read, three times faster than a frozen dataclass)."""

    latitude: float
    longitude: float
    state: str
    geocode_precision: GeocodePrecision


@dataclass(slots=True)
class KeptListing:
    """A published listing as a search page shows it from its kept cards: the page adds
    the link, the name in the compare links and the distance to the location measured
    to. Its cash prices, if a hospital, are in its cards already."""

    id: int
    slug: str
    name: str | None
    locations: list[KeptLocation]
    # By location index: the card showing that location (one for a program without any).
    cards: list[tuple[Markup, Markup]]
    # Its values in a compare link, escaped: made by the first page that shows it.
    link_values: dict[str, str] | None = None

    is_hospital = False
    display_name = vars(Clinic)["display_name"]


@functools.cache
def _read_statement(dialect: str) -> Select[*tuple[Any, ...]]:
    """The kept cards of the listings bound as `ids`, in one locale, by one renderer and
    still good on a day, in order (compiled once per database)."""
    return (
        select(
            ListingCard.clinic_id,
            ListingCard.slug,
            ListingCard.name,
            ListingCard.latitude,
            ListingCard.longitude,
            ListingCard.state,
            ListingCard.geocode_precision,
            ListingCard.top,
            ListingCard.rest,
        )
        .where(
            id_lists.among(ListingCard.clinic_id, dialect),
            ListingCard.locale == bindparam("locale"),
            ListingCard.renderer == bindparam("renderer"),
            or_(ListingCard.good_through.is_(None), ListingCard.good_through >= bindparam("day")),
        )
        .order_by(ListingCard.clinic_id, ListingCard.location_index)
    )


def kept_listings(
    session: Session, clinic_ids: Iterable[int], locale: str, day: date
) -> dict[int, KeptListing]:
    """The listings among these whose kept cards the site would render today in this
    locale, with their cards (one statement); the others are left out."""
    ids = sorted(set(clinic_ids))
    if not ids:
        return {}
    stmt = _read_statement(session.get_bind().dialect.name)
    bound = {"ids": ids, "locale": locale, "renderer": renderer(), "day": day}
    rows: Sequence[Any] = session.connection().execute(stmt, bound).all()
    found: dict[int, KeptListing] = {}
    for clinic_id, slug, name, *location, top, rest in rows:
        listing = found.get(clinic_id)
        if listing is None:
            listing = found[clinic_id] = KeptListing(clinic_id, slug, name, [], [])
        if location[0] is not None:  # a program without a location has none
            listing.locations.append(KeptLocation(*location))
        # Rendered and escaped by the site's own templates.
        listing.cards.append((Markup(top), Markup(rest)))  # noqa: S704
    return found


def kept_or_rows(
    session: Session,
    memo: VersionedMemo,
    clinic_ids: Iterable[int],
    variant: tuple[Any, ...],
    read: Callable[[list[int]], Mapping[int, Any]],
) -> dict[int, Any]:
    """The listings with these ids as a search shows them: those `read` finds kept (their
    ids -> listings), kept in `memo` per variant and data version, and the others as
    rows. A listing `read` leaves out is asked for again next time: `flask render-cards`
    may have rendered it since, without moving the data."""
    ids = list(clinic_ids)

    def fetch(keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Any]:
        kept = read(sorted({key[0] for key in keys}))
        return {key: kept[key[0]] for key in keys if key[0] in kept}

    keys = [(clinic_id, *variant) for clinic_id in ids]
    found: dict[int, Any] = {
        key[0]: kept for key, kept in memo.get_many(session, keys, fetch).items()
    }
    if missing := [clinic_id for clinic_id in ids if clinic_id not in found]:
        found.update(listing_rows.kept(session, missing))
    return found


def _clinic_path(slug: str) -> str:
    """A clinic page's path from the site's root, outside any request."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build("public.clinic_page", {"slug": slug})


def _summary(hit: ClinicHit[listing_rows.ListingRow], today: date) -> tuple[str, list[date]]:
    """The API's search result for a listing at one location, as JSON, and the last day
    each of its prices' staleness holds."""
    limit = settings.current().price_stale_after_days
    turns = [
        p.as_of + timedelta(days=limit)
        for p in hit.clinic.public_prices
        if p.as_of is not None and not p.is_stale(today, limit)
    ]
    return serializers.encode(serializers.hit(hit, today, limit)), turns


def _cards(session: Session, clinic_ids: list[int], stamp: str) -> list[dict[str, Any]]:
    """The card rows of these published listings: one per location and language, the
    default language's with the API's result."""
    listings = listing_rows.load(session, clinic_ids).values()
    cash = cash_by_clinic(session, (row.id for row in listings if row.is_hospital))
    today = date.today()
    cards = []
    for listing in listings:
        href = _clinic_path(listing.slug)
        for index in range(max(1, len(listing.locations))):
            hit = ClinicHit(listing, hospital_cash=cash.get(listing.id), location_index=index)
            location = hit.location
            for locale in LOCALES.values():
                with force_locale(locale), stale_turns() as turns:
                    top, rest = render(hit, card_words(locale), href)
                summary = None
                if locale == LOCALES[DEFAULT]:
                    summary, summary_turns = _summary(hit, today)
                    turns.extend(summary_turns)
                cards.append(
                    {
                        "clinic_id": listing.id,
                        "location_index": index,
                        "locale": locale,
                        "slug": listing.slug,
                        "name": listing.name,
                        "latitude": location and location.latitude,
                        "longitude": location and location.longitude,
                        "state": location and location.state,
                        "geocode_precision": location and location.geocode_precision,
                        "renderer": stamp,
                        "good_through": min(turns, default=None),
                        "top": str(top),
                        "rest": str(rest),
                        "summary": summary,
                    }
                )
    return cards


_ANALYZE = text(f"ANALYZE {', '.join(sorted(_TABLES))}")


def _write(session: Session, clinic_ids: list[int] | None) -> None:
    """Render and keep the cards of these listings (None: of every published listing)."""
    if not has_app_context():  # no templates: the listings' cards stay deleted
        return
    published = select(Clinic.id).where(Clinic.status == ClinicStatus.PUBLISHED)
    if clinic_ids is not None:
        published = published.where(Clinic.id.in_(clinic_ids))
    elif session.get_bind().dialect.name == "postgresql":
        # Every listing, perhaps written by this same transaction (example data): without
        # statistics on the rows it added, the planner reads each listing's rows by
        # scanning whole tables, some seconds a chunk at 100,000 listings.
        session.execute(_ANALYZE)
    ids = list(session.execute(published.order_by(Clinic.id)).scalars())
    stamp = renderer()
    for start in range(0, len(ids), CHUNK):
        cards = _cards(session, ids[start : start + CHUNK], stamp)
        if cards:
            session.execute(insert(ListingCard), cards)


def refresh(session: Session, clinic_ids: Iterable[int] | None) -> None:
    """Render again the cards of these listings (None: of every listing); no commit."""
    replace_rows(session, ListingCard, _write, clinic_ids)


def render_due(session: Session, today: date) -> int:
    """Render the cards of the published listings that have none, or one another renderer
    made, or one whose flags or prices' staleness have turned since (the API's result
    turns on its own row only): after a deploy, a change of the staleness limit, and once
    a day. Commits each chunk of listings, so a writer (an approval) waits for one chunk
    at most, not for every listing; how many listings."""
    outdated = select(ListingCard.clinic_id).where(
        or_(ListingCard.renderer != renderer(), ListingCard.good_through < today)
    )
    due = select(Clinic.id).where(
        Clinic.status == ClinicStatus.PUBLISHED,
        or_(Clinic.id.not_in(select(ListingCard.clinic_id)), Clinic.id.in_(outdated)),
    )
    ids = list(session.execute(due.order_by(Clinic.id)).scalars())
    for start in range(0, len(ids), CHUNK):
        CARDS.recompute(session, ids[start : start + CHUNK])
        session.commit()
    return len(ids)


def _flushed_clinics(session: Session) -> list[Any]:
    """Listings a flush changed, or whose locations, phones, service areas, prices or
    hospital charges it added, changed or deleted. A treatment or a price file whose
    name, address or date changed (every card of theirs shows it) renders every card
    again."""
    touched: list[Any] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Clinic):
            touched.append(obj.id)
        elif isinstance(obj, Treatment | PriceFileImport):
            if obj not in session.new and _changes_what_cards_show(session, obj):
                CARDS.recompute_all_at_commit(session)
        elif getattr(obj, "__tablename__", None) in _TABLES and hasattr(obj, "clinic_id"):
            touched.append(obj.clinic_id)
            touched.extend(inspect(obj).attrs.clinic_id.history.deleted or ())
    return touched


# What cards show of a treatment (its name, and its slug and place in the price lines) and
# of a hospital's price file (its address and date); a new one shows on no card before
# its charges do.
_SHOWN = {Treatment: ("slug", "name", "position"), PriceFileImport: ("source", "last_updated_on")}


def _changes_what_cards_show(session: Session, obj: Treatment | PriceFileImport) -> bool:
    state: InstanceState[Any] = inspect(obj)
    shown = _SHOWN[type(obj)]
    return obj in session.deleted or any(state.attrs[n].history.has_changes() for n in shown)


CARDS = DerivedTable("listing_cards", _TABLES, _flushed_clinics, refresh)
CARDS.listen()
