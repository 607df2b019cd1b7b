"""A listing as plain data: snapshot it, compare two snapshots, apply one to a clinic."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from flask_babel import gettext, ngettext
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.formatting import long_date, money
from directory.i18n import N_
from directory.listings import schema
from directory.listings.schema import Kind
from directory.listings.taxonomy import TREATMENT_NAMES
from directory.models import (
    Clinic,
    Condition,
    GeocodePrecision,
    Location,
    Phone,
    PhoneKind,
    Price,
    PriceUnit,
    Provenance,
    Treatment,
)
from directory.models.clinic import join_codes, split_codes
from directory.search import places as geo
from directory.search.geocoding import Geocoder
from directory.terms import language_name, term

if TYPE_CHECKING:
    from directory.listings.rows import LocationRow

# The fields, their labels and which are access facts come from the one listing schema.
FIELDS = schema.FIELDS
FIELD_LABELS = schema.FIELD_LABELS
ACCESS_FIELDS = schema.ACCESS_FIELDS


def _data(row: Any, part: type[BaseModel]) -> dict[str, Any]:
    """A row's values for the fields of one part of the schema, each enum as its value."""
    values = {name: getattr(row, name) for name in part.model_fields}
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in values.items()}


def location_data(loc: Location | LocationRow) -> dict[str, Any]:
    """A location as plain data: its address, coordinates and how precise they are."""
    return _data(loc, schema.LocationData)


def snapshot(clinic: Clinic) -> dict[str, Any]:
    """Everything an owner may change, as JSON-ready data, field by field of the schema."""
    return {name: _snapshot_field(clinic, name, spec) for name, spec in schema.SPECS.items()}


def _snapshot_field(clinic: Clinic, name: str, spec: schema.Spec) -> Any:
    if spec.kind is Kind.TEXT:
        return getattr(clinic, name) or schema.Listing.model_fields[name].default
    if spec.kind is Kind.FLAG:
        return getattr(clinic, name)
    if spec.kind is Kind.CODES:
        return split_codes(getattr(clinic, name))
    if spec.kind is Kind.TERMS:
        return [term.slug for term in getattr(clinic, name)]
    if spec.kind is Kind.LOCATION:
        loc = clinic.location
        return None if loc is None else location_data(loc)
    if spec.kind is Kind.PHONES:
        return [_data(p, schema.PhoneData) for p in clinic.phones]
    return [
        {
            "treatment": p.treatment.slug,
            "amount_cents": p.amount_cents,
            "unit": p.unit.value,
            "sessions_included": p.sessions_included,
            "included": p.included or "",
            "insurance_accepted": p.insurance_accepted,
            "source_url": p.source_url,
            "as_of": p.as_of.isoformat() if p.as_of else None,
        }
        for p in clinic.prices
    ]


def _comparable(field: str, value: Any) -> Any:
    """The part of a value that counts as a change (coordinates follow the address)."""
    if field == "location" and value:
        return {
            k: value.get(k) or None
            for k in ("address_1", "address_2", "city", "state", "postal_code")
        }
    if schema.SPECS[field].kind in (Kind.TERMS, Kind.CODES):
        return sorted(value or [])
    if field == "prices":
        return sorted((sorted(p.items()) for p in value or []), key=repr)
    if field == "phones":
        return [(p.get("e164"), p.get("display"), p.get("kind")) for p in value or []]
    if isinstance(value, str):
        return value.strip() or None
    return value


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields whose values differ between two snapshots, in form order."""
    return [
        f
        for f in FIELDS
        if f in after and _comparable(f, before.get(f)) != _comparable(f, after.get(f))
    ]


@dataclass(frozen=True)
class FieldChange:
    """One line of a diff, as text for the reviewer."""

    field: str
    label: str
    before: str
    after: str


# The fields' labels (schema.Spec), so the catalogue holds each one; a label is translated
# where it is shown.
LABEL_MESSAGES = frozenset(
    {
        N_("Name"),
        N_("Description"),
        N_("Website"),
        N_("E-mail"),
        N_("Hours"),
        N_("Free consultation"),
        N_("Accepts insurance"),
        N_("Address"),
        N_("Phones"),
        N_("Treatments"),
        N_("Conditions treated"),
        N_("Prices"),
        N_("Ways to pay"),
        N_("Languages spoken"),
        N_("Accepting new patients"),
        N_("Wait for a first appointment"),
        N_("Spravato REMS-certified"),
    }
)
# What each kind of phone number is for, as a diff shows it after the number.
PHONE_KIND_WORDS = {
    PhoneKind.MAIN.value: N_("main"),
    PhoneKind.TOLL_FREE.value: N_("toll-free"),
    PhoneKind.TEXT.value: N_("text"),
}
# "$450 per session": the price units' words, as the owner form offers them.
UNIT_WORDS = {
    PriceUnit.SESSION.value: N_("per session"),
    PriceUnit.SERIES.value: N_("per series"),
    PriceUnit.CONSULTATION.value: N_("per consultation"),
    PriceUnit.MONTH.value: N_("per month"),
}


def describe(field: str, value: Any, dates: Callable[[date], str] = long_date) -> str:
    """A field's value as text a reader can read, in the page's language (English outside a
    request); `dates` writes a price's as-of date (the page's long form by default)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if field == "location":
        parts = [
            value.get("address_1"),
            value.get("address_2"),
            value.get("city"),
            value.get("state"),
            value.get("postal_code"),
        ]
        text = ", ".join(str(p) for p in parts if p)
        return text or (value.get("metro") or "—")
    if field == "phones":
        return "\n".join(f"{p['display']} ({_phone_kind(p['kind'])})" for p in value)
    choices = schema.SPECS[field].choices
    if choices is not None:
        if field == "languages":
            return "\n".join(language_name(code) for code in value)
        return "\n".join(term(choices.get(s, s)) for s in value)
    if field == "prices":
        return "\n".join(_price_line(p, dates) for p in value)
    return str(value)


def _phone_kind(kind: str) -> str:
    return gettext(PHONE_KIND_WORDS[kind]) if kind in PHONE_KIND_WORDS else kind


def _price_line(price: dict[str, Any], dates: Callable[[date], str]) -> str:
    """IV ketamine infusion: $450 per session — source https://…, as of 1 November 2026."""
    unit = price["unit"]
    sessions = price.get("sessions_included")
    if unit == PriceUnit.SERIES.value and sessions:
        per = ngettext("per series of %(num)s session", "per series of %(num)s sessions", sessions)
    else:
        per = gettext(UNIT_WORDS[unit]) if unit in UNIT_WORDS else unit
    treatment = term(TREATMENT_NAMES.get(price["treatment"], price["treatment"]))
    line = f"{treatment}: {money(price['amount_cents'])} {per}"
    if price.get("source_url"):
        line += " — " + gettext("source %(url)s", url=price["source_url"])
    if price.get("as_of"):
        line += ", " + gettext("as of %(date)s", date=dates(date.fromisoformat(price["as_of"])))
    return line


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Field-by-field differences between two snapshots, in the page's language."""
    return [
        FieldChange(
            f, gettext(FIELD_LABELS[f]), describe(f, before.get(f)), describe(f, after.get(f))
        )
        for f in changed_fields(before, after)
    ]


def apply(
    session: Session,
    clinic: Clinic,
    payload: dict[str, Any],
    fields: list[str],
    geocoder: Geocoder,
    source_note: str,
) -> None:
    """Write the given fields of a snapshot onto the clinic (approval and revert only).

    Nothing is flushed here: the caller flushes once, with the rest of its decision.
    """
    treatments = {t.slug: t for t in session.execute(select(Treatment)).scalars()}
    conditions = {c.slug: c for c in session.execute(select(Condition)).scalars()}
    # One UPDATE of the clinic row per decision: no flush half-way (a geocoder lookup
    # would trigger one), and the caller flushes once, so the version moves by one.
    with session.no_autoflush:
        _apply_fields(
            clinic, payload, fields, treatments, conditions, session, geocoder, source_note
        )


# Fields held in the clinic row itself, written the same way wherever a listing is written.
PLAIN_KINDS = (Kind.TEXT, Kind.FLAG, Kind.CODES)


def column_value(field: str, value: Any) -> Any:
    """What the clinic row holds for a text, yes/no or code-list field's snapshot value."""
    spec = schema.SPECS[field]
    if spec.kind is Kind.TEXT:
        return (value or "").strip() or spec.column_empty
    if spec.kind is Kind.FLAG:
        return value
    if spec.kind is Kind.CODES:
        return join_codes(list(value or []))
    raise ValueError(f"{field} is not stored in the clinic row")


def write_plain(clinic: Clinic, field: str, value: Any) -> None:
    """Write one text, yes/no or code-list field of a snapshot onto the clinic row."""
    setattr(clinic, field, column_value(field, value))


def plain_columns(listing: schema.Listing) -> dict[str, Any]:
    """The clinic row's columns for every text, yes/no and code-list field of a listing."""
    return {
        name: column_value(name, getattr(listing, name))
        for name, spec in schema.SPECS.items()
        if spec.kind in PLAIN_KINDS
    }


def phone(data: dict[str, Any]) -> Phone:
    """A phone row from a snapshot's phone."""
    return Phone(
        e164=data["e164"],
        display=data["display"],
        vanity=data.get("vanity"),
        kind=PhoneKind(data["kind"]),
    )


def _apply_fields(
    clinic: Clinic,
    payload: dict[str, Any],
    fields: list[str],
    treatments: dict[str, Treatment],
    conditions: dict[str, Condition],
    session: Session,
    geocoder: Geocoder,
    source_note: str,
) -> None:
    for field in fields:
        value = payload.get(field)
        spec = schema.SPECS[field]
        if spec.kind in PLAIN_KINDS:
            write_plain(clinic, field, value)
        elif spec.kind is Kind.TERMS:
            terms = treatments if field == "treatments" else conditions
            setattr(clinic, field, [terms[s] for s in value or []])
        elif spec.kind is Kind.LOCATION:
            _apply_location(session, clinic, value, geocoder)
        elif spec.kind is Kind.PHONES:
            clinic.phones = [phone(p) for p in value or []]
        elif spec.kind is Kind.PRICES:
            clinic.prices = [price(p, treatments) for p in value or []]
        if spec.access:
            clinic.access_as_of = date.today()
        _replace_sources(clinic, field, source_note)


def _apply_location(
    session: Session, clinic: Clinic, value: dict[str, Any] | None, geocoder: Geocoder
) -> None:
    if not value:
        clinic.locations = []
        return
    # Coordinates kept with the change are used as they are, but 0, 0 (a file's or an
    # earlier gazetteer's "none") is placed again from the address.
    point = geo.real_point(value.get("latitude"), value.get("longitude"))
    if point is not None:
        lat, lng = point
        precision = GeocodePrecision(value.get("geocode_precision") or "postal_code")
    else:
        position = geocoder.locate(session, value)
        lat, lng, precision = position.latitude, position.longitude, position.precision
    loc = clinic.location or Location()
    loc.address_1 = value.get("address_1") or None
    loc.address_2 = value.get("address_2") or None
    loc.city = value.get("city") or None
    loc.state = value["state"]
    loc.postal_code = value.get("postal_code") or None
    loc.metro = value.get("metro") or None
    loc.latitude, loc.longitude, loc.geocode_precision = lat, lng, precision
    if clinic.location is None:
        clinic.locations.append(loc)


def price(data: dict[str, Any], treatments: dict[str, Treatment]) -> Price:
    """A price row from a snapshot's price; its as-of date is where it starts to hold."""
    return Price(treatment=treatments[data["treatment"]], **price_columns(data))


def price_columns(data: dict[str, Any]) -> dict[str, Any]:
    """A snapshot's price as the price row's columns, its treatment aside."""
    as_of = date.fromisoformat(data["as_of"]) if data.get("as_of") else None
    return {
        "amount_cents": int(data["amount_cents"]),
        "unit": PriceUnit(data["unit"]),
        "sessions_included": data.get("sessions_included"),
        "included": data.get("included") or "",
        "insurance_accepted": bool(data.get("insurance_accepted")),
        "source_url": data.get("source_url"),
        "as_of": as_of,
        "valid_from": as_of,
    }


def _replace_sources(clinic: Clinic, field: str, note: str) -> None:
    """The old source of a changed fact no longer supports it; name the new one."""
    if field == "prices":
        return  # every price carries its own source URL and as-of date
    prefixes = schema.SPECS[field].sources or (field,)
    clinic.sources = [
        s
        for s in clinic.sources
        if not any(s.field == p or (p.endswith(":") and s.field.startswith(p)) for p in prefixes)
    ]
    clinic.sources.append(Provenance(field=field, quote=note))
