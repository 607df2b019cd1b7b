"""Published listings as plain rows for the pages that show them: one query per collection.

A search shows 20 to 30 listings and a clinic page one with everything it has. Building
them as ORM objects with their collections cost more than the rest of either page; these
rows carry the attribute names the templates, the API and the CSV read
(`clinic.location.city`, `price.treatment.slug`, ...), and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, Executable, Select, bindparam, select
from sqlalchemy.orm import Session

from directory import models
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
# machinery. `ids` expands to the listings asked for.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_LISTINGS = select(*_LISTING_COLUMNS).where(models.Clinic.id.in_(_IDS))
_PAGE = select(*_PAGE_COLUMNS).where(
    models.Clinic.slug == bindparam("slug"), models.Clinic.status == models.ClinicStatus.PUBLISHED
)


def _by_listing(clinic_id: Any, *columns: Any, order: Any) -> Select[Any]:
    """A collection's rows for the listings asked for, the listing id first, in page order."""
    return select(clinic_id, *columns).where(clinic_id.in_(_IDS)).order_by(clinic_id, order)


_LOCATIONS = _by_listing(models.Location.clinic_id, *_LOCATION_COLUMNS, order=models.Location.id)
_PHONES = _by_listing(models.Phone.clinic_id, *_PHONE_COLUMNS, order=models.Phone.id)
_AREAS = _by_listing(
    models.ServiceArea.clinic_id, models.ServiceArea.state, order=models.ServiceArea.state
)
_TREATMENTS = _by_listing(
    clinic_treatments.c.clinic_id,
    models.Treatment.slug,
    models.Treatment.name,
    order=models.Treatment.position,
).join(models.Treatment, models.Treatment.id == clinic_treatments.c.treatment_id)
_PRICES = (
    _by_listing(
        models.Price.clinic_id,
        models.Treatment.slug,
        models.Treatment.name,
        *_PRICE_COLUMNS,
        order=models.Price.id,
    )
    .join(models.Treatment, models.Treatment.id == models.Price.treatment_id)
    .where(models.Price.is_publishable)
)
_CONDITIONS = _by_listing(
    clinic_conditions.c.clinic_id,
    models.Condition.slug,
    models.Condition.name,
    order=models.Condition.position,
).join(models.Condition, models.Condition.id == clinic_conditions.c.condition_id)
_SOURCES = _by_listing(models.Provenance.clinic_id, *_SOURCE_COLUMNS, order=models.Provenance.id)
_QUOTES = _by_listing(models.ClinicQuote.clinic_id, *_QUOTE_COLUMNS, order=models.ClinicQuote.id)


def load(session: Session, ids: Iterable[int]) -> dict[int, ListingRow]:
    """The listings with these ids and what their cards show, in six queries whatever their
    number (no per-row loads)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.connection().execute(_LISTINGS, {"ids": wanted}).all()
    found = {row.id: ListingRow(**row._mapping) for row in rows}
    _Filler(session, found).card_collections()
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
    """The published listing with this slug and everything its page shows (nine queries
    whatever it holds), or None."""
    row = session.connection().execute(_PAGE, {"slug": slug}).first()
    if row is None:
        return None
    page = ListingPage(**row._mapping)
    filler = _Filler(session, {page.id: page})
    filler.card_collections()
    filler.page_collections()
    return page


class _Filler:
    """Appends each collection's rows to the listings they belong to, one query each."""

    def __init__(self, session: Session, found: dict[int, Any]) -> None:
        self.session = session
        self.found = found
        self.params = {"ids": sorted(found)}
        self.terms: dict[tuple[str, str], TermRow] = {}

    def term(self, slug: str, name: str) -> TermRow:
        """One shared row per treatment or condition."""
        return self.terms.setdefault((slug, name), TermRow(slug, name))

    def collect(self, stmt: Executable, add: Callable[[Any, Any], None]) -> None:
        """Run a statement whose first column is the listing id; hand each row to `add`."""
        # Fetched whole: one call into the driver instead of one a row.
        for row in self.session.connection().execute(stmt, self.params).all():
            add(self.found[row[0]], row)

    def card_collections(self) -> None:
        """Locations, phones, service areas, treatments and publishable prices."""
        self.collect(
            _LOCATIONS, lambda listing, row: listing.locations.append(LocationRow(*row[1:]))
        )
        self.collect(_PHONES, lambda listing, row: listing.phones.append(PhoneRow(*row[1:])))
        self.collect(_AREAS, lambda listing, row: listing.service_areas.append(AreaRow(row[1])))
        self.collect(
            _TREATMENTS,
            lambda listing, row: listing.treatments.append(self.term(row[1], row[2])),
        )
        self.collect(
            _PRICES,
            lambda listing, row: listing.public_prices.append(
                PriceRow(self.term(row[1], row[2]), *row[3:])
            ),
        )

    def page_collections(self) -> None:
        """Conditions treated, where each fact came from, and the clinic's own words."""
        self.collect(
            _CONDITIONS,
            lambda listing, row: listing.conditions.append(self.term(row[1], row[2])),
        )
        self.collect(_SOURCES, lambda listing, row: listing.sources.append(SourceRow(*row[1:])))
        self.collect(_QUOTES, lambda listing, row: listing.quotes.append(QuoteRow(*row[1:])))
