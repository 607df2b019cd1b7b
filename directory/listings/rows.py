"""Published listings as plain rows for the pages that show them: on SQLite one query per
collection, on PostgreSQL one statement with each collection as a JSON array.

A search shows 20 to 30 listings and a clinic page one with everything it has. Building
them as ORM objects with their collections cost more than the rest of either page; these
rows carry the attribute names the templates, the API and the CSV read
(`clinic.location.city`, `price.treatment.slug`, ...), and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import Executable, Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session
from sqlalchemy.sql import sqltypes

from directory import id_lists, models
from directory.caching import VersionedMemo
from directory.models.treatment import clinic_conditions, clinic_treatments


def _clinic_property(name: str) -> Any:
    """One of Clinic's derived-fact properties, to be shared by a row class."""
    return vars(models.Clinic)[name]


@dataclass(frozen=True, slots=True)
class TermRow:
    """A treatment's slug and name."""

    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class LocationRow:
    """An address with its coordinates and how precise they are."""

    address_1: str | None
    address_2: str | None
    city: str | None
    state: str
    postal_code: str | None
    metro: str | None
    latitude: float
    longitude: float
    geocode_precision: models.GeocodePrecision


@dataclass(frozen=True, slots=True)
class PhoneRow:
    """A phone number in E.164 and as the clinic writes it."""

    e164: str
    display: str
    vanity: str | None
    kind: models.PhoneKind


@dataclass(frozen=True, slots=True)
class AreaRow:
    """A state a telehealth program serves."""

    state: str


@dataclass(frozen=True, slots=True)
class PriceRow:
    """A publishable price with its source and as-of date."""

    treatment: TermRow
    amount_cents: int
    currency: str
    unit: models.PriceUnit
    sessions_included: int | None
    included: str
    insurance_accepted: bool
    valid_from: date | None
    valid_to: date | None
    source_url: str | None
    as_of: date | None

    def is_stale(self, today: date, stale_after_days: int) -> bool:
        """True when the as-of date is older than the staleness limit."""
        return self.as_of is not None and (today - self.as_of).days > stale_after_days


@dataclass(slots=True)
class ListingRow:
    """A published listing as a result card shows it."""

    id: int
    slug: str
    name: str | None
    is_example: bool
    kind: models.ListingKind
    website: str | None
    free_consultation: bool | None
    accepts_insurance: bool | None
    payment_options: str
    languages: str
    accepting_new_patients: bool | None
    first_appointment_wait: str | None
    rems_certified: bool | None
    access_as_of: date | None
    last_verified_on: date | None
    last_verified_by: models.VerifiedBy | None
    locations: list[LocationRow] = field(default_factory=list)
    phones: list[PhoneRow] = field(default_factory=list)
    service_areas: list[AreaRow] = field(default_factory=list)
    treatments: list[TermRow] = field(default_factory=list)
    public_prices: list[PriceRow] = field(default_factory=list)

    # The listing's derived facts are Clinic's own properties: they read only fields the
    # row carries too, so cards and API hits say exactly what a clinic page says.
    display_name = _clinic_property("display_name")
    location = _clinic_property("location")
    is_hospital = _clinic_property("is_hospital")
    is_remote_program = _clinic_property("is_remote_program")
    payment_codes = _clinic_property("payment_codes")
    language_codes = _clinic_property("language_codes")
    payment_labels = _clinic_property("payment_labels")
    language_labels = _clinic_property("language_labels")


@dataclass(frozen=True, slots=True)
class SourceRow:
    """Where one fact on a listing came from."""

    field: str
    source_document: str | None
    source_url: str | None
    quote: str


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """A claim from the clinic's own page, in its words."""

    topic: str
    quote: str
    source_document: str


@dataclass(slots=True)
class ListingPage(ListingRow):
    """A published listing with everything its own page shows."""

    email: str | None = None
    description: str = ""
    hours: str = ""
    administered_by: str | None = None
    monitoring: str | None = None
    private_room: bool | None = None
    year_opened: int | None = None
    conditions: list[TermRow] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    quotes: list[QuoteRow] = field(default_factory=list)


def _columns(model: Any, row: Any, skip: tuple[str, ...] = ()) -> list[Any]:
    """The model's columns named like the row class's plain fields (not its lists)."""
    names = [f.name for f in fields(row) if f.default_factory is MISSING and f.name not in skip]
    return [getattr(model, name) for name in names]


_LISTING_COLUMNS = _columns(models.Clinic, ListingRow)
_LOCATION_COLUMNS = _columns(models.Location, LocationRow)
_PHONE_COLUMNS = _columns(models.Phone, PhoneRow)
_PRICE_COLUMNS = _columns(models.Price, PriceRow, skip=("treatment",))
_PAGE_COLUMNS = _columns(models.Clinic, ListingPage)
_SOURCE_COLUMNS = _columns(models.Provenance, SourceRow)
_QUOTE_COLUMNS = _columns(models.ClinicQuote, QuoteRow)


# Each statement is built once (building it and its cache key again cost more than running
# it) and runs on the session's connection: plain rows need none of the ORM's result
# machinery. `ids` holds the listings asked for, bound as one value (id_lists): SQLite
# reads each collection in its own statement, PostgreSQL all of them in one.
_LISTINGS = select(*_LISTING_COLUMNS).where(id_lists.among(models.Clinic.id, "sqlite"))
_PAGE_WHERE = (
    models.Clinic.slug == bindparam("slug"),
    models.Clinic.status == models.ClinicStatus.PUBLISHED,
)
_PAGE = select(*_PAGE_COLUMNS).where(*_PAGE_WHERE)


def _json_decoder(column: Any) -> Callable[[Any], Any] | None:
    """How a column's value read from JSON becomes what the column itself gives (None: as
    it is); a type JSON would change otherwise is refused when the module loads."""
    kind = column.type
    if isinstance(kind, sqltypes.Enum) and kind.enum_class is not None:
        enum = kind.enum_class
        return lambda value: None if value is None else enum(value)
    if isinstance(kind, sqltypes.Date):
        return lambda value: None if value is None else date.fromisoformat(value)
    if isinstance(kind, sqltypes.Float):  # a whole number comes back as an int
        return lambda value: None if value is None else float(value)
    if isinstance(kind, sqltypes.String | sqltypes.Integer | sqltypes.Boolean):
        return None
    raise TypeError(f"{column}: {kind!r} has no JSON decoder")


@dataclass(frozen=True, eq=False)  # told apart by identity: columns compare as SQL
class _Collection:
    """One of a listing's collections: its columns, their order, and how a row of them is
    added to a listing (`add(filler, listing, values)`)."""

    clinic_id: Any
    columns: tuple[Any, ...]
    order: Any
    add: Callable[[_Filler, Any, Sequence[Any]], None]
    join: tuple[Any, Any] | None = None
    where: tuple[Any, ...] = ()
    # Worked out once, when the module loads: the statement reading this collection for
    # the listings asked for (SQLite), and how each column's value comes back from JSON.
    rows: Select[Any] = field(init=False)
    decoders: tuple[Callable[[Any], Any] | None, ...] = field(init=False)

    def __post_init__(self) -> None:
        stmt = self._select(self.clinic_id, *self.columns)
        stmt = stmt.where(id_lists.among(self.clinic_id, "sqlite"))
        object.__setattr__(self, "rows", stmt.order_by(self.clinic_id, self.order))
        object.__setattr__(self, "decoders", tuple(_json_decoder(c) for c in self.columns))

    def _select(self, *columns: Any) -> Select[Any]:
        stmt = select(*columns).select_from(self.clinic_id.table)
        if self.join is not None:
            stmt = stmt.join(*self.join)
        return stmt.where(*self.where)

    def json_rows(self, listing_id: Any) -> Any:
        """Its rows for one listing as a JSON array of arrays, in order (PostgreSQL)."""
        rows = func.json_agg(aggregate_order_by(func.json_build_array(*self.columns), self.order))
        return self._select(rows).where(self.clinic_id == listing_id).scalar_subquery()

    def decode(self, values: Sequence[Any]) -> list[Any]:
        """A row read from JSON, with the values its columns give."""
        return [
            value if decoder is None else decoder(value)
            for decoder, value in zip(self.decoders, values, strict=True)
        ]


def _owned(model: Any, columns: list[Any], attribute: str, row: Any) -> _Collection:
    """Rows a listing owns (its locations, phones, ...), in the order they were added."""
    return _Collection(
        model.clinic_id,
        tuple(columns),
        model.id,
        lambda _f, listing, v: getattr(listing, attribute).append(row(*v)),
    )


def _terms(link: Any, term: Any, attribute: str) -> _Collection:
    """A listing's treatments or conditions (`link`: the listing's column naming one), in
    the taxonomy's order."""
    return _Collection(
        link.table.c.clinic_id,
        (term.slug, term.name),
        term.position,
        lambda f, listing, v: getattr(listing, attribute).append(f.term(v[0], v[1])),
        join=(term, term.id == link),
    )


_CARD_COLLECTIONS = (
    _owned(models.Location, _LOCATION_COLUMNS, "locations", LocationRow),
    _owned(models.Phone, _PHONE_COLUMNS, "phones", PhoneRow),
    _Collection(
        models.ServiceArea.clinic_id,
        (models.ServiceArea.state,),
        models.ServiceArea.state,
        lambda _f, listing, v: listing.service_areas.append(AreaRow(v[0])),
    ),
    _terms(clinic_treatments.c.treatment_id, models.Treatment, "treatments"),
    _Collection(
        models.Price.clinic_id,
        (models.Treatment.slug, models.Treatment.name, *_PRICE_COLUMNS),
        models.Price.id,
        lambda f, listing, v: listing.public_prices.append(PriceRow(f.term(v[0], v[1]), *v[2:])),
        join=(models.Treatment, models.Treatment.id == models.Price.treatment_id),
        where=(models.Price.is_publishable,),
    ),
)
_PAGE_COLLECTIONS = (
    _terms(clinic_conditions.c.condition_id, models.Condition, "conditions"),
    _owned(models.Provenance, _SOURCE_COLUMNS, "sources", SourceRow),
    _owned(models.ClinicQuote, _QUOTE_COLUMNS, "quotes", QuoteRow),
)
# On PostgreSQL one statement for the listings, each collection a JSON array: a round trip
# to the server costs more than the rows.
_LISTINGS_AT_ONCE = select(
    *_LISTING_COLUMNS, *(c.json_rows(models.Clinic.id) for c in _CARD_COLLECTIONS)
).where(id_lists.among(models.Clinic.id, "postgresql"))
_PAGE_AT_ONCE = select(
    *_PAGE_COLUMNS,
    *(c.json_rows(models.Clinic.id) for c in (*_CARD_COLLECTIONS, *_PAGE_COLLECTIONS)),
).where(*_PAGE_WHERE)


def _at_once(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def load(session: Session, ids: Iterable[int]) -> dict[int, ListingRow]:
    """The listings with these ids and what their cards show, in a fixed number of queries
    whatever their number (no per-row loads): one on PostgreSQL, six on SQLite."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    params = {"ids": wanted}
    if _at_once(session):
        return _Filler(session, {}).read_at_once(
            _LISTINGS_AT_ONCE, params, ListingRow, _CARD_COLLECTIONS
        )
    rows = session.connection().execute(_LISTINGS, params).all()
    found = {row.id: ListingRow(**row._mapping) for row in rows}
    _Filler(session, found).fill(_CARD_COLLECTIONS)
    return found


# About 4 KB a listing with its collections: 10,000 are some 40 MB a worker at most.
KEPT_LISTINGS = 10_000
_KEPT = VersionedMemo(size=KEPT_LISTINGS)


def kept(session: Session, ids: Iterable[int]) -> dict[int, ListingRow]:
    """The listings with these ids, read from the database once per data version.

    A clinic shows in every search near it, on pages in any language and in the API; its
    rows are the same in all of them until an approval or import moves the data version.
    The rows are shared: nothing may change them.
    """
    return _KEPT.get_many(session, ids, lambda missing: load(session, missing))


def published_page(session: Session, slug: str) -> ListingPage | None:
    """The published listing with this slug and everything its page shows (one query on
    PostgreSQL, nine on SQLite, whatever it holds), or None."""
    params = {"slug": slug}
    if _at_once(session):
        found = _Filler(session, {}).read_at_once(
            _PAGE_AT_ONCE, params, ListingPage, (*_CARD_COLLECTIONS, *_PAGE_COLLECTIONS)
        )
        return next(iter(found.values()), None)
    row = session.connection().execute(_PAGE, params).first()
    if row is None:
        return None
    page = ListingPage(**row._mapping)
    _Filler(session, {page.id: page}).fill((*_CARD_COLLECTIONS, *_PAGE_COLLECTIONS))
    return page


class _Filler:
    """Adds each collection's rows to the listings they belong to."""

    def __init__(self, session: Session, found: dict[int, Any]) -> None:
        self.session = session
        self.found = found
        self.terms: dict[tuple[str, str], TermRow] = {}

    def term(self, slug: str, name: str) -> TermRow:
        """One shared row per treatment or condition."""
        return self.terms.setdefault((slug, name), TermRow(slug, name))

    def fill(self, collections: Iterable[_Collection]) -> None:
        """One query a collection, each row handed to the listing it belongs to."""
        params = {"ids": sorted(self.found)}
        connection = self.session.connection()
        for collection in collections:
            # Fetched whole: one call into the driver instead of one a row.
            for row in connection.execute(collection.rows, params).all():
                collection.add(self, self.found[row[0]], row[1:])

    def read_at_once(
        self,
        stmt: Executable,
        params: dict[str, Any],
        row_class: type[ListingRow],
        collections: Sequence[_Collection],
    ) -> dict[int, Any]:
        """The listings a statement reads, its last columns being these collections as
        JSON arrays (PostgreSQL)."""
        result = self.session.connection().execute(stmt, params)
        plain = list(result.keys())[: -len(collections)]
        for row in result.all():
            listing = row_class(**dict(zip(plain, row, strict=False)))
            for collection, values in zip(collections, row[len(plain) :], strict=True):
                for one in values or ():
                    collection.add(self, listing, collection.decode(one))
            self.found[listing.id] = listing
        return self.found
