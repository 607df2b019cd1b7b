"""The search points of each band of latitude, kept in each worker while the data stands.

A search without filters around a place reads only `search_points`: the bands of latitude
its box spans, each by longitude (listings/search_points.py). Each worker keeps the bands
it has read, per data version, sorted by longitude in compact arrays (some 220 bytes a
point with its name: about 21 MB for the 94,000 points of 100,000 example clinics), and
finds, measures, orders and counts a page's matches in them itself. The database
answered the same question in 0.7 to 1 ms for 25 miles and 3 to 6 ms for 100 miles
ordered by price at that size; the kept bands answer it in a fraction of that, and any
approval or import moves the data version, after which each band is read again when a
search next needs it.

The answers are the database's own: the same box, the same closeness (the same dot product
in the same order of operations), the same inclusive bounds, each listing at its nearest
point inside the circle, ordered by the same keys with names in code-point order (as
SQLite and a C-collated PostgreSQL order them). Searches with filters, or by name, still
ask the database, which holds what they read.
"""

from __future__ import annotations

import heapq
import sys
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from directory.caching import VersionedMemo
from directory.extensions import db
from directory.listings.search_points import bands_between
from directory.models import SearchPoint
from directory.models.search_point import BANDS_PER_DEGREE

# The sorts answered from the kept bands (a search by name orders by the collation of the
# database it asks).
SORTS = frozenset({"distance", "price"})

# Every quarter degree of latitude from pole to pole (a box stops at a pole).
_EVERY_BAND = bands_between(-90.0, 90.0)
_BANDS = VersionedMemo(size=len(_EVERY_BAND))

_READ = (
    select(
        SearchPoint.band,
        SearchPoint.longitude,
        SearchPoint.latitude,
        SearchPoint.x,
        SearchPoint.y,
        SearchPoint.z,
        SearchPoint.clinic_id,
        SearchPoint.lowest_cents,
        SearchPoint.single,
        SearchPoint.sort_name,
        SearchPoint.state,
    )
    .where(SearchPoint.band.in_(bindparam("bands", expanding=True)))
    .order_by(SearchPoint.band, SearchPoint.longitude)  # the index's order: no sort
)

# Past this many points the master leaves the bands to the workers, each reading those its
# searches need (some 220 bytes a point, kept by each worker that touches it).
READ_ALL_MAX_POINTS = 300_000
_READ_ALL_CHUNK = 16

# A lowest price of None, in an array of integers.
_NO_PRICE = -1


@dataclass(frozen=True, slots=True)
class _Band:
    """One band's points, by longitude."""

    longitude: array[float]
    latitude: array[float]
    x: array[float]
    y: array[float]
    z: array[float]
    clinic_id: array[int]
    lowest: array[int]
    single: bytes
    sort_name: tuple[str, ...]
    state: tuple[str, ...]


def _bands(session: Session, wanted: list[int]) -> list[_Band]:
    """The bands, read together where this worker does not keep them at this version."""

    def read(bands: list[int]) -> dict[int, _Band]:
        rows: dict[int, list[Any]] = {band: [] for band in bands}
        for row in session.connection().execute(_READ, {"bands": bands}).all():
            rows[row[0]].append(row)
        return {band: _band(found) for band, found in rows.items()}

    kept = _BANDS.get_many(session, wanted, read)
    return [kept[band] for band in wanted]


def read_all(app: Flask) -> None:
    """Read every band now, in gunicorn's master before it forks, and close the
    connection that read them: each worker starts with them (sharing their memory with the
    master until it reads a band again after a change), not reading them during its first
    searches. A database that cannot be read yet leaves them to the workers."""
    with app.app_context():
        try:
            with Session(db.engine) as session:
                count = session.execute(select(func.count()).select_from(SearchPoint))
                if count.scalar_one() <= READ_ALL_MAX_POINTS:
                    # A few bands at a time: the rows read for them are let go before
                    # the next, instead of every point's row at once.
                    for start in range(0, len(_EVERY_BAND), _READ_ALL_CHUNK):
                        _bands(session, _EVERY_BAND[start : start + _READ_ALL_CHUNK])
        except SQLAlchemyError:
            app.logger.warning("search points not read before the workers start", exc_info=True)
        finally:
            db.engine.dispose()  # no connection shared with the workers


def _band(rows: list[Any]) -> _Band:
    if not rows:
        empty = array("d")
        return _Band(empty, empty, empty, empty, empty, array("q"), array("q"), b"", (), ())
    _, longitude, latitude, x, y, z, clinic_id, lowest, single, sort_name, state = zip(
        *rows, strict=True
    )
    return _Band(
        longitude=array("d", longitude),
        latitude=array("d", latitude),
        x=array("d", x),
        y=array("d", y),
        z=array("d", z),
        clinic_id=array("q", clinic_id),
        lowest=array("q", (_NO_PRICE if cents is None else cents for cents in lowest)),
        single=bytes(map(bool, single)),
        sort_name=sort_name,
        state=tuple(map(sys.intern, state)),  # one string for each state, not one a point
    )


# A match: its closeness, the name it sorts by, its lowest price (or _NO_PRICE) and its id.
_Match = tuple[float, str, int, int]


def _matches(session: Session, values: dict[str, Any], state: str | None) -> list[_Match]:
    """Each listing with a point inside the circle of `values` (spatial.circle_values), in
    the state if one is given, at its nearest point inside it."""
    x0, y0, z0 = values["x0"], values["y0"], values["z0"]
    min_closeness = values["min_closeness"]
    min_lat, max_lat = values["min_lat"], values["max_lat"]
    ranges = [(values["min_lng"], values["max_lng"])]
    if values["wraps"]:
        ranges.append((values["wrap_min_lng"], values["wrap_max_lng"]))
    first_low, first_high = ranges[0]
    found: list[_Match] = []
    grouped: dict[int, _Match] = {}  # listings with several points: the nearest inside
    for number, band in zip(values["bands"], _bands(session, values["bands"]), strict=True):
        # A band wholly inside the box's latitudes needs no test of them.
        inside = min_lat <= number / BANDS_PER_DEGREE and (number + 1) / BANDS_PER_DEGREE <= max_lat
        longitudes, latitudes = band.longitude, band.latitude
        for second, (low, high) in enumerate(ranges):
            start, end = bisect_left(longitudes, low), bisect_right(longitudes, high)
            points = zip(
                range(start, end),
                band.x[start:end],
                band.y[start:end],
                band.z[start:end],
                strict=True,
            )
            for k, x, y, z in points:
                closeness = x0 * x + y0 * y + z0 * z
                if closeness < min_closeness:
                    continue
                if not inside and not min_lat <= latitudes[k] <= max_lat:
                    continue
                if second and first_low <= longitudes[k] <= first_high:
                    continue  # in the first range too: found already
                if state is not None and band.state[k] != state:
                    continue
                match = (closeness, band.sort_name[k], band.lowest[k], band.clinic_id[k])
                if band.single[k]:
                    found.append(match)
                else:
                    nearest = grouped.get(match[3])
                    if nearest is None or closeness > nearest[0]:
                        grouped[match[3]] = match
    found.extend(grouped.values())
    return found


def page(
    session: Session,
    values: dict[str, Any],
    state: str | None,
    sort: str,
    offset: int,
    limit: int,
) -> tuple[list[tuple[int, int | None]], int]:
    """One page of the listings inside a circle (in a state), nearest first or cheapest
    first (`sort`, one of SORTS): their ids and lowest per-session prices, and how many
    there are."""
    matches = _matches(session, values, state)
    # Each match as the tuple it sorts by, ending with its id (no two alike) and price.
    keyed: list[tuple[Any, ...]]
    if sort == "price":  # cheapest first, those without a price last, then nearest
        keyed = [(low == _NO_PRICE, low, -near, name, cid, low) for near, name, low, cid in matches]
    else:
        keyed = [(-near, name, cid, low) for near, name, low, cid in matches]
    shown = heapq.nsmallest(offset + limit, keyed)[offset:]
    found = [(key[-2], None if key[-1] == _NO_PRICE else key[-1]) for key in shown]
    return found, len(matches)
