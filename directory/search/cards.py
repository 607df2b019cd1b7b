"""What a result card and an API hit show, read as plain rows: one query per collection.

A search shows 20 to 30 listings. Building them as ORM objects with their collections cost
more than the rest of the search; these rows carry the same attribute names the cards,
the API hits and the CSV read (`clinic.location.city`, `price.treatment.slug`, ...), and
nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import Executable, select
from sqlalchemy.orm import Session

from directory.models import (
    Clinic,
    GeocodePrecision,
    ListingKind,
    Location,
    Phone,
    PhoneKind,
    Price,
    PriceUnit,
    ServiceArea,
    Treatment,
    VerifiedBy,
)
from directory.models.treatment import clinic_treatments


def _clinic_property(name: str) -> Any:
    """One of Clinic's derived-fact properties, to be shared by a row class."""
    return vars(Clinic)[name]


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
    geocode_precision: GeocodePrecision


@dataclass(frozen=True, slots=True)
class PhoneRow:
    """A phone number in E.164 and as the clinic writes it."""

    e164: str
    display: str
    vanity: str | None
    kind: PhoneKind


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
    unit: PriceUnit
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
    kind: ListingKind
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
    last_verified_by: VerifiedBy | None
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


def _columns(model: Any, row: Any, skip: tuple[str, ...] = ()) -> list[Any]:
    """The model's columns named like the row class's plain fields (not its lists)."""
    names = [f.name for f in fields(row) if f.default_factory is MISSING and f.name not in skip]
    return [getattr(model, name) for name in names]


_LISTING_COLUMNS = _columns(Clinic, ListingRow)
_LOCATION_COLUMNS = _columns(Location, LocationRow)
_PHONE_COLUMNS = _columns(Phone, PhoneRow)
_PRICE_COLUMNS = _columns(Price, PriceRow, skip=("treatment",))


def load(session: Session, ids: Iterable[int]) -> dict[int, ListingRow]:
    """The listings with these ids and what their cards show, in six queries whatever their
    number (no per-row loads)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(*_LISTING_COLUMNS).where(Clinic.id.in_(wanted)))
    found = {row.id: ListingRow(**row._mapping) for row in rows}

    def collect(stmt: Executable, add: Callable[[ListingRow, Any], None]) -> None:
        for row in session.execute(stmt):
            add(found[row[0]], row)

    collect(
        select(Location.clinic_id, *_LOCATION_COLUMNS)
        .where(Location.clinic_id.in_(wanted))
        .order_by(Location.clinic_id, Location.id),
        lambda listing, row: listing.locations.append(LocationRow(*row[1:])),
    )
    collect(
        select(Phone.clinic_id, *_PHONE_COLUMNS)
        .where(Phone.clinic_id.in_(wanted))
        .order_by(Phone.clinic_id, Phone.id),
        lambda listing, row: listing.phones.append(PhoneRow(*row[1:])),
    )
    collect(
        select(ServiceArea.clinic_id, ServiceArea.state)
        .where(ServiceArea.clinic_id.in_(wanted))
        .order_by(ServiceArea.clinic_id, ServiceArea.state),
        lambda listing, row: listing.service_areas.append(AreaRow(row[1])),
    )
    terms: dict[tuple[str, str], TermRow] = {}

    def term(slug: str, name: str) -> TermRow:
        return terms.setdefault((slug, name), TermRow(slug, name))

    collect(
        select(clinic_treatments.c.clinic_id, Treatment.slug, Treatment.name)
        .join(Treatment, Treatment.id == clinic_treatments.c.treatment_id)
        .where(clinic_treatments.c.clinic_id.in_(wanted))
        .order_by(clinic_treatments.c.clinic_id, Treatment.position),
        lambda listing, row: listing.treatments.append(term(row[1], row[2])),
    )
    collect(
        select(Price.clinic_id, Treatment.slug, Treatment.name, *_PRICE_COLUMNS)
        .join(Treatment, Treatment.id == Price.treatment_id)
        .where(Price.clinic_id.in_(wanted), Price.is_publishable)
        .order_by(Price.clinic_id, Price.id),
        lambda listing, row: listing.public_prices.append(PriceRow(term(row[1], row[2]), *row[3:])),
    )
    return found
