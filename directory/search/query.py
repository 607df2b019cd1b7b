"""Finding published clinics by place, distance and filters."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Exists,
    Integer,
    ScalarSelect,
    Select,
    String,
    Subquery,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from directory.caching import VersionedMemo
from directory.config import Defaults
from directory.listings import rows as cards
from directory.listings import state_programs
from directory.listings.taxonomy import SUPPORT_SERVICES
from directory.models import (
    Clinic,
    ClinicStatus,
    Condition,
    GeocodePrecision,
    Location,
    LowestPrice,
    PriceUnit,
    SearchPoint,
    ServiceArea,
    StateProgram,
    Treatment,
)
from directory.models.treatment import clinic_conditions, clinic_treatments
from directory.prices import lowest as lowest_prices
from directory.prices.hospital_cash import HospitalCash, cash_by_clinic
from directory.search import band_points, params, spatial
from directory.search import places as geo
from directory.settings import Settings

NEARBY_COUNT = 5
NEARBY_MAX_MILES = 3000.0
REMOTE_PER_PAGE = 5  # telehealth programs shown a page; a large state has thousands


class InvalidSearch(ValueError):
    """One or more search parameters are not acceptable; errors maps field to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class SearchQuery:
    """A validated search: what the page and the API both accept."""

    near: str = ""
    radius: float = 25.0
    state: str | None = None
    treatment: str | None = None
    condition: str | None = None
    max_price_cents: int | None = None
    free_consultation: bool = False
    insurance: bool = False
    sort: str = "distance"
    page: int = 1
    per_page: int = 20
    radius_given: bool = False
    remote_page: int = 1
    remote_per_page: int = REMOTE_PER_PAGE
    payment: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    accepting: bool = False
    verified_within_months: int | None = None

    @property
    def has_place(self) -> bool:
        """True when the visitor named a place or a state."""
        return bool(self.near or self.state)

    def as_params(self, **overrides: Any) -> dict[str, Any]:
        """The query as URL parameters, for links to other pages and sorts."""
        params: dict[str, Any] = {
            "near": self.near or None,
            "radius": _fmt_radius(self.radius) if self.radius_given else None,
            "state": self.state,
            "treatment": self.treatment,
            "condition": self.condition,
            "max_price": self.max_price_cents // 100 if self.max_price_cents is not None else None,
            "free_consultation": "1" if self.free_consultation else None,
            "insurance": "1" if self.insurance else None,
            "sort": self.sort if self.sort != "distance" else None,
            "page": self.page if self.page != 1 else None,
            "programs_page": self.remote_page if self.remote_page != 1 else None,
            "payment": list(self.payment) or None,
            "language": list(self.language) or None,
            "accepting": "1" if self.accepting else None,
            "verified_within_months": self.verified_within_months,
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}


# Short treatment names for a result card's price line ("IV from $525 · Spravato $775").
SHORT_TREATMENT_NAMES = {
    "iv-infusion": "IV",
    "esketamine": "Spravato",
    "im-ketamine": "IM",
    "oral-ketamine": "Oral",
    "at-home": "At-home",
    "kap": "Psychotherapy (KAP)",
    "consultation": "Consultation",
    "integration": "Integration",
}


@dataclass(frozen=True)
class SessionPrice:
    """The lowest published per-session price of one treatment; `several` when it varies;
    `as_of`, the newest date that amount was published on (a card flags it when stale)."""

    treatment: str
    cents: int
    several: bool
    as_of: date | None = None


class ShownListing(Protocol):
    """What a search reads of each listing it shows: its id, its locations (their state
    and coordinates) and whether it is a hospital, whose cash prices it looks up."""

    @property
    def id(self) -> int: ...

    @property
    def locations(self) -> Sequence[Any]: ...

    @property
    def is_hospital(self) -> bool: ...


# The listings a search shows: full rows (cards.ListingRow) for the API and the CSV, or
# whatever the caller's loader gives (a search page takes the listings with kept cards).
L = TypeVar("L", bound=ShownListing)
Loader = Callable[[Session, Iterable[int]], Mapping[int, L]]


@dataclass
class ClinicHit(Generic[L]):
    """A clinic in a result list, with its distance and lowest per-session price.

    location_index: which of the clinic's locations the result shows, the one its distance
    was measured to (the nearest, within the state filter); 0, the first, otherwise.
    """

    clinic: L
    distance_miles: float | None = None
    lowest_session_cents: int | None = None
    hospital_cash: HospitalCash | None = None
    location_index: int = 0

    @property
    def location(self) -> Any:
        """The location the result shows: its address, map marker and distance."""
        locations = self.clinic.locations
        return locations[self.location_index] if locations else None

    @property
    def known_distance(self) -> float | None:
        """The distance a result states: none to a listing placed only at its area's centre,
        which can be far from the clinic (its card says the distance is not known)."""
        location = self.location
        if location is not None and location.geocode_precision == GeocodePrecision.REGION:
            return None
        return self.distance_miles

    @property
    def distance_is_about(self) -> bool:
        """Whether the distance is to the centre of the clinic's ZIP code or city."""
        location = self.location
        return (
            self.distance_miles is not None
            and location is not None
            and location.geocode_precision.at_local_centre
        )

    @property
    def session_prices(self: ClinicHit[cards.ListingRow]) -> list[SessionPrice]:
        """Each treatment's lowest published per-session price, cheapest first, those of
        the services around the treatments (consultation, integration) after them."""
        by_treatment: dict[str, list[Any]] = {}
        for price in self.clinic.public_prices:
            if price.unit == PriceUnit.SESSION:
                by_treatment.setdefault(price.treatment.slug, []).append(price)
        found = []
        for slug, prices in by_treatment.items():
            cents = min(p.amount_cents for p in prices)
            dates = [p.as_of for p in prices if p.amount_cents == cents and p.as_of]
            several = len({p.amount_cents for p in prices}) > 1
            name = SHORT_TREATMENT_NAMES.get(slug, slug)
            shown = SessionPrice(name, cents, several, max(dates, default=None))
            found.append((slug in SUPPORT_SERVICES, cents, name, shown))
        return [shown for *_, shown in sorted(found)]

    @property
    def insured_treatments(self: ClinicHit[cards.ListingRow]) -> list[str]:
        """Treatments with a published price that insurance covers, by name."""
        names = {p.treatment.name for p in self.clinic.public_prices if p.insurance_accepted}
        return sorted(names)


@dataclass
class SearchResult(Generic[L]):
    """One page of results and what the page says around them."""

    query: SearchQuery
    place: geo.SearchPlace | None
    radius: float | None
    hits: list[ClinicHit[L]]
    total: int
    pages: int
    nearby: list[ClinicHit[L]] = field(default_factory=list)
    remote: list[ClinicHit[L]] = field(default_factory=list)
    remote_total: int = 0

    @property
    def remote_pages(self) -> int:
        """How many pages the telehealth programs serving the state fill."""
        return max(1, math.ceil(self.remote_total / self.query.remote_per_page))

    @property
    def distances_about(self) -> bool:
        """Whether a clinic on the page is "about" its distance away, which the page
        explains once."""
        return any(hit.distance_is_about for hit in (*self.hits, *self.nearby))

    @property
    def state(self) -> str | None:
        """The state the search is in, if any."""
        if self.query.state:
            return self.query.state
        return self.place.state if self.place else None


def _fmt_radius(radius: float) -> str:
    return str(int(radius)) if radius == int(radius) else f"{radius:g}"


def parse_query(args: Mapping[str, str], settings: Settings | None = None) -> SearchQuery:
    """Validate raw query parameters; raise InvalidSearch naming every bad field.

    The parameters and their checks are declared once in search/params.py, which also
    writes them into the API document. `settings` gives the radius and page-size
    limits; the configuration's defaults apply without it.
    """
    default_radius = (
        settings.search_default_radius_miles if settings else Defaults.SEARCH_DEFAULT_RADIUS_MILES
    )
    default_per_page = settings.search_per_page if settings else Defaults.SEARCH_PER_PAGE
    values, errors = params.read_all(args, params.Limits.from_settings(settings))
    if errors:
        raise InvalidSearch(errors)
    price = values["max_price"]
    return SearchQuery(
        near=values["near"] or "",
        radius=default_radius if values["radius"] is None else values["radius"],
        radius_given=values["radius"] is not None,
        state=values["state"],
        treatment=values["treatment"],
        condition=values["condition"],
        max_price_cents=None if price is None else int(round(price * 100)),
        free_consultation=bool(values["free_consultation"]),
        insurance=bool(values["insurance"]),
        payment=values["payment"],
        language=values["language"],
        accepting=bool(values["accepting"]),
        verified_within_months=values["verified_within_months"],
        sort=values["sort"] or "distance",
        page=values["page"] or 1,
        remote_page=values["programs_page"] or 1,
        per_page=values["per_page"] or default_per_page,
    )


def _has_any_code(column: Any, name: str, count: int) -> ColumnElement[bool]:
    """A comma-separated code column holds one of `count` codes, bound as `name_0`, ... in
    the form "%,code,%"."""
    padded = literal(",") + column + literal(",")
    return or_(*(padded.like(bindparam(f"{name}_{i}")) for i in range(count)))


def verified_since(months: int, today: date | None = None) -> date:
    """The earliest verification date that counts as within the last `months` months."""
    return (today or date.today()) - timedelta(days=math.ceil(months * 30.44))


def search(session: Session, query: SearchQuery) -> SearchResult[cards.ListingRow]:
    """Run a validated search; raise geo.UnknownPlace when the place is unknown.

    The database counts, orders and pages the matches (nearest first through the indexed
    latitude/longitude box); only the clinics shown are loaded, in a fixed number of
    queries (none for listings read already at this data version), and only they are
    measured in miles.
    """
    return search_with(session, query, cards.kept)


def search_with(session: Session, query: SearchQuery, listings: Loader[L]) -> SearchResult[L]:
    """A search whose listings shown are read by `listings` (their ids -> listings)."""
    place = geo.searched_place(session, query.near) if query.near else None
    geo.check_state_filter(session, query.near or "", place, query.state)
    if place is None and query.state:
        place = geo.SearchPlace("state", geo.state_name(query.state), query.state)
    state = query.state or (place.state if place and place.kind == "state" else None)
    point = place if place is not None and place.has_point else None
    radius = _radius(query, point)
    shape, values = _shape_and_values(query, point, radius, state)
    start = (query.page - 1) * query.per_page
    page, total = _page(session, shape, values, start, query.per_page)
    pages = max(1, math.ceil(total / query.per_page))

    nearby: list[_Candidate] = []
    measured_from, nearby_state = point, state
    if point is not None and radius is not None and total == 0:
        nearby = _nearest_beyond(session, point, radius, shape, values)
    elif total == 0 and place is not None and place.kind == "state" and place.state:
        # A state with none: the nearest clinics outside it, measured from its middle.
        measured_from, nearby_state = geo.state_middle(session, place.state), None
        if measured_from is not None:
            around = _shape_and_values(query, measured_from, 0.0, None)
            nearby = _nearest_beyond(session, measured_from, 0.0, *around)
    search_state = state or (place.state if place else None)
    remote: list[_Candidate] = []
    remote_total = 0
    if search_state or place is None:  # no place at all: the programs of every state
        remote, remote_total = _remote_programs(session, search_state, shape, values, query)

    shown = [*page, *nearby, *remote]
    _add_lowest_prices(session, shown, query.treatment)
    loaded = listings(session, [c.clinic_id for c in shown])
    cash = cash_by_clinic(session, (c.id for c in loaded.values() if c.is_hospital))
    result = SearchResult(
        query,
        place,
        radius,
        _hits(loaded, page, point, state, cash),
        total,
        pages,
        nearby=_hits(loaded, nearby, measured_from, nearby_state, cash),
        remote=_hits(loaded, remote, None, None, cash),
        remote_total=remote_total,
    )
    return result


def count_matches(session: Session, query: SearchQuery, place: geo.SearchPlace | None) -> int:
    """How many clinics a query finds around an already resolved place (no page loaded)."""
    state = query.state or (place.state if place and place.kind == "state" else None)
    point = place if place is not None and place.has_point else None
    shape, values = _shape_and_values(query, point, _radius(query, point), state)

    def read() -> int:
        return int(session.connection().execute(_count_statement(shape), values).scalar_one())

    return _PAGES.get(session, (*_memo_key(shape, values), "count"), read)


def _radius(query: SearchQuery, point: geo.SearchPlace | None) -> float | None:
    """The radius searched around a point: the one asked for, or the place's own default."""
    if point is None:
        return None
    return query.radius if query.radius_given else (point.default_radius or query.radius)


@dataclass(frozen=True)
class _Shape:
    """What makes one search's SQL differ from another's: whether it has a point and a state,
    which filters it uses and its order. The values are bound when it runs (`_values`), so
    the statement of each shape is built once: building it cost more than running it."""

    near: bool
    wraps: bool  # the circle's box crosses the antimeridian: two ranges of longitude
    state: bool
    treatment: bool
    condition: bool
    free_consultation: bool
    insurance: bool
    payments: int
    languages: int
    accepting: bool
    verified: bool
    max_price: bool
    sort: str

    @classmethod
    def of(cls, query: SearchQuery, near: bool, state: bool, wraps: bool = False) -> _Shape:
        """The shape of a query around a point (near) and within a state."""
        sort = "name" if query.sort == "distance" and not near else query.sort
        return cls(
            near=near,
            wraps=wraps,
            state=state,
            treatment=bool(query.treatment),
            condition=bool(query.condition),
            free_consultation=query.free_consultation,
            insurance=query.insurance,
            payments=len(query.payment),
            languages=len(query.language),
            accepting=query.accepting,
            verified=query.verified_within_months is not None,
            max_price=query.max_price_cents is not None,
            sort=sort,
        )


def _shape_and_values(
    query: SearchQuery, point: geo.SearchPlace | None, radius: float | None, state: str | None
) -> tuple[_Shape, dict[str, Any]]:
    """A query's statement shape, and the values the statement binds."""
    values = _values(query, point, radius, state)
    shape = _Shape.of(query, point is not None, state is not None, values.get("wraps", False))
    return shape, values


def _values(
    query: SearchQuery, point: geo.SearchPlace | None, radius: float | None, state: str | None
) -> dict[str, Any]:
    """The values a query binds into the statements of its shape."""
    values: dict[str, Any] = {"state": state, "treatment": query.treatment}
    values["condition"] = query.condition
    values.update({f"payment_{i}": f"%,{code},%" for i, code in enumerate(query.payment)})
    values.update({f"language_{i}": f"%,{code},%" for i, code in enumerate(query.language)})
    if query.verified_within_months is not None:
        values["verified_since"] = verified_since(query.verified_within_months)
    values["max_price"] = query.max_price_cents
    if point is not None and radius is not None:
        assert point.latitude is not None and point.longitude is not None  # noqa: S101
        values.update(spatial.circle_values(point.latitude, point.longitude, radius))
    return values


def _linked(term_id: Column[int], term: type[Treatment] | type[Condition], slug: Any) -> Exists:
    """The clinic is linked to the term with this slug, through the link table of `term_id`."""
    link = term_id.table
    term_ids = select(term.id).where(term.slug == slug).scalar_subquery()
    return (
        select(link.c.clinic_id).where(link.c.clinic_id == Clinic.id, term_id == term_ids).exists()
    )


@functools.lru_cache(maxsize=256)
def _filtered(shape: _Shape) -> bool:
    """Whether a shape's query asks more of a listing than that it is published."""
    return len(_clinic_filters(shape)) > 1


def _clinic_filters(shape: _Shape) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [Clinic.status == ClinicStatus.PUBLISHED]
    # EXISTS on the link tables' primary keys (clinic_id, ...): one index probe per row.
    if shape.treatment:
        clauses.append(_linked(clinic_treatments.c.treatment_id, Treatment, _TREATMENT))
    if shape.condition:
        clauses.append(_linked(clinic_conditions.c.condition_id, Condition, bindparam("condition")))
    if shape.free_consultation:
        clauses.append(Clinic.free_consultation.is_(True))
    if shape.insurance:
        clauses.append(Clinic.accepts_insurance.is_(True))
    if shape.payments:
        clauses.append(_has_any_code(Clinic.payment_options, "payment", shape.payments))
    if shape.languages:
        clauses.append(_has_any_code(Clinic.languages, "language", shape.languages))
    if shape.accepting:
        clauses.append(Clinic.accepting_new_patients.is_(True))
    if shape.verified:
        clauses.append(Clinic.last_verified_on >= bindparam("verified_since"))
    if shape.max_price:
        # Some published per-session price under the ceiling: the lowest one is.
        lowest = _lowest_price(Clinic.id, shape.treatment)
        clauses.append(lowest <= bindparam("max_price"))
    return clauses


# The treatment a query names, bound when its statement runs.
_TREATMENT = bindparam("treatment", type_=String)


@dataclass
class _Candidate:
    """A matching clinic of the page shown, before it is loaded."""

    clinic_id: int
    lowest_cents: int | None = None
    priced: bool = False  # lowest_cents came from the database already (None or not)


def _matches(shape: _Shape) -> Subquery:
    """Matching clinic ids, each with the closeness of its nearest location (or NULL), the
    name it sorts by and its lowest per-session price (any treatment).

    They are read from `search_points`, whose covering index holds all four: a search
    without filters reads nothing else. The points inside the circle of listings with
    several are grouped first, and only a filtered search then reads each clinic once, for
    its filters.
    """
    where: list[ColumnElement[bool]] = []
    closeness: Any = null()
    if shape.near:
        where.extend(spatial.BOUND_WITHIN_WRAPPED if shape.wraps else spatial.BOUND_WITHIN)
        closeness = spatial.BOUND_CLOSENESS
    if shape.state:
        where.append(SearchPoint.state == bindparam("state"))
    # A listing's only point is taken as it is; the points of a listing with several
    # are grouped, to keep its nearest: grouping every point cost a sort of them all.
    singles = select(
        SearchPoint.clinic_id.label("clinic_id"),
        SearchPoint.sort_name.label("sort_name"),
        SearchPoint.lowest_cents.label("lowest"),
        closeness.label("closeness"),
    ).where(SearchPoint.single.is_(True), *where)
    grouped = (
        select(
            SearchPoint.clinic_id,
            func.max(SearchPoint.sort_name),
            func.max(SearchPoint.lowest_cents),
            func.max(closeness) if shape.near else closeness,
        )
        .where(SearchPoint.single.is_(False), *where)
        .group_by(SearchPoint.clinic_id)
    )
    places = union_all(singles, grouped).subquery("located")
    if not _filtered(shape):
        return places
    return (
        select(places)
        .join(Clinic, Clinic.id == places.c.clinic_id)
        .where(*_clinic_filters(shape))
        .subquery("matches")
    )


def _treatment_id(treatment: bool) -> Any:
    """SQL for the id of the query's treatment (bound as `treatment`), or None for any."""
    if not treatment:
        return None
    return select(Treatment.id).where(Treatment.slug == _TREATMENT).scalar_subquery()


def _lowest_price(clinic_id: Any, treatment: bool) -> ScalarSelect[Any]:
    """The lowest published per-session price of a clinic (for the query's treatment): one
    probe."""
    return lowest_prices.lowest_for(clinic_id, _treatment_id(treatment))


@functools.lru_cache(maxsize=256)
def _page_statement(shape: _Shape) -> Select[Any]:
    """One page of a shape's matches, ordered and cut by the database, with their total."""
    matches = _matches(shape)
    name = matches.c.sort_name
    nearest = matches.c.closeness.desc()
    # The total rides along with the page: one pass over the matches instead of two.
    columns: list[Any] = [matches.c.clinic_id, func.count().over().label("total")]
    if shape.sort == "price":
        # Any treatment's lowest price rides in the search points; one treatment's is a
        # probe a row, ordered by its label so it runs once (not again for the order).
        lowest = (
            _lowest_price(matches.c.clinic_id, shape.treatment)
            if shape.treatment
            else matches.c.lowest
        ).label("lowest")
        columns.append(lowest)
        order = [lowest.asc().nulls_last(), nearest, name, matches.c.clinic_id]
    else:
        if not shape.treatment:  # any treatment's lowest price rides along for free
            columns.append(matches.c.lowest)
        if shape.sort == "distance":
            order = [nearest, name, matches.c.clinic_id]
        else:
            order = [name, nearest, matches.c.clinic_id]
    return (
        select(*columns)
        .order_by(*order)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


@functools.lru_cache(maxsize=256)
def _count_statement(shape: _Shape) -> Select[Any]:
    """How many clinics a shape's query matches."""
    return select(func.count()).select_from(_matches(shape))


# The pages ordered and cut, per shape, values and place in the list, and the counts of
# the filters' chips: a state's or a filtered search reads thousands of rows for twenty,
# and a search around a place measures some 200 points of the kept bands for twenty (0.25
# ms at 100,000 clinics), and each is asked again and again while the data stands. A page
# is some twenty (id, lowest price, priced) and a total.
_PAGES = VersionedMemo(size=4096)

# A page as kept: each match's id, lowest price and whether that price was read, and the
# total.
_KeptPage = tuple[tuple[tuple[int, int | None, bool], ...], int]


def _page(
    session: Session, shape: _Shape, values: dict[str, Any], offset: int, limit: int
) -> tuple[list[_Candidate], int]:
    """One page of matches, ordered and cut by the database (or, without filters around a
    place, from the bands this worker keeps), and how many match."""

    def measure() -> _KeptPage:
        found, total = band_points.page(
            session, values, values["state"] if shape.state else None, shape.sort, offset, limit
        )
        return tuple((clinic_id, lowest, True) for clinic_id, lowest in found), total

    def read() -> _KeptPage:
        bound = {**values, "offset": offset, "limit": limit}
        rows = session.connection().execute(_page_statement(shape), bound).all()
        if rows:
            total = rows[0].total
        elif offset:  # past the last page: count on its own
            total = session.connection().execute(_count_statement(shape), values).scalar_one()
        else:
            total = 0
        if shape.sort == "price" or not shape.treatment:
            return tuple((row.clinic_id, row.lowest, True) for row in rows), total
        return tuple((row.clinic_id, None, False) for row in rows), total

    in_bands = bool(shape.near and shape.sort in band_points.SORTS and not _filtered(shape))
    key = (*_memo_key(shape, values), offset, limit, in_bands)
    matches, total = _PAGES.get(session, key, measure if in_bands else read)
    return [_Candidate(*match) for match in matches], total


def _memo_key(shape: _Shape, values: dict[str, Any]) -> tuple[Any, ...]:
    """A statement's shape and bound values, as the key of what it read (a list of bands
    as a tuple)."""
    bound = sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in values.items())
    return (shape, *bound)


def within_ids(place: geo.SearchPlace, radius: float, state: str | None = None) -> Select[Any]:
    """SQL for the ids of published clinics within radius of a place; with `state`, at a
    location in that state, as a search's state filter reads it."""
    assert place.latitude is not None and place.longitude is not None  # noqa: S101
    in_state = [Location.state == state] if state else []
    return (
        select(Location.clinic_id)
        .join(Clinic, Clinic.id == Location.clinic_id)
        .where(
            Clinic.status == ClinicStatus.PUBLISHED,
            *spatial.within(place.latitude, place.longitude, radius),
            *in_state,
        )
    )


@functools.cache
def _lowest_prices_statement(treatment: bool) -> Select[int, int]:
    """The stored lowest prices of the clinics bound as `clinic_ids` (for the query's
    treatment)."""
    treatment_id = _treatment_id(treatment)
    return select(LowestPrice.clinic_id, LowestPrice.amount_cents).where(
        LowestPrice.clinic_id.in_(bindparam("clinic_ids", expanding=True)),
        LowestPrice.treatment_id.is_(None)
        if treatment_id is None
        else LowestPrice.treatment_id == treatment_id,
    )


# The lowest prices read apart from a page's statement (the telehealth programs shown,
# and every listing of a search for one treatment), per clinic and treatment, each in a
# tuple: a clinic without a published price is kept too.
_LOWEST = VersionedMemo(size=20_000)


def _add_lowest_prices(
    session: Session, candidates: list[_Candidate], treatment: str | None
) -> None:
    """Fill in each candidate's lowest published per-session price (for one treatment)."""
    wanted = [c for c in candidates if not c.priced]
    if not wanted:
        return

    def read(keys: list[tuple[int, str | None]]) -> dict[tuple[int, str | None], tuple[int | None]]:
        found: dict[tuple[int, str | None], tuple[int | None]] = dict.fromkeys(keys, (None,))
        stmt = _lowest_prices_statement(bool(treatment))
        bound = {"clinic_ids": [clinic_id for clinic_id, _ in keys], "treatment": treatment}
        for clinic_id, cents in session.connection().execute(stmt, bound):
            found[(clinic_id, treatment)] = (cents,)
        return found

    kept = _LOWEST.get_many(session, {(c.clinic_id, treatment) for c in wanted}, read)
    for candidate in wanted:
        (candidate.lowest_cents,) = kept[(candidate.clinic_id, treatment)]


def _hits(
    loaded: Mapping[int, L],
    candidates: list[_Candidate],
    point: geo.SearchPlace | None,
    state: str | None,
    cash: dict[int, HospitalCash],
) -> list[ClinicHit[L]]:
    """Loaded clinics in the page's order, with exact distances for these rows only, each
    showing its location nearest the place (the first in the filtered state without one)."""
    hits = []
    for candidate in candidates:
        clinic = loaded[candidate.clinic_id]
        nearest: tuple[int, float | None] | None = geo.nearest_location(
            point, clinic.locations, state
        )
        if nearest is None:  # nothing to measure from: the first location in the state
            in_state = (i for i, loc in enumerate(clinic.locations) if state in (None, loc.state))
            nearest = (next(in_state, 0), None)
        index, distance = nearest
        hits.append(
            ClinicHit(
                clinic, distance, candidate.lowest_cents, cash.get(candidate.clinic_id), index
            )
        )
    return hits


def _nearest_beyond(
    session: Session,
    place: geo.SearchPlace,
    radius: float,
    shape: _Shape,
    values: dict[str, Any],
) -> list[_Candidate]:
    """The nearest matching clinics outside the radius, widening the search until found (a
    state filter holds: none of its clinics is inside the radius)."""
    assert place.latitude is not None and place.longitude is not None  # noqa: S101
    reach = max(radius * 2, 50.0)
    nearest_first = replace(shape, sort="distance")
    while True:
        circle = spatial.circle_values(place.latitude, place.longitude, reach)
        shape_now = replace(nearest_first, wraps=circle["wraps"])
        nearest, _ = _page(session, shape_now, {**values, **circle}, 0, NEARBY_COUNT)
        if len(nearest) >= NEARBY_COUNT or reach >= NEARBY_MAX_MILES:
            return nearest
        reach = min(reach * 2, NEARBY_MAX_MILES)


# The pages of programs read: some ten ids and the total each.
_PROGRAMS = VersionedMemo(size=2048)


def _remote_programs(
    session: Session,
    state: str | None,
    shape: _Shape,
    values: dict[str, Any],
    query: SearchQuery,
) -> tuple[list[_Candidate], int]:
    """One page of the telehealth and at-home programs licensed in the state (None: in any
    state), by name, and how many there are.

    A large state has thousands: the database orders and cuts them, and counts them in the
    same statement, so a search reads the ten it shows, kept per data version, filter set
    and page. Without filters they are read from `state_programs`, kept in order as listings
    change.
    """
    start = (query.remote_page - 1) * query.remote_per_page
    key = (
        state,
        start,
        query.remote_per_page,
        query.treatment,
        query.condition,
        query.max_price_cents,
        query.free_consultation,
        query.insurance,
        tuple(query.payment),
        tuple(query.language),
        query.accepting,
        query.verified_within_months,
    )

    def read() -> tuple[tuple[int, ...], int]:
        page_stmt, count_stmt = _programs_statements(shape, anywhere=state is None)
        bound = {**values, "program_state": state}
        paged = {**bound, "offset": start, "limit": query.remote_per_page}
        rows = session.connection().execute(page_stmt, paged).all()
        if rows:
            return tuple(row.clinic_id for row in rows), rows[0].total
        if not start:
            return (), 0
        # Past the last page: count on its own.
        return (), session.connection().execute(count_stmt, bound).scalar_one()

    ids, total = _PROGRAMS.get(session, key, read)
    return [_Candidate(clinic_id) for clinic_id in ids], total


@functools.lru_cache(maxsize=256)
def _programs_statements(shape: _Shape, anywhere: bool) -> tuple[Select[Any], Select[Any]]:
    """A page of the programs serving a state (bound as `program_state`), or any state,
    that match a shape's filters, with their total; and their count alone."""
    if not anywhere and not _filtered(shape):
        return state_programs.PAGE_IN_ORDER, state_programs.COUNT
    count = select(func.count()).select_from(Clinic)
    if anywhere:  # each program once, however many states it serves
        where = [Clinic.id.in_(select(StateProgram.clinic_id)), *_clinic_filters(shape)]
    else:
        where = [ServiceArea.state == bindparam("program_state"), *_clinic_filters(shape)]
        count = count.join(ServiceArea, ServiceArea.clinic_id == Clinic.id)
    count = count.where(*where)
    listed = select(Clinic.id.label("clinic_id"), count.scalar_subquery().label("total"))
    if not anywhere:
        listed = listed.join(ServiceArea, ServiceArea.clinic_id == Clinic.id)
    paged = (
        listed.where(*where)
        .order_by(func.lower(func.coalesce(Clinic.name, "")), Clinic.id)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )
    return paged, count
