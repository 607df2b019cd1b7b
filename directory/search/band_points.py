"""The search points of each band of latitude, kept in each worker while the data stands.

A search without filters around a place reads only `search_points`: the bands of latitude
its box spans, each by longitude (listings/search_points.py). Each worker keeps the bands
it has read, per data version, sorted by longitude in arrays (some 220 bytes a point with
its name: about 21 MB for the 94,000 points of 100,000 example clinics), and finds,
measures, orders and counts a page's matches in them itself. A box of a few points is
measured one point at a time; a larger one, all its points at once in the arrays, so that
a 100-mile search at 100,000 clinics (some 1,900 points in its box) costs about 0.5 ms,
not 1.5 ms one at a time or 3 to 6 ms in the database. Any approval or import moves the data
version, after which each band is read again when a search next needs it.

The answers are the database's own: the same box, the same closeness (the same dot product
in the same order of operations, in the same double precision), the same inclusive bounds,
each listing at its nearest point inside the circle, ordered by the same keys with names
in code-point order (as SQLite and a C-collated PostgreSQL order them). Searches with
filters, or by name, still ask the database, which holds what they read.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from flask import Flask
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from directory.caching import VersionedMemo
from directory.extensions import db
from directory.listings.search_points import bands_between
from directory.models import SearchPoint

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

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

# A lowest price of None, in an array of integers.
_NO_PRICE = -1


@dataclass(frozen=True, slots=True)
class _Band:
    """One band's points, by longitude."""

    longitude: FloatArray
    latitude: FloatArray
    x: FloatArray
    y: FloatArray
    z: FloatArray
    clinic_id: IntArray
    lowest: IntArray
    single: BoolArray
    state: StrArray
    sort_name: tuple[str, ...]


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
    columns = tuple(zip(*rows, strict=True)) or ((),) * 11
    _, longitude, latitude, x, y, z, clinic_id, lowest, single, sort_name, state = columns
    return _Band(
        longitude=np.array(longitude, dtype=np.float64),
        latitude=np.array(latitude, dtype=np.float64),
        x=np.array(x, dtype=np.float64),
        y=np.array(y, dtype=np.float64),
        z=np.array(z, dtype=np.float64),
        clinic_id=np.array(clinic_id, dtype=np.int64),
        lowest=np.array([_NO_PRICE if cents is None else cents for cents in lowest], np.int64),
        single=np.array(single, dtype=np.bool_),
        state=np.array([code or "" for code in state], dtype="U2"),
        sort_name=sort_name,
    )


# Up to this many points in a search's box, measuring them one at a time costs less than
# measuring them together. At 100,000 clinics, for 300 random ZIP codes at 25 miles (84 %
# of their boxes hold more than 75 points), alone in a loop one at a time took 0.04 ms
# for 50 to 75 points, as long as together for 75 to 100, and 0.085 against 0.046 ms for
# 150 to 256; within search pages, whose other work leaves the arrays out of the
# processor's cache, a page took 0.26 ms with this bound, 0.27 with 256, 0.41 with none.
FEW_POINTS = 80


@dataclass(frozen=True, slots=True)
class _Box:
    """The points of a search's box: in each band they cross, those between its longitudes
    (`slices`: band, first, past the last), each point once."""

    slices: list[tuple[_Band, int, int]]
    size: int


def _box(session: Session, values: dict[str, Any]) -> _Box:
    ranges = [(values["min_lng"], values["max_lng"])]
    if values["wraps"]:
        ranges.append((values["wrap_min_lng"], values["wrap_max_lng"]))
    first_low, first_high = ranges[0]
    slices: list[tuple[_Band, int, int]] = []
    for band in _bands(session, values["bands"]):
        for second, (low, high) in enumerate(ranges):
            start = int(band.longitude.searchsorted(low, "left"))
            end = int(band.longitude.searchsorted(high, "right"))
            pieces = [(start, end)]
            if second:  # leave out the points in the first range too: found already
                cut_start = int(band.longitude.searchsorted(first_low, "left"))
                cut_end = int(band.longitude.searchsorted(first_high, "right"))
                pieces = [(start, min(end, cut_start)), (max(start, cut_end), end)]
            slices.extend((band, first, past) for first, past in pieces if first < past)
    return _Box(slices, sum(end - start for _, start, end in slices))


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
    box = _box(session, values)
    if box.size <= FEW_POINTS:
        return _page_of_few(_few_matches(box, values, state), sort, offset, limit)
    return _page_of_many(_many_matches(box, values, state), sort, offset, limit)


# A match: its closeness, the name it sorts by, its lowest price (or _NO_PRICE) and its id.
_Match = tuple[float, str, int, int]


def _few_matches(box: _Box, values: dict[str, Any], state: str | None) -> list[_Match]:
    """Each listing with a point inside the circle, in the state if one is given, at its
    nearest point inside it: its points measured one at a time."""
    x0, y0, z0 = values["x0"], values["y0"], values["z0"]
    min_closeness, min_lat, max_lat = values["min_closeness"], values["min_lat"], values["max_lat"]
    found: list[_Match] = []
    grouped: dict[int, _Match] = {}  # listings with several points: the nearest inside
    for band, start, end in box.slices:
        points = zip(
            band.x[start:end].tolist(),
            band.y[start:end].tolist(),
            band.z[start:end].tolist(),
            band.latitude[start:end].tolist(),
            band.state[start:end].tolist(),
            band.sort_name[start:end],
            band.lowest[start:end].tolist(),
            band.clinic_id[start:end].tolist(),
            band.single[start:end].tolist(),
            strict=True,
        )
        for x, y, z, latitude, in_state, name, lowest, clinic_id, single in points:
            # The same products, added in the same order, as the database's statement.
            closeness = x0 * x + y0 * y + z0 * z
            if closeness < min_closeness or not min_lat <= latitude <= max_lat:
                continue
            if state is not None and in_state != state:
                continue
            match = (closeness, name, lowest, clinic_id)
            if single:
                found.append(match)
            else:
                nearest = grouped.get(clinic_id)
                if nearest is None or closeness > nearest[0]:
                    grouped[clinic_id] = match
    found.extend(grouped.values())
    return found


def _page_of_few(
    matches: list[_Match], sort: str, offset: int, limit: int
) -> tuple[list[tuple[int, int | None]], int]:
    # Each match as the tuple it sorts by, ending with its id (no two alike) and price.
    keyed: list[tuple[Any, ...]]
    if sort == "price":  # cheapest first, those without a price last, then nearest
        keyed = [(low == _NO_PRICE, low, -near, name, cid, low) for near, name, low, cid in matches]
    else:
        keyed = [(-near, name, cid, low) for near, name, low, cid in matches]
    shown = heapq.nsmallest(offset + limit, keyed)[offset:]
    found = [(key[-2], None if key[-1] == _NO_PRICE else key[-1]) for key in shown]
    return found, len(matches)


@dataclass(frozen=True, slots=True)
class _Matches:
    """The listings inside a circle, each at its nearest point inside it, measured
    together: by match, its closeness, lowest price (or _NO_PRICE), id and place among the
    box's points (`name` finds its name there)."""

    closeness: FloatArray
    lowest: IntArray
    clinic_id: IntArray
    place: IntArray
    box: _Box
    starts: list[int]  # where each of the box's slices starts among its points

    def name(self, match: int) -> str:
        """The name a match sorts by."""
        place = int(self.place[match])
        slice_number = bisect_right(self.starts, place) - 1
        band, start, _ = self.box.slices[slice_number]
        return band.sort_name[start + place - self.starts[slice_number]]


def _many_matches(box: _Box, values: dict[str, Any], state: str | None) -> _Matches:
    """`_few_matches` for a box of many points: measured together, in arrays."""

    def gathered(field: str) -> Any:
        return np.concatenate([getattr(band, field)[start:end] for band, start, end in box.slices])

    # The same products, added in the same order, as the database's statement.
    closeness = values["x0"] * gathered("x") + values["y0"] * gathered("y")
    closeness += values["z0"] * gathered("z")
    latitude = gathered("latitude")
    inside = (
        (closeness >= values["min_closeness"])
        & (latitude >= values["min_lat"])
        & (latitude <= values["max_lat"])
    )
    if state is not None:
        inside &= gathered("state") == state
    place = np.flatnonzero(inside)
    clinic_id = gathered("clinic_id")[place]
    single = gathered("single")[place]
    if not single.all():  # listings with several points: each at its nearest inside
        several = np.flatnonzero(~single)
        by_listing = several[np.lexsort((-closeness[place[several]], clinic_id[several]))]
        ids = clinic_id[by_listing]
        nearest = by_listing[np.concatenate(([True], ids[1:] != ids[:-1]))]
        kept = np.sort(np.concatenate((np.flatnonzero(single), nearest)))
        place, clinic_id = place[kept], clinic_id[kept]
    starts = [0]
    for _, start, end in box.slices[:-1]:
        starts.append(starts[-1] + end - start)
    return _Matches(
        closeness=closeness[place],
        lowest=gathered("lowest")[place],
        clinic_id=clinic_id,
        place=place,
        box=box,
        starts=starts,
    )


def _page_of_many(
    matches: _Matches, sort: str, offset: int, limit: int
) -> tuple[list[tuple[int, int | None]], int]:
    nearness = -matches.closeness
    lowest = matches.lowest
    numeric: tuple[Any, ...]  # the keys the arrays order by, before the name
    if sort == "price":  # cheapest first, those without a price last, then nearest
        no_price = lowest == _NO_PRICE
        order = np.lexsort((nearness, lowest, no_price))
        numeric = (no_price, lowest, nearness)
    else:
        order = np.argsort(nearness, kind="stable")
        numeric = (nearness,)
    # The page's matches and any others as near or cheap as its last, ordered again with
    # their names.
    wanted = offset + limit
    if len(order) > wanted:
        last = order[wanted - 1]
        tied = np.ones(len(order) - wanted, dtype=np.bool_)
        for key in numeric:
            tied &= key[order[wanted:]] == key[last]
        wanted += len(tied) if tied.all() else int(np.argmin(tied))
    chosen = order[:wanted]
    keyed = sorted(
        zip(
            *(key[chosen].tolist() for key in numeric),
            [matches.name(match) for match in chosen.tolist()],
            matches.clinic_id[chosen].tolist(),  # no two alike: the price never decides
            lowest[chosen].tolist(),
            strict=True,
        )
    )
    found = [
        (key[-2], None if key[-1] == _NO_PRICE else key[-1])
        for key in keyed[offset : offset + limit]
    ]
    return found, len(order)
