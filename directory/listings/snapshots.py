"""A listing as plain data: snapshot it, compare two snapshots, apply one to a clinic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.formatting import money
from directory.listings.taxonomy import (
    CONDITION_NAMES,
    LANGUAGE_NAMES,
    PAYMENT_NAMES,
    TREATMENT_NAMES,
)
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
from directory.models.clinic import join_codes
from directory.search.geocoding import Geocoder

FIELDS = (
    "name",
    "description",
    "website",
    "email",
    "hours",
    "free_consultation",
    "accepts_insurance",
    "location",
    "phones",
    "treatments",
    "conditions",
    "prices",
    "payment_options",
    "languages",
    "accepting_new_patients",
    "first_appointment_wait",
    "rems_certified",
)
FIELD_LABELS = {
    "name": "Name",
    "description": "Description",
    "website": "Website",
    "email": "E-mail",
    "hours": "Hours",
    "free_consultation": "Free consultation",
    "accepts_insurance": "Accepts insurance",
    "location": "Address",
    "phones": "Phones",
    "treatments": "Treatments",
    "conditions": "Conditions treated",
    "prices": "Prices",
    "payment_options": "Ways to pay",
    "languages": "Languages spoken",
    "accepting_new_patients": "Accepting new patients",
    "first_appointment_wait": "Wait for a first appointment",
    "rems_certified": "Spravato REMS-certified",
}
# Facts about access whose as-of date moves when an owner's proposal is approved.
ACCESS_FIELDS = (
    "payment_options",
    "languages",
    "accepting_new_patients",
    "first_appointment_wait",
    "rems_certified",
)
# Which provenance rows describe each snapshot field.
_SOURCE_FIELDS = {
    "location": ("location",),
    "phones": ("phone",),
    "treatments": ("treatment:",),
    "conditions": ("condition:",),
}


def snapshot(clinic: Clinic) -> dict[str, Any]:
    """Everything an owner may change, as JSON-ready data."""
    loc = clinic.location
    return {
        "name": clinic.name,
        "description": clinic.description or "",
        "website": clinic.website,
        "email": clinic.email,
        "hours": clinic.hours or "",
        "free_consultation": clinic.free_consultation,
        "accepts_insurance": clinic.accepts_insurance,
        "location": None
        if loc is None
        else {
            "address_1": loc.address_1,
            "address_2": loc.address_2,
            "city": loc.city,
            "state": loc.state,
            "postal_code": loc.postal_code,
            "metro": loc.metro,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "geocode_precision": loc.geocode_precision.value,
        },
        "phones": [
            {"display": p.display, "e164": p.e164, "kind": p.kind.value, "vanity": p.vanity}
            for p in clinic.phones
        ],
        "treatments": [t.slug for t in clinic.treatments],
        "conditions": [c.slug for c in clinic.conditions],
        "prices": [
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
        ],
        "payment_options": clinic.payment_codes,
        "languages": clinic.language_codes,
        "accepting_new_patients": clinic.accepting_new_patients,
        "first_appointment_wait": clinic.first_appointment_wait or "",
        "rems_certified": clinic.rems_certified,
    }


def _comparable(field: str, value: Any) -> Any:
    """The part of a value that counts as a change (coordinates follow the address)."""
    if field == "location" and value:
        return {
            k: value.get(k) or None
            for k in ("address_1", "address_2", "city", "state", "postal_code")
        }
    if field in ("treatments", "conditions", "payment_options", "languages"):
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


def describe(field: str, value: Any) -> str:
    """A field's value as text a moderator can read."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
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
        return "\n".join(f"{p['display']} ({p['kind'].replace('_', ' ')})" for p in value)
    if field == "treatments":
        return "\n".join(TREATMENT_NAMES.get(s, s) for s in value)
    if field == "conditions":
        return "\n".join(CONDITION_NAMES.get(s, s) for s in value)
    if field == "payment_options":
        return "\n".join(PAYMENT_NAMES.get(s, s) for s in value)
    if field == "languages":
        return "\n".join(LANGUAGE_NAMES.get(s, s) for s in value)
    if field == "prices":
        lines = []
        for p in value:
            amount = money(p["amount_cents"])
            unit = p["unit"] if p["unit"] != "series" else f"series of {p.get('sessions_included')}"
            lines.append(
                f"{TREATMENT_NAMES.get(p['treatment'], p['treatment'])}: {amount} per "
                f"{unit} — source {p.get('source_url')}, as of {p.get('as_of')}"
            )
        return "\n".join(lines)
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Field-by-field differences between two snapshots."""
    return [
        FieldChange(f, FIELD_LABELS[f], describe(f, before.get(f)), describe(f, after.get(f)))
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
        if field in (
            "name",
            "description",
            "website",
            "email",
            "hours",
            "free_consultation",
            "accepts_insurance",
        ):
            setattr(
                clinic, field, value if value != "" or field in ("description", "hours") else None
            )
        elif field == "location":
            _apply_location(session, clinic, value, geocoder)
        elif field == "phones":
            clinic.phones = [
                Phone(
                    e164=p["e164"],
                    display=p["display"],
                    vanity=p.get("vanity"),
                    kind=PhoneKind(p["kind"]),
                )
                for p in value or []
            ]
        elif field == "treatments":
            clinic.treatments = [treatments[s] for s in value or []]
        elif field == "conditions":
            clinic.conditions = [conditions[s] for s in value or []]
        elif field == "prices":
            clinic.prices = [_price(p, treatments) for p in value or []]
        elif field in ("payment_options", "languages"):
            setattr(clinic, field, join_codes(list(value or [])))
        elif field in ("accepting_new_patients", "rems_certified"):
            setattr(clinic, field, value)
        elif field == "first_appointment_wait":
            clinic.first_appointment_wait = (value or "").strip() or None
        if field in ACCESS_FIELDS:
            clinic.access_as_of = date.today()
        _replace_sources(clinic, field, source_note)


def _apply_location(
    session: Session, clinic: Clinic, value: dict[str, Any] | None, geocoder: Geocoder
) -> None:
    if not value:
        clinic.locations = []
        return
    if value.get("latitude") is not None and value.get("longitude") is not None:
        lat, lng = value["latitude"], value["longitude"]
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


def _price(data: dict[str, Any], treatments: dict[str, Treatment]) -> Price:
    as_of = date.fromisoformat(data["as_of"]) if data.get("as_of") else None
    return Price(
        treatment=treatments[data["treatment"]],
        amount_cents=int(data["amount_cents"]),
        unit=PriceUnit(data["unit"]),
        sessions_included=data.get("sessions_included"),
        included=data.get("included") or "",
        insurance_accepted=bool(data.get("insurance_accepted")),
        source_url=data.get("source_url"),
        as_of=as_of,
        valid_from=as_of,
    )


def _replace_sources(clinic: Clinic, field: str, note: str) -> None:
    """The old source of a changed fact no longer supports it; name the new one."""
    if field == "prices":
        return  # every price carries its own source URL and as-of date
    prefixes = _SOURCE_FIELDS.get(field, (field,))
    clinic.sources = [
        s
        for s in clinic.sources
        if not any(s.field == p or (p.endswith(":") and s.field.startswith(p)) for p in prefixes)
    ]
    clinic.sources.append(Provenance(field=field, quote=note))
