"""The API's search results kept with the result cards, read in one statement.

The API's result for a listing (its fields, phones, prices and their staleness) is the
same in every search that shows it but for its distance and lowest price, so it is
written where the listing changes, beside its cards (public/stored_cards.py), and read
here under the same conditions: rendered by this release under this staleness limit,
and with no price turned stale since. A listing without a usable kept result is read as
rows and serialized as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from directory import settings
from directory.api import serializers
from directory.caching import VersionedMemo
from directory.i18n import DEFAULT, LOCALES
from directory.listings import rows as listing_rows
from directory.models import ListingCard
from directory.public import stored_cards
from directory.search.query import ClinicHit

# About 1.5 KB a listing's result: 20,000 are some 30 MB a worker at most.
_KEPT = VersionedMemo(size=20_000)


@dataclass(slots=True)
class KeptResult:
    """A published listing as the API's search shows it from its kept results: by
    location index, the result showing that location (one for a program without any)."""

    id: int
    locations: list[stored_cards.KeptLocation]
    results: list[dict[str, Any]]

    is_hospital = False  # the API shows no hospital's cash prices in a search


_READ = (
    select(
        ListingCard.clinic_id,
        ListingCard.latitude,
        ListingCard.longitude,
        ListingCard.state,
        ListingCard.geocode_precision,
        ListingCard.summary,
    )
    .where(
        ListingCard.clinic_id.in_(bindparam("ids", expanding=True)),
        ListingCard.locale == LOCALES[DEFAULT],
        ListingCard.renderer == bindparam("renderer"),
        ListingCard.summary.is_not(None),
        or_(ListingCard.good_through.is_(None), ListingCard.good_through >= bindparam("day")),
    )
    .order_by(ListingCard.clinic_id, ListingCard.location_index)
)


def _read(session: Session, clinic_ids: list[int], day: date) -> dict[int, KeptResult]:
    """The listings among these whose kept results hold today (one statement)."""
    bound = {"ids": clinic_ids, "renderer": stored_cards.renderer(), "day": day}
    found: dict[int, KeptResult] = {}
    for row in session.connection().execute(_READ, bound):
        listing = found.get(row.clinic_id)
        if listing is None:
            listing = found[row.clinic_id] = KeptResult(row.clinic_id, [], [])
        if row.latitude is not None:
            listing.locations.append(
                stored_cards.KeptLocation(
                    row.latitude, row.longitude, row.state, row.geocode_precision
                )
            )
        listing.results.append(json.loads(row.summary))
    return found


def listings(session: Session, clinic_ids: Iterable[int]) -> dict[int, Any]:
    """The listings an API search shows: from their kept results, kept by this worker per
    day, settings and data version; the others as rows. A listing without a usable kept
    result is asked for again next time (`flask render-cards` may render it)."""
    ids = list(clinic_ids)
    variant = (date.today(), settings.current())

    def read(keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], KeptResult]:
        kept = _read(session, sorted({key[0] for key in keys}), variant[0])
        return {key: kept[key[0]] for key in keys if key[0] in kept}

    found: dict[int, Any] = {
        key[0]: listing
        for key, listing in _KEPT.get_many(session, [(i, *variant) for i in ids], read).items()
    }
    if missing := [clinic_id for clinic_id in ids if clinic_id not in found]:
        found.update(listing_rows.kept(session, missing))
    return found


def result(hit: ClinicHit[Any], today: date, stale_after_days: int) -> dict[str, Any]:
    """A search hit as the API gives it: its kept result with its distance and lowest
    price, or serialized from its rows."""
    if not isinstance(hit.clinic, KeptResult):
        return serializers.hit(hit, today, stale_after_days)
    data = dict(hit.clinic.results[hit.location_index])  # shared: only its copy changes
    distance = hit.distance_miles
    data["distance_miles"] = round(distance, 2) if distance is not None else None
    data["lowest_session_price_cents"] = hit.lowest_session_cents
    return data
