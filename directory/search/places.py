"""Places a patient types, resolved against the gazetteer and metros.json, and distances."""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import us
from flask_babel import gettext
from sqlalchemy import ColumnElement, Row, bindparam, func, or_, select
from sqlalchemy.orm import Session

from directory.caching import VersionedMemo
from directory.i18n import current_language
from directory.models import Place
from directory.search import place_suggestions
from directory.search.state_names import SPANISH

MAX_PLACE_LENGTH = 100
MAX_ALTERNATIVES = 8
MILES_PER_DEGREE_LATITUDE = 68.7  # the shortest degree, so the box never cuts a result off

ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$", re.ASCII)  # stored ZIP codes are ASCII digits
# Words, then a ZIP code at the end: "Chicago, IL 60601", "23800 Orchard Lake Rd., MI 48336",
# with the country a map app adds after it (", USA").
_ADDRESS_ZIP_RE = re.compile(
    r"(.*[^\W\d_].*?)[\s,]+(\d{5})(?:-\d{4})?"
    r"(?:[\s,]+(?:USA?|U\.S\.(?:A\.)?|United States(?: of America)?))?",
    re.ASCII | re.IGNORECASE,
)
# "42.4656,-83.3638": what the "use my location" button sends.
COORDS_RE = re.compile(r"^(-?\d{1,2}(?:\.\d{1,7})?)\s*,\s*(-?\d{1,3}(?:\.\d{1,7})?)$")

# Territories the ZIP gazetteer covers besides the states and DC.
_JURISDICTIONS = {s.abbr: s for s in [*us.states.STATES_AND_TERRITORIES, us.states.DC]}
# The names a page shows, per language other than English (whose names are `state_name`).
_DISPLAY_NAMES = {"es": SPANISH}


class UnknownPlace(ValueError):
    """The text names no place the gazetteer knows; the message says what to try.

    `suggestions` are places the patient may have meant ("Chicago, IL"), to offer as links.
    """

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


@dataclass(frozen=True)
class Metro:
    """A metro area by the name clinics use, centred on its anchor city."""

    name: str
    aliases: tuple[str, ...]
    anchor: str  # a city key in the gazetteer, "chicago, il"
    radius_miles: float


METROS: tuple[Metro, ...] = tuple(
    Metro(m["name"], tuple(m["aliases"]), m["anchor"], m["radius_miles"])
    for m in json.loads((Path(__file__).parent / "metros.json").read_text(encoding="utf-8"))
)
_METRO_BY_ALIAS = {
    alias: metro for metro in METROS for alias in (metro.name.lower(), *metro.aliases)
}


def _metro_named(text: str) -> Metro | None:
    """The metro area a name or alias stands for ("Chicagoland", "chicago area")."""
    return _METRO_BY_ALIAS.get(re.sub(r"\s+", " ", text.strip().lower().replace("–", "-")))


def is_metro(name: str) -> bool:
    """Whether a search for `name` finds a metro area ("Chicagoland")."""
    return _metro_named(name) is not None


@dataclass(frozen=True)
class SearchPlace:
    """A resolved place: a point with a radius, or a whole state."""

    kind: str  # "zip", "city", "metro" or "state"
    label: str
    state: str | None
    latitude: float | None = None
    longitude: float | None = None
    default_radius: float | None = None
    # Other places the same words could mean ("Portland, ME" beside "Portland, OR").
    alternatives: tuple[str, ...] = ()
    # How pages name it, when the patient spelt the city better than the gazetteer does
    # ("Coeur d'Alene, ID"); `label`, the gazetteer's, is what the API says.
    shown: str | None = None

    @property
    def has_point(self) -> bool:
        """True when distances can be measured from this place."""
        return self.latitude is not None and self.longitude is not None


# Apostrophes as typed (a phone's keyboard curls them) and dashes between words.
_APOSTROPHES = "'\u2018\u2019`\u02bb\u02bc\u02bd\u2032"  # and Hawaiian's ʻokina
_DASHES = re.compile(r"[-\u2010-\u2015]")


def normalise_city(text: str, apostrophe: str = "") -> str:
    """Fold a city name to the form gazetteer keys use ("St. Louis" -> "st louis"): the
    gazetteer spells names without accents ("San Jose") and with spaces for hyphens
    ("Winston Salem"); an apostrophe is dropped ("Lees Summit"), or read as `apostrophe`
    ("O Fallon": see city_keys)."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _DASHES.sub(" ", text.lower().replace(".", ""))
    for mark in _APOSTROPHES:
        text = text.replace(mark, apostrophe)
    text = re.sub(r"\s+", " ", text).strip()
    words = text.split(" ")
    replacements = {"saint": "st", "sainte": "ste", "mount": "mt", "fort": "ft"}
    return " ".join(replacements.get(w, w) for w in words)


def city_keys(text: str) -> list[str]:
    """The gazetteer keys a city name may have, in the order to try them: the gazetteer
    drops some apostrophes ("Lees Summit") and spaces others ("O Fallon", "Coeur D Alene")."""
    return list(dict.fromkeys([normalise_city(text), normalise_city(text, apostrophe=" ")]))


def state_code(text: str) -> str | None:
    """The two-letter code for a state name or code, or None."""
    cleaned = text.strip().rstrip(".")
    if not cleaned or cleaned.isdigit():
        return None
    found = us.states.lookup(cleaned)
    if found is None and len(cleaned) == 2:
        found = us.states.lookup(cleaned.upper())
    if found is None:
        # A Spanish page's links and readers name states in Spanish ("Nueva York").
        return _CODES_BY_DISPLAY_NAME.get(name_key(cleaned))
    if found.abbr not in _JURISDICTIONS:
        return None
    return found.abbr


def state_name(code: str) -> str:
    """The English name of a state or territory code: the one data and the API carry."""
    found = _JURISDICTIONS.get(code.upper())
    return found.name if found else code


def state_display_name(code: str) -> str:
    """The name of a state or territory code in the language of the page being built."""
    names = _DISPLAY_NAMES.get(current_language())
    shown = names.get(code.upper()) if names is not None else None
    return shown or state_name(code)


def name_key(name: str) -> str:
    """A name folded for sorting and matching: accents dropped, case ignored ("Míchigan"
    sorts and matches as "michigan")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_CODES_BY_DISPLAY_NAME = {
    name_key(name): code for names in _DISPLAY_NAMES.values() for code, name in names.items()
}


def all_states() -> list[tuple[str, str]]:
    """Every jurisdiction the directory covers, as (code, English name), by name."""
    return sorted(((s.abbr, s.name) for s in _JURISDICTIONS.values()), key=lambda s: s[1])


def display_order(code: str) -> str:
    """Where a state sorts in a list shown in the page's language."""
    return name_key(state_display_name(code))


def state_choices() -> list[tuple[str, str]]:
    """Every jurisdiction as (code, name) in the page's language, in that language's order."""
    return list(_states_in_order(current_language()))


@functools.cache
def _states_in_order(language: str) -> tuple[tuple[str, str], ...]:
    names = _DISPLAY_NAMES.get(language, {})
    shown = {code: names.get(code) or state_name(code) for code in _JURISDICTIONS}
    return tuple(sorted(shown.items(), key=lambda item: name_key(item[1])))


def states_starting_with(typed: str) -> list[str]:
    """States whose name in the page's language, or else in English, starts with the text
    (accents optional): a Spanish reader may type "Nueva York" or "New York"."""
    key = name_key(typed)
    found = []
    for code, shown in state_choices():
        names = dict.fromkeys((shown, state_name(code)))
        found += [name for name in names if name_key(name).startswith(key)][:1]
    return found


def state_names(codes: Iterable[str]) -> list[str]:
    """States' names in the page's language, in that language's order."""
    return [state_display_name(code) for code in sorted(codes, key=display_order)]


def check_state_filter(
    session: Session, typed: str, place: SearchPlace | None, state: str | None
) -> None:
    """Raise UnknownPlace when a state place comes with a filter for another state, offering
    the cities of that name (New York, NY for "New York" with New Jersey's filter: clinics
    in New Jersey near the city), one in the filter's state first."""
    if place is None or place.kind != "state" or state in (None, place.state):
        return
    cities = sorted(_cities_named(session, normalise_city(typed)), key=lambda p: p.state != state)
    raise UnknownPlace(
        gettext(
            "%(place)s is a state and the state filter is %(state)s: choose one of them.",
            place=state_display_name(place.state or ""),
            state=state_display_name(state or ""),
        ),
        tuple(f"{city.name}, {city.state}" for city in cities[:MAX_ALTERNATIVES]),
    )


def place_label(place: SearchPlace) -> str:
    """How a page names a resolved place: a state in the page's language, a city as the
    patient spelt it when that is better than the gazetteer's spelling, any other place as
    it was resolved (`label` itself stays the gazetteer's English, for the API)."""
    if place.kind == "state" and place.state:
        return state_display_name(place.state)
    return place.shown or place.label


def typed_text(text: str) -> str:
    """What a patient typed, as the place lookups read it: full-width digits and letters
    (some keyboards) fold to plain ones, and invisible format characters (a zero-width
    space, direction marks copied from a map app) are dropped."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


def resolve_place(session: Session, text: str) -> SearchPlace:
    """Turn what a patient typed into a place, or raise UnknownPlace with advice."""
    return _resolve(session, _cleaned(text))


def no_place_given() -> str:
    """What a search without a place is told."""
    return gettext("Enter a ZIP code, a city and state, a state, or a metro area.")


def _resolve(session: Session, cleaned: str) -> SearchPlace:
    """resolve_place for text read already (`_cleaned`)."""
    if not cleaned:
        raise UnknownPlace(no_place_given())
    if len(cleaned) > MAX_PLACE_LENGTH:
        raise UnknownPlace(
            gettext(
                "That place is too long (at most %(limit)s characters).", limit=MAX_PLACE_LENGTH
            )
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise UnknownPlace(
            gettext("That place contains characters that are not letters or digits.")
        )

    coords = COORDS_RE.match(cleaned)
    if coords:
        return _point_place(session, float(coords.group(1)), float(coords.group(2)))

    zip_match = ZIP_RE.match(cleaned)
    if zip_match:
        return _zip_place(session, zip_match.group(1))
    if cleaned.isdigit() or re.fullmatch(r"[\d-]+", cleaned):
        raise UnknownPlace(gettext("A ZIP code has five digits, for example 48336."))
    addressed = _ADDRESS_ZIP_RE.fullmatch(cleaned)
    if addressed:  # "Chicago, IL 60601" or a whole pasted address: its ZIP code is nearest
        words, zip_code = addressed.groups()
        try:
            by_zip: SearchPlace | None = _zip_place(session, zip_code)
        except UnknownPlace:
            by_zip = None
        named = state_code(words) or _split_city_state(words)[1]
        if by_zip is not None and named in (None, by_zip.state):
            return by_zip
        cleaned = words  # a ZIP code not known, or in another state: the words before it

    metro = _metro_named(cleaned)
    if metro:
        return _metro_place(session, metro)

    short = place_suggestions.abbreviation(cleaned)
    if short:
        place = _lookup(session, "city", short)
        if place is not None:
            return SearchPlace(
                "city", f"{place.name}, {place.state}", place.state, place.latitude, place.longitude
            )

    code = state_code(cleaned)
    if code:
        city_key = place_suggestions.STATE_NAMED_CITIES.get(cleaned.lower())
        alternatives = tuple(place_suggestions.city_labels(session, [city_key] if city_key else []))
        return SearchPlace(
            kind="state", label=state_name(code), state=code, alternatives=alternatives
        )

    return _city_place(session, cleaned)


# The places searches name, per text, language and data version (loading the gazetteer
# moves it): a worker reads a place once, not for every search near it.
_SEARCHED = VersionedMemo(size=4096)


def searched_place(session: Session, text: str) -> SearchPlace:
    """resolve_place for a search, kept per worker by the text as read (a browser's
    position, rarely the same twice, is not kept); what names no place is looked up
    again each time."""
    cleaned = _cleaned(text)
    if COORDS_RE.match(cleaned):
        return _resolve(session, cleaned)
    key = (cleaned, current_language())
    return _SEARCHED.get(session, key, lambda: _resolve(session, cleaned))


def state_middle(session: Session, code: str) -> SearchPlace | None:
    """The middle of a state (the mean of its ZIP codes' centres), from which a search of a
    state with no clinics measures the nearest ones outside it; None without ZIP codes."""
    middle = session.execute(
        select(func.avg(Place.latitude), func.avg(Place.longitude)).where(
            Place.kind == "zip", Place.state == code
        )
    ).one()
    latitude, longitude = (None if value is None else float(value) for value in middle)
    if latitude is None or longitude is None:
        return None
    return SearchPlace("state", state_name(code), code, latitude, longitude)


def _cleaned(text: str) -> str:
    """What a patient typed as the lookups read it: folded, and single-spaced."""
    return re.sub(r"\s+", " ", typed_text(text)).strip()


def _point_place(session: Session, latitude: float, longitude: float) -> SearchPlace:
    """A position from the browser, named after and placed in the state of the nearest ZIP."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise UnknownPlace(gettext("Those coordinates are not on Earth."))
    box = bounding_box(latitude, longitude, 60)
    nearby = session.execute(
        select(Place).where(Place.kind == "zip", *box.holds(Place.latitude, Place.longitude))
    ).scalars()
    nearest = min(
        nearby,
        key=lambda p: distance_miles(latitude, longitude, p.latitude, p.longitude),
        default=None,
    )
    if nearest is None:
        raise UnknownPlace(
            gettext("That location is outside the area the directory covers (the US).")
        )
    return SearchPlace(
        "point",
        gettext("your location (near %(place)s)", place=f"{nearest.name}, {nearest.state}"),
        nearest.state,
        latitude,
        longitude,
    )


def _zip_place(session: Session, zip_code: str) -> SearchPlace:
    place = _lookup(session, "zip", zip_code)
    if place is None:
        raise UnknownPlace(
            gettext(
                "We could not find the ZIP code %(zip)s. Check the digits, or search for the"
                " city and state.",
                zip=zip_code,
            )
        )
    return SearchPlace(
        "zip",
        f"{place.key} ({place.name}, {place.state})",
        place.state,
        place.latitude,
        place.longitude,
    )


def _metro_place(session: Session, metro: Metro) -> SearchPlace:
    anchor = _lookup(session, "city", metro.anchor)
    if anchor is None:
        raise UnknownPlace(gettext("The place list is not loaded yet. Try again shortly."))
    return SearchPlace(
        "metro", metro.name, anchor.state, anchor.latitude, anchor.longitude, metro.radius_miles
    )


def _city_place(session: Session, text: str) -> SearchPlace:
    city, code = _split_city_state(text)
    if code:
        keys = (f"{key}, {code.lower()}" for key in city_keys(city))
        place = next(filter(None, (_lookup(session, "city", key) for key in keys)), None)
        if place is None:
            raise UnknownPlace(
                gettext(
                    "We could not find %(city)s in %(state)s. Check the spelling, "
                    "or try a ZIP code.",
                    city=city,
                    state=state_display_name(code),
                ),
                tuple(place_suggestions.fuzzy_places(session, normalise_city(city), code)),
            )
        return SearchPlace(
            "city",
            f"{place.name}, {place.state}",
            place.state,
            place.latitude,
            place.longitude,
            shown=_as_typed(city, place.name, place.state),
        )

    found = (_cities_named(session, key) for key in city_keys(city))
    matches = next(filter(None, found), [])
    if len(matches) == 1 or (matches and _clearly_largest(session, matches)):
        largest = matches[0]
        # The largest city wins, but the page names the others so nobody is silently moved.
        others = tuple(f"{p.name}, {p.state}" for p in matches[1:5])
        return SearchPlace(
            "city",
            f"{largest.name}, {largest.state}",
            largest.state,
            largest.latitude,
            largest.longitude,
            alternatives=others,
            shown=_as_typed(city, largest.name, largest.state),
        )
    if matches:
        examples = ", ".join(f"{p.name}, {p.state}" for p in matches[:3])
        raise UnknownPlace(
            gettext(
                "There is more than one %(city)s. Add the state, for example: %(examples)s.",
                city=matches[0].name,
                examples=examples,
            ),
            tuple(f"{p.name}, {p.state}" for p in matches[:MAX_ALTERNATIVES]),
        )
    states = [name for _, name in (*all_states(), *state_choices())]
    extra = [m.name for m in METROS] + list(dict.fromkeys(states))
    raise UnknownPlace(
        gettext(
            "We could not find “%(text)s”. Try a ZIP code, a city and state such as "
            "“Farmington Hills, MI”, a state, or a metro area such as “Chicagoland”.",
            text=text,
        ),
        tuple(place_suggestions.fuzzy_places(session, normalise_city(city), None, extra)),
    )


def _as_typed(typed: str, name: str, state: str) -> str | None:
    """The city as the patient typed it, with its state ("Coeur d'Alene, ID"), when it is
    the gazetteer's name spelt with the accents, hyphens and apostrophes the gazetteer
    leaves out ("Coeur D Alene", "Winston Salem") and starts with a capital; otherwise
    None (the gazetteer's spelling)."""
    typed = typed.strip()
    first = next((c for c in typed if c.lower() != c.upper()), "")  # its first cased letter
    if typed == name or not first.isupper() or typed.isupper():
        return None
    if normalise_city(name) not in city_keys(typed):
        return None
    return f"{typed}, {state}"


def _split_city_state(text: str) -> tuple[str, str | None]:
    if "," in text:
        city, _, rest = text.rpartition(",")
        code = state_code(rest)
        if code:
            return city.strip(), code
        return text, None
    head, _, last = text.rpartition(" ")
    if head and len(last) == 2:
        code = state_code(last)
        if code:
            return head.strip(), code
    return text, None


# Every search by ZIP, city or metro looks one place up: a statement built once, run on the
# session's connection, whose row carries what a SearchPlace needs (no ORM object).
_PLACE = select(Place.key, Place.name, Place.state, Place.latitude, Place.longitude).where(
    Place.kind == bindparam("kind"), Place.key == bindparam("key")
)


def _lookup(session: Session, kind: str, key: str) -> Row[str, str, str, float, float] | None:
    return session.connection().execute(_PLACE, {"kind": kind, "key": key}).first()


def like_escaped(text: str) -> str:
    """Text to match literally in a LIKE pattern escaped with a backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _cities_named(session: Session, name: str) -> list[Place]:
    # Keys are "name, st". LIKE with an escaped prefix works under any collation.
    pattern = like_escaped(name) + ", %"
    stmt = (
        select(Place)
        .where(Place.kind == "city", Place.key.like(pattern, escape="\\"))
        .order_by(Place.key)
    )
    return list(session.execute(stmt).scalars())


def _clearly_largest(session: Session, matches: list[Place]) -> bool:
    """Order same-named cities by ZIP count; True when the first dwarfs the rest.

    "Chicago" means Chicago, IL; "Springfield" means nothing without a state. The
    number of ZIP codes stands in for size, since the gazetteer has no population.
    """
    counts = dict(
        session.execute(
            select(Place.state, func.count())
            .where(
                Place.kind == "zip",
                Place.name.in_({m.name for m in matches}),
                Place.state.in_([m.state for m in matches]),
            )
            .group_by(Place.state)
        ).all()
    )
    matches.sort(key=lambda m: counts.get(m.state, 0), reverse=True)
    first = counts.get(matches[0].state, 0)
    second = counts.get(matches[1].state, 0)
    return first >= 5 and first >= 3 * max(second, 1)


@dataclass(frozen=True)
class BoundingBox:
    """A latitude/longitude box that contains every point within a radius."""

    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float

    def longitude_ranges(self) -> tuple[tuple[float, float], ...]:
        """The box's longitudes as ranges within -180..180: a box that crosses the
        antimeridian (west of the Aleutians) is split there into two."""
        if self.max_lng - self.min_lng >= 360:
            return ((-180.0, 180.0),)
        if self.min_lng <= -180:
            return ((self.min_lng + 360, 180.0), (-180.0, self.max_lng))
        if self.max_lng >= 180:
            return ((self.min_lng, 180.0), (-180.0, self.max_lng - 360))
        return ((self.min_lng, self.max_lng),)

    def holds(self, latitude: Any, longitude: Any) -> list[ColumnElement[bool]]:
        """SQL conditions: a row's latitude and longitude columns are inside the box."""
        ranges = [longitude.between(low, high) for low, high in self.longitude_ranges()]
        return [latitude.between(self.min_lat, self.max_lat), or_(*ranges)]


def bounding_box(latitude: float, longitude: float, radius_miles: float) -> BoundingBox:
    """The box around a point that holds every point within radius_miles of it.

    The circle's widest reach in longitude is asin(sin d / cos latitude) for an angular
    radius d (wider than d / cos latitude far north: a plain ratio missed clinics near the
    edge of a wide circle in Alaska); a circle around a pole takes every longitude.
    """
    dlat = radius_miles / MILES_PER_DEGREE_LATITUDE
    if abs(latitude) + dlat >= 90:
        dlng = 180.0
    else:
        angle = math.radians(dlat)
        reach = math.sin(angle) / math.cos(math.radians(latitude))
        dlng = math.degrees(math.asin(min(reach, 1.0)))
    return BoundingBox(latitude - dlat, latitude + dlat, longitude - dlng, longitude + dlng)


# geopy's mean Earth radius, and its kilometres in a mile.
EARTH_RADIUS_KM = 6371.009
KM_PER_MILE = 1.609344


def distance_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in miles: geopy's `great_circle(...).miles`, its formula
    written out step for step (the same figures), since building its two points cost more
    than the trigonometry for each card."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    sin1, cos1 = math.sin(phi1), math.cos(phi1)
    sin2, cos2 = math.sin(phi2), math.cos(phi2)
    delta = math.radians(lng2) - math.radians(lng1)
    cos_delta, sin_delta = math.cos(delta), math.sin(delta)
    angle = math.atan2(
        math.sqrt((cos2 * sin_delta) ** 2 + (cos1 * sin2 - sin1 * cos2 * cos_delta) ** 2),
        sin1 * sin2 + cos1 * cos2 * cos_delta,
    )
    return EARTH_RADIUS_KM * angle / KM_PER_MILE


def nearest_location(
    place: SearchPlace | None, locations: Sequence[Any], state: str | None = None
) -> tuple[int, float] | None:
    """The index among `locations` of the one nearest a place (of those in `state`, when
    given) and its miles from it, the first of equally near ones; None without a position
    or such a location."""
    if place is None or place.latitude is None or place.longitude is None:
        return None
    lat, lng = place.latitude, place.longitude
    found = [
        (distance_miles(lat, lng, loc.latitude, loc.longitude), index)
        for index, loc in enumerate(locations)
        if state in (None, loc.state)
    ]
    if not found:
        return None
    miles, index = min(found)
    return index, miles


def real_point(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    """The point coordinates give; None when either is missing or both are 0, 0, the point
    off the coast of Africa that packages and files give where they have none."""
    if latitude is None or longitude is None or (latitude, longitude) == (0, 0):
        return None
    return latitude, longitude


def _gazetteer_point(row: dict[str, Any]) -> tuple[float, float] | None:
    """A gazetteer row's centroid; None where it gives none. Some rows carry "0" or
    "0.0000" for both (a few dozen PO box, military and unique ZIP codes, and one
    standard one: 77352, Livingston, TX)."""
    if not row["lat"] or not row["long"]:
        return None
    return real_point(float(row["lat"]), float(row["long"]))


def gazetteer_rows() -> Iterator[dict[str, object]]:
    """Every ZIP centroid and city centroid from the offline `zipcodes` package. A ZIP
    code the package gives no centroid takes its city's, where its city has one (77352
    is in Livingston, TX); the others are left out, so the site says it does not know
    them rather than searching around 0, 0."""
    import zipcodes

    city_points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    city_names: dict[tuple[str, str], str] = {}
    zip_rows = [
        (row, _gazetteer_point(row))
        for row in zipcodes.list_all()
        if row["state"] in _JURISDICTIONS
    ]
    for row, point in zip_rows:
        if point is None or row["zip_code_type"] != "STANDARD":
            continue
        for name in [row["city"], *row.get("acceptable_cities", [])]:
            key = (normalise_city(name), row["state"])
            city_points[key].append(point)
            # The primary spelling wins over abbreviated acceptable forms ("Farmingtn Hls").
            if key not in city_names or len(name) > len(city_names[key]):
                city_names[key] = name
    centroids = {
        key: (
            round(sum(p[0] for p in points) / len(points), 5),
            round(sum(p[1] for p in points) / len(points), 5),
        )
        for key, points in city_points.items()
    }
    for row, own_point in zip_rows:
        point = own_point or centroids.get((normalise_city(row["city"]), row["state"]))
        if point is None:
            continue
        yield {
            "kind": "zip",
            "key": row["zip_code"],
            "name": row["city"],
            "state": row["state"],
            "latitude": point[0],
            "longitude": point[1],
        }
    for (city, state), (lat, lng) in centroids.items():
        yield {
            "kind": "city",
            "key": f"{city}, {state.lower()}",
            "name": city_names[(city, state)],
            "state": state,
            "latitude": lat,
            "longitude": lng,
        }
