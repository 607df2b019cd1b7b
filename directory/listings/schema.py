"""The one typed description of a listing's fields: what they hold, their labels, their checks.

Snapshots, diffs, proposals, the owner form, the API and the importers all walk `Listing`.
A field is declared once here, with its type and a `Spec` (label, kind, how it is stored);
adding a plain text or yes/no field to a listing is one line here, plus the column, its
migration, the form field and a template line.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from directory.listings.taxonomy import (
    CONDITION_NAMES,
    LANGUAGE_NAMES,
    PAYMENT_NAMES,
    TREATMENT_NAMES,
)
from directory.models import GeocodePrecision, PhoneKind, PriceUnit


class Kind(enum.StrEnum):
    """How a field is stored on a clinic, and so how it is snapshotted and applied."""

    TEXT = "text"  # a string column
    FLAG = "flag"  # a yes / no / not-stated column
    CODES = "codes"  # taxonomy codes kept comma-separated in one column
    TERMS = "terms"  # taxonomy rows linked to the clinic (treatments, conditions)
    LOCATION = "location"
    PHONES = "phones"
    PRICES = "prices"


@dataclass(frozen=True)
class Spec:
    """What the code needs to know about one listing field beyond its type."""

    label: str
    kind: Kind
    # TEXT: what the column holds when the field is blank ("" or None).
    column_empty: str | None = None
    # Facts about access whose as-of date moves when a change to them is approved.
    access: bool = False
    # Provenance rows describing the field (a trailing ":" matches a prefix).
    sources: tuple[str, ...] = ()
    # CODES and TERMS: the allowed codes and their names.
    choices: Mapping[str, str] | None = None
    # Where the public API shows the field as stored: in every clinic ("summary"), on
    # the clinic's own record only ("detail"), or not as is (None: name, address, phones
    # and prices have richer API forms of their own).
    api: str | None = None
    # TEXT and FLAG fields HSDS has no field for: the description of the listing-facts
    # attribute that carries the field in HSDS (its code is the name with "-" for "_").
    hsds_fact: str | None = None


class InvalidListing(ValueError):
    """A payload that is not a listing; the message names each bad field."""

    def __init__(self, errors: list[str]):
        super().__init__("This is not a valid listing: " + "; ".join(errors) + ".")
        self.errors = errors


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LocationData(_Strict):
    """An address; coordinates are worked out on approval when absent."""

    address_1: Annotated[str | None, Field(max_length=200)] = None
    address_2: Annotated[str | None, Field(max_length=200)] = None
    city: Annotated[str | None, Field(max_length=120)] = None
    state: Annotated[str, Field(min_length=2, max_length=2)]
    postal_code: Annotated[str | None, Field(max_length=10)] = None
    metro: Annotated[str | None, Field(max_length=120)] = None
    latitude: Annotated[float | None, Field(ge=-90, le=90)] = None
    longitude: Annotated[float | None, Field(ge=-180, le=180)] = None
    geocode_precision: GeocodePrecision | None = None

    @field_validator("geocode_precision", mode="before")
    @classmethod
    def _precision(cls, value: Any) -> Any:
        return GeocodePrecision(value) if isinstance(value, str) and value else None


class PhoneData(_Strict):
    """A number in E.164 and the form the clinic shows."""

    display: Annotated[str, Field(min_length=1, max_length=40)]
    e164: Annotated[str, Field(max_length=20)]
    kind: PhoneKind
    vanity: Annotated[str | None, Field(max_length=40)] = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return PhoneKind(value) if isinstance(value, str) else value


class PriceData(_Strict):
    """One published price, with its source and as-of date."""

    treatment: str
    amount_cents: Annotated[int, Field(ge=0, le=100_000_000)]
    unit: PriceUnit
    sessions_included: Annotated[int | None, Field(ge=0)] = None
    included: str = ""
    insurance_accepted: bool = False
    source_url: Annotated[str | None, Field(max_length=500)] = None
    as_of: str | None = None

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: Any) -> Any:
        return PriceUnit(value) if isinstance(value, str) else value

    @field_validator("treatment")
    @classmethod
    def _treatment(cls, value: str) -> str:
        if value not in TREATMENT_NAMES:
            raise ValueError(f"unknown treatment {value!r}")
        return value

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, value: str | None) -> str | None:
        if value:
            date.fromisoformat(value)  # a ValueError reads "Invalid isoformat string"
        return value or None


class Listing(_Strict):
    """Everything an owner may change on a listing, as revisions store it."""

    name: Annotated[str | None, Field(max_length=200), Spec("Name", Kind.TEXT)] = None
    description: Annotated[str, Spec("Description", Kind.TEXT, column_empty="", api="detail")] = ""
    website: Annotated[
        str | None, Field(max_length=500), Spec("Website", Kind.TEXT, api="summary")
    ] = None
    email: Annotated[str | None, Field(max_length=254), Spec("E-mail", Kind.TEXT, api="detail")] = (
        None
    )
    hours: Annotated[str, Spec("Hours", Kind.TEXT, column_empty="")] = ""
    free_consultation: Annotated[
        bool | None,
        Spec(
            "Free consultation",
            Kind.FLAG,
            api="summary",
            hsds_fact="Whether the first consultation is free: true or false.",
        ),
    ] = None
    accepts_insurance: Annotated[
        bool | None,
        Spec(
            "Accepts insurance",
            Kind.FLAG,
            api="summary",
            hsds_fact="Whether the clinic accepts insurance: true or false.",
        ),
    ] = None
    location: Annotated[
        LocationData | None, Spec("Address", Kind.LOCATION, sources=("location",))
    ] = None
    phones: Annotated[list[PhoneData], Spec("Phones", Kind.PHONES, sources=("phone",))] = []
    treatments: Annotated[
        list[str],
        Spec(
            "Treatments",
            Kind.TERMS,
            sources=("treatment:",),
            choices=TREATMENT_NAMES,
            api="summary",
        ),
    ] = []
    conditions: Annotated[
        list[str],
        Spec(
            "Conditions treated",
            Kind.TERMS,
            sources=("condition:",),
            choices=CONDITION_NAMES,
            api="detail",
        ),
    ] = []
    prices: Annotated[list[PriceData], Spec("Prices", Kind.PRICES)] = []
    payment_options: Annotated[
        list[str],
        Spec("Ways to pay", Kind.CODES, access=True, choices=PAYMENT_NAMES, api="summary"),
    ] = []
    languages: Annotated[
        list[str],
        Spec("Languages spoken", Kind.CODES, access=True, choices=LANGUAGE_NAMES, api="summary"),
    ] = []
    accepting_new_patients: Annotated[
        bool | None,
        Spec(
            "Accepting new patients",
            Kind.FLAG,
            access=True,
            api="summary",
            hsds_fact="Whether the clinic is taking new patients: true or false.",
        ),
    ] = None
    first_appointment_wait: Annotated[
        str,
        Field(max_length=120),
        Spec(
            "Wait for a first appointment",
            Kind.TEXT,
            access=True,
            api="summary",
            hsds_fact="The stated wait for a first appointment, in the source's words.",
        ),
    ] = ""
    rems_certified: Annotated[
        bool | None,
        Spec(
            "Spravato REMS-certified",
            Kind.FLAG,
            access=True,
            api="summary",
            hsds_fact="Whether the clinic is an esketamine (Spravato) REMS-certified "
            "treatment center: true or false.",
        ),
    ] = None
    # Not a listing field: the file and row an imported proposal comes from.
    x_source_note: Annotated[str | None, Field(max_length=2000)] = None

    @model_validator(mode="after")
    def _known_codes(self) -> Listing:
        """Taxonomy codes must be ones the directory knows."""
        for name, spec in SPECS.items():
            if spec.choices is not None:
                unknown = [c for c in getattr(self, name) if c not in spec.choices]
                if unknown:
                    raise ValueError(f"{name}: unknown code(s) {', '.join(map(repr, unknown))}")
        return self


def _spec(annotation_metadata: list[Any]) -> Spec | None:
    return next((m for m in annotation_metadata if isinstance(m, Spec)), None)


SPECS: dict[str, Spec] = {
    name: spec
    for name, info in Listing.model_fields.items()
    if (spec := _spec(info.metadata)) is not None
}
FIELDS: tuple[str, ...] = tuple(SPECS)
FIELD_LABELS: dict[str, str] = {name: spec.label for name, spec in SPECS.items()}
ACCESS_FIELDS: tuple[str, ...] = tuple(name for name, spec in SPECS.items() if spec.access)


def api_fields(audience: str) -> tuple[str, ...]:
    """The fields the public API shows as stored, for "summary" or "detail"."""
    return tuple(name for name, spec in SPECS.items() if spec.api == audience)


def empty_listing() -> dict[str, Any]:
    """A listing with nothing stated, as a snapshot (a new clinic's starting point)."""
    return Listing().model_dump(mode="json", include=set(FIELDS))


def max_length(name: str) -> int | None:
    """The most characters a text field of the listing may hold, when the schema limits it."""
    return next(
        (m.max_length for m in Listing.model_fields[name].metadata if hasattr(m, "max_length")),
        None,
    )


def fields_of(kind: Kind) -> tuple[str, ...]:
    """The names of the fields stored the given way, in form order."""
    return tuple(name for name, spec in SPECS.items() if spec.kind is kind)


def validated(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A payload checked against the schema, as JSON-ready data with only the keys it gave.

    Raises InvalidListing naming each bad field; today's and earlier stored payloads pass.
    """
    if not isinstance(payload, Mapping):
        raise InvalidListing(["a listing must be an object"])
    try:
        listing = Listing.model_validate(dict(payload))
    except ValidationError as exc:
        raise InvalidListing([_message(e) for e in exc.errors()]) from None
    return listing.model_dump(mode="json", exclude_unset=True)


def _message(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"])
    text = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        text = "not a listing field"
    return f"{where}: {text}" if where else text


def json_schema() -> dict[str, Any]:
    """The listing as JSON Schema (for the API document and for reviewers of the format)."""
    return Listing.model_json_schema()
