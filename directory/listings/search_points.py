"""Keeping where each published listing can be found, in the same transaction as the change.

A search around a place reads `search_points`: one narrow row per location of a published
listing, with the quarter-degree band of latitude it lies in, its place on the unit sphere,
whether it is its listing's only point, the name it sorts by and its lowest per-session
price. Its covering index answers a search without filters alone: the bands of the
search's box, each read by longitude, with nothing else to look up for the order. Every
transaction that changes a listing's locations, name, status or prices notes the listing;
just before it commits, its rows are recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Insert, Integer, cast, func, insert, select
from sqlalchemy.orm import Session, aliased

from directory.listings.derived import (
    DerivedTable,
    clinics_with_flushed_prices,
    listings_with_flushed,
    replace_rows,
)
from directory.models import Clinic, ClinicStatus, Location, Price, SearchPoint
from directory.models.search_point import BANDS_PER_DEGREE
from directory.prices import lowest as lowest_prices

_TABLES = frozenset({"clinics", "locations", "prices"})
_LOCATED = ("latitude", "longitude", "state", "clinic_id")


def band_of(latitude: Any) -> Any:
    """SQL: the band a latitude lies in."""
    return cast(func.floor(latitude * BANDS_PER_DEGREE), Integer)


def bands_between(min_lat: float, max_lat: float) -> list[int]:
    """The bands a box from min_lat to max_lat spans (floor, as band_of computes it); a
    box past a pole stops at it."""
    first = math.floor(max(min_lat, -90.0) * BANDS_PER_DEGREE)
    last = math.floor(min(max_lat, 90.0) * BANDS_PER_DEGREE)
    return list(range(first, last + 1))


def _flushed_clinics(session: Session) -> list[Any]:
    """Listings whose locations, name, status or prices a flush changed, added or deleted."""
    return [
        *listings_with_flushed(session, Location, _LOCATED),
        *clinics_with_flushed_prices(session),
    ]


def unit_vector(latitude: Any, longitude: Any) -> tuple[Any, Any, Any]:
    """SQL: a point's place on the unit sphere (x, y, z); the dot product of two is the
    cosine of the angle between them."""
    lat, lng = func.radians(latitude), func.radians(longitude)
    return func.cos(lat) * func.cos(lng), func.cos(lat) * func.sin(lng), func.sin(lat)


def _rows(clinic_ids: list[int] | None) -> Insert:
    """INSERT ... SELECT of the published listings' locations."""
    lowest = (
        select(func.min(Price.amount_cents))
        .where(Price.clinic_id == Location.clinic_id, *lowest_prices.ANY_TREATMENT)
        .scalar_subquery()
    )
    others = aliased(Location)
    single = ~(
        select(others.id)
        .where(others.clinic_id == Location.clinic_id, others.id != Location.id)
        .exists()
    )
    found = (
        select(
            Location.id,
            Location.clinic_id,
            band_of(Location.latitude),
            Location.latitude,
            Location.longitude,
            Location.state,
            func.lower(func.coalesce(Clinic.name, "")),
            lowest,
            single,
            *unit_vector(Location.latitude, Location.longitude),
        )
        .join(Clinic, Clinic.id == Location.clinic_id)
        .where(Clinic.status == ClinicStatus.PUBLISHED)
    )
    if clinic_ids is not None:
        found = found.where(Location.clinic_id.in_(clinic_ids))
    columns = [
        "location_id",
        "clinic_id",
        "band",
        "latitude",
        "longitude",
        "state",
        "sort_name",
        "lowest_cents",
        "single",
        "x",
        "y",
        "z",
    ]
    return insert(SearchPoint).from_select(columns, found)


def refresh(session: Session, clinic_ids: Iterable[int] | None) -> None:
    """Recompute the rows of these listings (None: of every listing); no commit."""
    replace_rows(session, SearchPoint, lambda s, ids: s.execute(_rows(ids)), clinic_ids)


DerivedTable("search_points", _TABLES, _flushed_clinics, refresh).listen()
