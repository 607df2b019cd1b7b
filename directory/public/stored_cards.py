"""Result cards rendered when their listing changes, kept in `listing_cards`.

A search shows some twenty listings, and the first time a worker shows one it rendered its
card: at 100,000 listings, most of a search page's cost. A card's listing part (name,
address, phone, treatments, prices, facts) depends on the listing alone, so it is rendered
where the listing changes instead: every transaction that changes what a card shows (the
listing, its locations, phones, service areas, prices, treatments or hospital charges)
notes the listing, and just before it commits, the listing's cards are rendered again, one
per location and language (derived.DerivedTable). A search takes the kept cards of the
listings it shows in one statement and renders only the ones it does not find.

A kept card is used only while it is what the running site would render:

- **The same renderer.** Each card carries a digest of the code, templates and
  translations that rendered it and of the settings; after a deploy or a change of
  settings, cards are rendered afresh for each page (as before) until `flask
  rebuild-derived` renders them all again.
- **The same day's flags.** A card's "over 12 months old" flags hold until a date, kept
  with it (`good_through`); after it, the card is rendered afresh.
- **From the site's root.** The links in a kept card start at `/`; a site mounted under a
  path renders its own.

Rendering needs the app's templates: a change committed outside the app deletes the
listing's cards without rendering them, and searches render them until a change or a
rebuild does.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from datetime import date
from types import SimpleNamespace
from typing import Any

from flask import current_app, has_app_context
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import bindparam, insert, inspect, or_, select
from sqlalchemy.orm import Session

from directory import settings, shared_pieces
from directory.formatting import stale_turns
from directory.i18n import LOCALES
from directory.listings import rows as listing_rows
from directory.listings.derived import CHUNK, DerivedTable, replace_rows
from directory.models import (
    Clinic,
    ClinicStatus,
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
    macros: Any = current_app.jinja_env.get_template(_CARD_TEMPLATE).module
    return macros.card_top(hit, w, href), macros.card_rest(hit, w)


def renderer() -> str:
    """What renders a card in this app: a digest of its code, templates, translations and
    settings (with the secret key left out)."""
    public = dataclasses.replace(settings.current(), secret_key="")
    material = f"{shared_pieces.build_of(current_app)}\0{public!r}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


_READ = select(
    ListingCard.clinic_id, ListingCard.location_index, ListingCard.top, ListingCard.rest
).where(
    ListingCard.clinic_id.in_(bindparam("ids", expanding=True)),
    ListingCard.locale == bindparam("locale"),
    ListingCard.renderer == bindparam("renderer"),
    or_(ListingCard.good_through.is_(None), ListingCard.good_through >= bindparam("day")),
)


def read(
    session: Session, hits: Iterable[ClinicHit], locale: str, day: date
) -> dict[tuple[int, int], tuple[Markup, Markup]]:
    """The kept cards of these results that the site would render today in this locale,
    by listing and location shown (one statement)."""
    wanted = {(hit.clinic.id, hit.location_index) for hit in hits}
    if not wanted:
        return {}
    bound = {
        "ids": sorted({clinic_id for clinic_id, _ in wanted}),
        "locale": locale,
        "renderer": renderer(),
        "day": day,
    }
    found = {}
    for clinic_id, index, top, rest in session.connection().execute(_READ, bound):
        if (clinic_id, index) in wanted:
            # Rendered and escaped by the site's own templates.
            found[(clinic_id, index)] = (Markup(top), Markup(rest))  # noqa: S704
    return found


def _clinic_path(slug: str) -> str:
    """A clinic page's path from the site's root, outside any request."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build("public.clinic_page", {"slug": slug})


def _cards(session: Session, clinic_ids: list[int], stamp: str) -> list[dict[str, Any]]:
    """The card rows of these published listings: one per location and language."""
    listings = listing_rows.load(session, clinic_ids).values()
    cash = cash_by_clinic(session, (row.id for row in listings if row.is_hospital))
    cards = []
    for listing in listings:
        href = _clinic_path(listing.slug)
        for index in range(max(1, len(listing.locations))):
            hit = ClinicHit(listing, hospital_cash=cash.get(listing.id), location_index=index)
            for locale in LOCALES.values():
                with force_locale(locale), stale_turns() as turns:
                    top, rest = render(hit, card_words(locale), href)
                cards.append(
                    {
                        "clinic_id": listing.id,
                        "location_index": index,
                        "locale": locale,
                        "renderer": stamp,
                        "good_through": min(turns, default=None),
                        "top": str(top),
                        "rest": str(rest),
                    }
                )
    return cards


def _write(session: Session, clinic_ids: list[int] | None) -> None:
    """Render and keep the cards of these listings (None: of every published listing)."""
    if not has_app_context():  # no templates: the listings' cards stay deleted
        return
    published = select(Clinic.id).where(Clinic.status == ClinicStatus.PUBLISHED)
    if clinic_ids is not None:
        published = published.where(Clinic.id.in_(clinic_ids))
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
    """Render the cards of the published listings that have none this renderer made, or
    one whose flags have turned since: after a deploy, a change of settings, and once a
    day. How many listings; no commit (the data do not change)."""
    current = select(ListingCard.clinic_id).where(
        ListingCard.renderer == renderer(),
        or_(ListingCard.good_through.is_(None), ListingCard.good_through >= today),
    )
    due = select(Clinic.id).where(
        Clinic.status == ClinicStatus.PUBLISHED, Clinic.id.not_in(current)
    )
    ids = list(session.execute(due).scalars())
    if ids:
        CARDS.recompute(session, ids)
    return len(ids)


def _flushed_clinics(session: Session) -> list[Any]:
    """Listings a flush changed, or whose locations, phones, service areas, prices or
    hospital charges it added, changed or deleted. A treatment or a price file changed
    (their names and sources show on every card of theirs) renders every card again."""
    touched: list[Any] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Clinic):
            touched.append(obj.id)
        elif isinstance(obj, Treatment | PriceFileImport):
            if obj not in session.new:  # a new one shows on no card before its charges do
                CARDS.recompute_all_at_commit(session)
        elif getattr(obj, "__tablename__", None) in _TABLES and hasattr(obj, "clinic_id"):
            touched.append(obj.clinic_id)
            touched.extend(inspect(obj).attrs.clinic_id.history.deleted or ())
    return touched


CARDS = DerivedTable("listing_cards", _TABLES, _flushed_clinics, refresh)
CARDS.listen()
