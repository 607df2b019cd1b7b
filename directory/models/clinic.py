"""A clinic listing and what hangs off it: locations, phones, service areas, sources."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.listings import hsds_ids
from directory.listings.taxonomy import LANGUAGE_NAMES, PAYMENT_NAMES
from directory.models.base import Base, ClinicId, CreatedAt, IntPk, UpdatedAt, str_enum
from directory.models.price import Price
from directory.models.treatment import Condition, Treatment, clinic_conditions, clinic_treatments

if TYPE_CHECKING:
    from directory.models.charge import HospitalCharge


class ClinicStatus(enum.StrEnum):
    """Where a listing stands; only published listings are shown to patients."""

    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    SUSPENDED = "suspended"


class ListingKind(enum.StrEnum):
    """What a listing is; telehealth programs are clinics with service areas."""

    CLINIC = "clinic"
    HOSPITAL = "hospital"  # listed from its price transparency file


class VerifiedBy(enum.StrEnum):
    """Who last confirmed that a listing is correct."""

    OWNER = "owner-confirmed"
    ADMIN = "admin-checked"


class GeocodePrecision(enum.StrEnum):
    """How exactly a location's coordinates pin down the clinic."""

    ADDRESS = "address"
    POSTAL_CODE = "postal_code"
    CITY = "city"
    REGION = "region"

    @property
    def at_local_centre(self) -> bool:
        """Placed at its ZIP code's or city's centre: a distance to it is "about" so far.
        An area's centre can be much further from the clinic, and is named as such."""
        return self in (GeocodePrecision.POSTAL_CODE, GeocodePrecision.CITY)


class PhoneKind(enum.StrEnum):
    """What a phone number is for."""

    MAIN = "main"
    TOLL_FREE = "toll_free"
    TEXT = "text"


class Clinic(Base):
    """A clinic or a telehealth program, as listed in the directory."""

    __tablename__ = "clinics"

    id: Mapped[IntPk]
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # The HSDS organization id (a hash of the slug), stored so a lookup is one index probe.
    hsds_id: Mapped[str | None] = mapped_column(
        String(36), unique=True, index=True, default=hsds_ids.default_for_insert
    )
    name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    # Not indexed: nearly every row is published, and an index here tempts the planner
    # to scan all clinics instead of the location box.
    status: Mapped[ClinicStatus] = mapped_column(str_enum(ClinicStatus), default=ClinicStatus.DRAFT)
    is_example: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[ListingKind] = mapped_column(
        str_enum(ListingKind), default=ListingKind.CLINIC, server_default=ListingKind.CLINIC.value
    )
    status_note: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[str] = mapped_column(Text, default="")
    free_consultation: Mapped[bool | None]
    accepts_insurance: Mapped[bool | None]
    administered_by: Mapped[str | None] = mapped_column(String(200))
    monitoring: Mapped[str | None] = mapped_column(String(200))
    private_room: Mapped[bool | None]
    year_opened: Mapped[int | None]
    # How to pay and who is seen: comma-separated codes from taxonomy.PAYMENT_OPTIONS and
    # taxonomy.LANGUAGES; each fact's source is a Provenance row named after the column,
    # and access_as_of is the date the source stated them.
    payment_options: Mapped[str] = mapped_column(String(400), default="", server_default="")
    languages: Mapped[str] = mapped_column(String(200), default="", server_default="")
    accepting_new_patients: Mapped[bool | None]
    first_appointment_wait: Mapped[str | None] = mapped_column(String(120))
    rems_certified: Mapped[bool | None]
    access_as_of: Mapped[date | None]
    last_verified_on: Mapped[date | None]
    last_verified_by: Mapped[VerifiedBy | None] = mapped_column(str_enum(VerifiedBy))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    locations: Mapped[list[Location]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Location.id"
    )
    phones: Mapped[list[Phone]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Phone.id"
    )
    service_areas: Mapped[list[ServiceArea]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="ServiceArea.state"
    )
    treatments: Mapped[list[Treatment]] = relationship(
        secondary=clinic_treatments, order_by="Treatment.position"
    )
    conditions: Mapped[list[Condition]] = relationship(
        secondary=clinic_conditions, order_by="Condition.position"
    )
    prices: Mapped[list[Price]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Price.id"
    )
    # A hospital's standard charges from its newest price file (older ones are history).
    current_charges: Mapped[list[HospitalCharge]] = relationship(
        primaryjoin="and_(Clinic.id == HospitalCharge.clinic_id, "
        "HospitalCharge.valid_to.is_(None))",
        viewonly=True,
        order_by="HospitalCharge.id",
    )
    sources: Mapped[list[Provenance]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="Provenance.id"
    )
    quotes: Mapped[list[ClinicQuote]] = relationship(
        back_populates="clinic", cascade="all, delete-orphan", order_by="ClinicQuote.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        """The name, or a plain placeholder for drafts whose source states none."""
        return display_name(self.name, self.slug)

    @property
    def location(self) -> Location | None:
        """The primary location, if the clinic has a street or area presence."""
        return self.locations[0] if self.locations else None

    @property
    def is_hospital(self) -> bool:
        """A hospital listed from its price transparency file."""
        return self.kind is ListingKind.HOSPITAL

    @property
    def is_remote_program(self) -> bool:
        """A telehealth or at-home program that serves whole states."""
        return bool(self.service_areas)

    @property
    def public_prices(self) -> list[Price]:
        """Prices that have a source and an as-of date, the only ones patients see."""
        return [p for p in self.prices if p.is_publishable]

    @property
    def payment_codes(self) -> list[str]:
        """The payment option codes, in stored order."""
        return split_codes(self.payment_options)

    @property
    def language_codes(self) -> list[str]:
        """The ISO 639 codes of the languages staff speak."""
        return split_codes(self.languages)

    @property
    def payment_labels(self) -> list[str]:
        """The payment options as patients read them."""
        return [PAYMENT_NAMES.get(c, c) for c in self.payment_codes]

    @property
    def language_labels(self) -> list[str]:
        """The languages staff speak, by name."""
        return [LANGUAGE_NAMES.get(c, c) for c in self.language_codes]

    def sources_for(self, field: str) -> list[Provenance]:
        """Where the given fact came from."""
        return [s for s in self.sources if s.field == field]

    def __repr__(self) -> str:
        return f"<Clinic {self.slug}>"


def split_codes(text: str | None) -> list[str]:
    """Codes stored comma-separated, as a list."""
    return [c for c in (text or "").split(",") if c]


def join_codes(codes: list[str]) -> str:
    """A list of codes as stored: comma-separated, no duplicates."""
    return ",".join(dict.fromkeys(c.strip() for c in codes if c.strip()))


class Location(Base):
    """Where a clinic sees patients; coordinates come from the gazetteer or a geocoder."""

    __tablename__ = "locations"
    # The search's box: the clinic id rides in the index so a box is read without the rows.
    __table_args__ = (Index("ix_locations_lat_lng_clinic", "latitude", "longitude", "clinic_id"),)

    id: Mapped[IntPk]
    clinic_id: Mapped[ClinicId]
    address_1: Mapped[str | None] = mapped_column(String(200))
    address_2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(2), index=True)
    postal_code: Mapped[str | None] = mapped_column(String(10), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    geocode_precision: Mapped[GeocodePrecision] = mapped_column(str_enum(GeocodePrecision))
    metro: Mapped[str | None] = mapped_column(String(120))

    clinic: Mapped[Clinic] = relationship(back_populates="locations")

    @property
    def has_street_address(self) -> bool:
        """True when a street address is known, not only a city or region."""
        return bool(self.address_1)


class Phone(Base):
    """A phone number in E.164 with the form the clinic itself prints."""

    __tablename__ = "phones"

    id: Mapped[IntPk]
    clinic_id: Mapped[ClinicId]
    e164: Mapped[str] = mapped_column(String(20), index=True)
    display: Mapped[str] = mapped_column(String(40))
    vanity: Mapped[str | None] = mapped_column(String(40))  # "(855) KETAMINE"
    kind: Mapped[PhoneKind] = mapped_column(str_enum(PhoneKind), default=PhoneKind.MAIN)

    clinic: Mapped[Clinic] = relationship(back_populates="phones")


class ServiceArea(Base):
    """A state a telehealth or at-home program is licensed to serve."""

    __tablename__ = "service_areas"

    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)

    clinic: Mapped[Clinic] = relationship(back_populates="service_areas")


class Provenance(Base):
    """Where one fact about a clinic came from: a document and its words, or a URL."""

    __tablename__ = "provenance"

    id: Mapped[IntPk]
    clinic_id: Mapped[ClinicId]
    field: Mapped[str] = mapped_column(String(60))
    source_document: Mapped[str | None] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(String(500))
    quote: Mapped[str] = mapped_column(Text, default="")

    clinic: Mapped[Clinic] = relationship(back_populates="sources")


class ClinicQuote(Base):
    """A claim a clinic makes on its own page, shown only as its words with the source."""

    __tablename__ = "clinic_quotes"

    id: Mapped[IntPk]
    clinic_id: Mapped[ClinicId]
    topic: Mapped[str] = mapped_column(String(120))
    quote: Mapped[str] = mapped_column(Text)
    source_document: Mapped[str] = mapped_column(String(200))

    clinic: Mapped[Clinic] = relationship(back_populates="quotes")


def display_name(name: str | None, slug: str) -> str:
    """A listing's name, or a plain placeholder for drafts whose source states none."""
    return name or f"Unnamed clinic ({slug})"
