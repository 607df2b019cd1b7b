"""Nearest-first in SQL: great-circle closeness of stored points, portable to SQLite and PostgreSQL.

The database orders and limits by the cosine of the central angle between a place and each
location (a larger cosine is a shorter great-circle distance, so ordering by it is ordering
by distance), after the indexed latitude/longitude box has cut the table down. Only the
rows of the page shown are then measured in miles with geopy.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import ColumnElement, Engine, Float, bindparam, event, func, literal

from directory.models import Location
from directory.search import places as geo

# geopy's great_circle uses this mean Earth radius (6371.009 km), here in miles.
EARTH_RADIUS_MILES = 6371.009 / 1.609344


def closeness(latitude: float, longitude: float) -> ColumnElement[float]:
    """SQL for the cosine of the angle between a point and each location (1 = same place)."""
    lat0 = math.radians(latitude)
    return _closeness(
        literal(math.sin(lat0)), literal(math.cos(lat0)), literal(math.radians(longitude))
    )


def _closeness(sin_lat0: Any, cos_lat0: Any, lng0: Any) -> ColumnElement[float]:
    lat = func.radians(Location.latitude)
    return sin_lat0 * func.sin(lat) + cos_lat0 * func.cos(lat) * func.cos(
        func.radians(Location.longitude) - lng0
    )


def min_closeness(radius_miles: float) -> float:
    """The closeness of a location exactly radius_miles away."""
    return math.cos(min(radius_miles / EARTH_RADIUS_MILES, math.pi))


def within(latitude: float, longitude: float, radius_miles: float) -> list[ColumnElement[bool]]:
    """Conditions on Location: inside the indexed box, then inside the circle."""
    box = geo.bounding_box(latitude, longitude, radius_miles)
    return [
        Location.latitude.between(box.min_lat, box.max_lat),
        Location.longitude.between(box.min_lng, box.max_lng),
        closeness(latitude, longitude) >= min_closeness(radius_miles),
    ]


# The same SQL with the point and radius as bound values (`circle_values`), for statements
# built once and run for any place.
BOUND_CLOSENESS = _closeness(
    bindparam("sin_lat0", type_=Float),
    bindparam("cos_lat0", type_=Float),
    bindparam("lng0", type_=Float),
)
BOUND_WITHIN = [
    Location.latitude.between(bindparam("min_lat", type_=Float), bindparam("max_lat", type_=Float)),
    Location.longitude.between(
        bindparam("min_lng", type_=Float), bindparam("max_lng", type_=Float)
    ),
    BOUND_CLOSENESS >= bindparam("min_closeness", type_=Float),
]


def circle_values(latitude: float, longitude: float, radius_miles: float) -> dict[str, float]:
    """The bound values of BOUND_CLOSENESS and BOUND_WITHIN for a point and radius."""
    box = geo.bounding_box(latitude, longitude, radius_miles)
    lat0 = math.radians(latitude)
    return {
        "sin_lat0": math.sin(lat0),
        "cos_lat0": math.cos(lat0),
        "lng0": math.radians(longitude),
        "min_lat": box.min_lat,
        "max_lat": box.max_lat,
        "min_lng": box.min_lng,
        "max_lng": box.max_lng,
        "min_closeness": min_closeness(radius_miles),
    }


def install_sqlite_math(engine: Engine) -> None:
    """Give SQLite builds without the math functions Python ones (slower, same answers)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        try:
            dbapi_connection.execute("SELECT radians(1.0), sin(1.0), cos(1.0)")
        except Exception:  # noqa: BLE001 - the build lacks them: any error means add them
            for name, fn in (("radians", math.radians), ("sin", math.sin), ("cos", math.cos)):
                dbapi_connection.create_function(name, 1, fn, deterministic=True)
