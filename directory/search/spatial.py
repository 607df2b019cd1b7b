"""Nearest-first in SQL: great-circle closeness of stored points, portable to SQLite and PostgreSQL.

The database orders and limits by the cosine of the central angle between a place and each
location (a larger cosine is a shorter great-circle distance, so ordering by it is ordering
by distance), after the indexed latitude/longitude box has cut the table down. Only the
rows of the page shown are then measured in miles (`places.distance_miles`).

A search reads `search_points`, whose index leads with the band of latitude: the box is
read band by band, each by longitude (see listings/search_points.py); each point's place
on the unit sphere is stored with it, so its closeness is a dot product. Other readers of a
circle (a region's costs) read `locations` by its latitude/longitude index.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Engine, Float, bindparam, event, func, literal, or_

from directory.listings.search_points import bands_between
from directory.models import Location, SearchPoint
from directory.search import places as geo

# The mean Earth radius distances are measured with, in miles.
EARTH_RADIUS_MILES = geo.EARTH_RADIUS_KM / geo.KM_PER_MILE


def min_closeness(radius_miles: float) -> float:
    """The closeness of a location exactly radius_miles away."""
    return math.cos(min(radius_miles / EARTH_RADIUS_MILES, math.pi))


def _circle(
    value: Callable[[str], Any],
    table: type[Location] | type[SearchPoint] = Location,
    wraps: bool = False,
) -> tuple[ColumnElement[float], list[ColumnElement[bool]]]:
    """The closeness of each of a table's points to a place, and the conditions on the
    table for being inside the indexed box and then inside the circle; `value` gives each
    of the `circle_values` by name as SQL (bound when the statement runs, or literal). A
    box that `wraps` across the antimeridian has a second range of longitudes."""
    closeness: ColumnElement[float]
    if table is SearchPoint:  # its place on the unit sphere is stored: a dot product
        closeness = (
            value("x0") * SearchPoint.x + value("y0") * SearchPoint.y + value("z0") * SearchPoint.z
        )
    else:
        lat = func.radians(table.latitude)
        closeness = value("sin_lat0") * func.sin(lat) + value("cos_lat0") * func.cos(
            lat
        ) * func.cos(func.radians(table.longitude) - value("lng0"))
    longitude: ColumnElement[bool] = table.longitude.between(value("min_lng"), value("max_lng"))
    if wraps:
        longitude = or_(
            longitude, table.longitude.between(value("wrap_min_lng"), value("wrap_max_lng"))
        )
    return closeness, [
        table.latitude.between(value("min_lat"), value("max_lat")),
        longitude,
        closeness >= value("min_closeness"),
    ]


def _bound(name: str) -> Any:
    return bindparam(name, type_=Float)


# The closeness of each search point (the cosine of the angle between a place and it: 1 is
# the same place) and the circle's conditions, for statements built once that bind
# `circle_values` when they run. The bands come first: the index leads with them.
BOUND_CLOSENESS, _WITHIN = _circle(_bound, SearchPoint)
_BANDS = SearchPoint.band.in_(bindparam("bands", expanding=True))
BOUND_WITHIN = [_BANDS, *_WITHIN]
# The same for a circle whose box crosses the antimeridian (its `circle_values` say "wraps").
BOUND_WITHIN_WRAPPED = [_BANDS, *_circle(_bound, SearchPoint, wraps=True)[1]]


def circle_values(latitude: float, longitude: float, radius_miles: float) -> dict[str, Any]:
    """The bound values of BOUND_CLOSENESS and BOUND_WITHIN for a point and radius."""
    box = geo.bounding_box(latitude, longitude, radius_miles)
    (min_lng, max_lng), *wrapped = box.longitude_ranges()
    wrap_min_lng, wrap_max_lng = wrapped[0] if wrapped else (min_lng, max_lng)
    lat0, lng0 = math.radians(latitude), math.radians(longitude)
    return {
        "sin_lat0": math.sin(lat0),
        "cos_lat0": math.cos(lat0),
        "lng0": lng0,
        "x0": math.cos(lat0) * math.cos(lng0),
        "y0": math.cos(lat0) * math.sin(lng0),
        "z0": math.sin(lat0),
        "min_lat": box.min_lat,
        "max_lat": box.max_lat,
        "min_lng": min_lng,
        "max_lng": max_lng,
        "wraps": bool(wrapped),
        "wrap_min_lng": wrap_min_lng,
        "wrap_max_lng": wrap_max_lng,
        "min_closeness": min_closeness(radius_miles),
        "bands": bands_between(box.min_lat, box.max_lat),
    }


def within(latitude: float, longitude: float, radius_miles: float) -> list[ColumnElement[bool]]:
    """The circle's conditions with a point and radius written in, for statements built per
    use."""
    values = circle_values(latitude, longitude, radius_miles)
    return _circle(lambda name: literal(values[name]), wraps=values["wraps"])[1]


def install_sqlite_math(engine: Engine) -> None:
    """Give SQLite builds without the math functions Python ones (slower, same answers)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        try:
            dbapi_connection.execute("SELECT radians(1.0), sin(1.0), cos(1.0), floor(1.0)")
        except Exception:  # noqa: BLE001 - the build lacks them: any error means add them
            for name, fn in (
                ("radians", math.radians),
                ("sin", math.sin),
                ("cos", math.cos),
                ("floor", math.floor),
            ):
                dbapi_connection.create_function(name, 1, fn, deterministic=True)
