"""The API's search results kept with the result cards, read in one statement.

The API's result for a listing (its fields, phones, prices and their staleness) is the
same in every search that shows it but for its distance and lowest price, so it is
written where the listing changes, beside its cards (public/stored_cards.py), and read
here under the same conditions: rendered by this release under this staleness limit,
and with no price turned stale since. A listing without a usable kept result is read as
rows and serialized as before.

A kept result is JSON text as the API writes it (keys sorted, no spaces), so a search's
answer is written around the kept texts with the distance and lowest price put in,
without decoding and encoding them again: the same bytes `jsonify` gives outside debug
mode.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from directory import id_lists, settings
from directory.api import serializers
from directory.caching import VersionedMemo
from directory.i18n import DEFAULT, LOCALES
from directory.models import ListingCard
from directory.public import stored_cards
from directory.search.query import ClinicHit

# About 2.6 KB a listing's result: 20,000 are some 50 MB a worker at most.
_KEPT = VersionedMemo(size=20_000)


@dataclass(slots=True)
class KeptResult:
    """A published listing as the API's search shows it from its kept results: by
    location index, the result showing that location (one for a program without any)."""

    id: int
    locations: list[stored_cards.KeptLocation]
    results: list[str]

    is_hospital = False  # the API shows no hospital's cash prices in a search


@functools.cache
def _read_statement(dialect: str) -> Select[*tuple[Any, ...]]:
    """The kept results of the listings bound as `ids`, by one renderer and still good on
    a day, in order (compiled once per database)."""
    return (
        select(
            ListingCard.clinic_id,
            ListingCard.summary,
            ListingCard.latitude,
            ListingCard.longitude,
            ListingCard.state,
            ListingCard.geocode_precision,
        )
        .where(
            id_lists.among(ListingCard.clinic_id, dialect),
            ListingCard.locale == LOCALES[DEFAULT],
            ListingCard.renderer == bindparam("renderer"),
            ListingCard.summary.is_not(None),
            or_(ListingCard.good_through.is_(None), ListingCard.good_through >= bindparam("day")),
        )
        .order_by(ListingCard.clinic_id, ListingCard.location_index)
    )


def _read(session: Session, clinic_ids: list[int], day: date) -> dict[int, KeptResult]:
    """The listings among these whose kept results hold today (one statement)."""
    stmt = _read_statement(session.get_bind().dialect.name)
    bound = {"ids": clinic_ids, "renderer": stored_cards.renderer(), "day": day}
    rows: Sequence[Any] = session.connection().execute(stmt, bound).all()
    found: dict[int, KeptResult] = {}
    for clinic_id, summary, *location in rows:
        listing = found.get(clinic_id)
        if listing is None:
            listing = found[clinic_id] = KeptResult(clinic_id, [], [])
        if location[0] is not None:  # a program without a location has none
            listing.locations.append(stored_cards.KeptLocation(*location))
        listing.results.append(summary)
    return found


def listings(session: Session, clinic_ids: Iterable[int]) -> dict[int, Any]:
    """The listings an API search shows: from their kept results, kept by this worker per
    day, settings and data version; the others as rows."""
    day = date.today()
    variant = (day, settings.current())
    return stored_cards.kept_or_rows(
        session, _KEPT, clinic_ids, variant, lambda ids: _read(session, ids, day)
    )


# A kept result's placeholders for what the search adds. Inside a JSON string a quote is
# escaped, so these can only be the result's own keys.
_DISTANCE = '"distance_miles":null'
_LOWEST = '"lowest_session_price_cents":null'


def results(hits: list[ClinicHit[Any]], today: date, stale_after_days: int) -> str:
    """Search hits as the API gives them, a JSON array: each its kept result with its
    distance and lowest price put in, or serialized from its rows."""
    texts = []
    for hit in hits:
        if not isinstance(hit.clinic, KeptResult):
            texts.append(serializers.encode(serializers.hit(hit, today, stale_after_days)))
            continue
        text = hit.clinic.results[hit.location_index]
        distance = hit.known_distance
        if distance is not None:
            # JSON writes a float as its repr, and a distance is always finite.
            text = text.replace(_DISTANCE, f'"distance_miles":{round(distance, 2)!r}', 1)
        if hit.lowest_session_cents is not None:
            text = text.replace(
                _LOWEST, f'"lowest_session_price_cents":{hit.lowest_session_cents}', 1
            )
        texts.append(text)
    return f"[{','.join(texts)}]"


def response(fields: dict[str, str]) -> Response:
    """A JSON object answer from its fields' JSON texts, as `jsonify` writes it."""
    members = ",".join(f"{_name(name)}:{fields[name]}" for name in sorted(fields))
    return Response(f"{{{members}}}\n", mimetype="application/json")


@functools.cache
def _name(name: str) -> str:
    """A field's name as JSON (the API's few names, encoded once)."""
    return serializers.encode(name)
