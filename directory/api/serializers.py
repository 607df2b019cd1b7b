"""Explicit dictionaries for the API: what the contract promises, nothing more."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from directory.listings import schema, snapshots
from directory.listings.rows import ListingRow, LocationRow, PhoneRow, PriceRow
from directory.listings.schema import Kind
from directory.models import Clinic, HospitalCharge, Location, Phone, Price, Provenance
from directory.models.clinic import split_codes
from directory.prices.pricing import SummaryRow
from directory.search import places as geo
from directory.search.query import ClinicHit

# One encoder for every call: `json.dumps` with options builds a new one each time, which
# cost more than encoding a number.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def encode(value: Any) -> str:
    """JSON text as the API writes it (as `jsonify` does outside debug mode): keys sorted,
    no spaces, ASCII."""
    return _ENCODER.encode(value)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _attributes(item: object, *names: str) -> dict[str, Any]:
    return {name: getattr(item, name) for name in names}


def location(loc: Location | LocationRow) -> dict[str, Any]:
    """A location with its coordinates and how precise they are."""
    return snapshots.location_data(loc)


def phone(p: Phone | PhoneRow) -> dict[str, Any]:
    """A phone number in E.164 and as the clinic writes it."""
    return {"e164": p.e164, "display": p.display, "vanity": p.vanity, "kind": p.kind.value}


def price(p: Price | PriceRow, today: date, stale_after_days: int) -> dict[str, Any]:
    """A published price with its source, as-of date and staleness."""
    return {
        "treatment": p.treatment.slug,
        "amount_cents": p.amount_cents,
        "currency": p.currency,
        "unit": p.unit.value,
        "sessions_included": p.sessions_included,
        "included": p.included,
        "insurance_accepted": p.insurance_accepted,
        "valid_from": _iso(p.valid_from),
        "valid_to": _iso(p.valid_to),
        "source_url": p.source_url,
        "as_of": _iso(p.as_of),
        "stale": p.is_stale(today, stale_after_days),
    }


def listing_fields(clinic: Clinic | ListingRow, audience: str) -> dict[str, Any]:
    """The listing schema's fields the API shows as stored, for "summary" or "detail"."""
    data: dict[str, Any] = {}
    for name in schema.api_fields(audience):
        kind = schema.SPECS[name].kind
        value = getattr(clinic, name)
        if kind is Kind.CODES:
            value = split_codes(value)
        elif kind is Kind.TERMS:
            value = [term.slug for term in value]
        data[name] = value
    return data


def source(s: Provenance) -> dict[str, Any]:
    """Where one fact came from."""
    return _attributes(s, "field", "source_document", "source_url", "quote")


def clinic_summary(
    clinic: Clinic | ListingRow, today: date, stale_after_days: int, distance: float | None = None
) -> dict[str, Any]:
    """A clinic as it appears in a result list."""
    loc = clinic.location
    return {
        "slug": clinic.slug,
        "name": clinic.display_name,
        "is_example": clinic.is_example,
        "kind": "hospital"
        if clinic.is_hospital
        else "telehealth_program"
        if clinic.is_remote_program
        else "clinic",
        "location": location(loc) if loc else None,
        "service_area_states": [a.state for a in clinic.service_areas],
        "distance_miles": round(distance, 2) if distance is not None else None,
        "phones": [phone(p) for p in clinic.phones],
        **listing_fields(clinic, "summary"),
        "access_as_of": _iso(clinic.access_as_of),
        "prices": [price(p, today, stale_after_days) for p in clinic.public_prices],
        "last_verified": {
            "on": _iso(clinic.last_verified_on),
            "by": clinic.last_verified_by.value if clinic.last_verified_by else None,
        },
    }


def hit(h: ClinicHit, today: date, stale_after_days: int) -> dict[str, Any]:
    """A search hit: the clinic summary with its distance."""
    data = clinic_summary(h.clinic, today, stale_after_days, h.known_distance)
    data["location"] = location(h.location) if h.location else None  # the one measured to
    data["lowest_session_price_cents"] = h.lowest_session_cents
    return data


def clinic_detail(clinic: Clinic, today: date, stale_after_days: int) -> dict[str, Any]:
    """Everything the clinic page shows."""
    data = clinic_summary(clinic, today, stale_after_days)
    data.update(
        listing_fields(clinic, "detail"),
        locations=[location(loc) for loc in clinic.locations],
        care_team=_attributes(
            clinic, "administered_by", "monitoring", "private_room", "year_opened"
        ),
        sources=[source(s) for s in clinic.sources],
        clinic_statements=[
            _attributes(q, "topic", "quote", "source_document") for q in clinic.quotes
        ],
    )
    return data


def summary_row(row: SummaryRow) -> dict[str, Any]:
    """One row of a price summary."""
    return {
        "treatment": row.treatment,
        "unit": row.unit.value,
        "count": row.count,
        "min_cents": row.min_cents,
        "median_cents": row.median_cents,
        "max_cents": row.max_cents,
    }


def place(p: geo.SearchPlace | None) -> dict[str, Any] | None:
    """The place a search was resolved to."""
    if p is None:
        return None
    return _attributes(p, "kind", "label", "state", "latitude", "longitude")


def hospital_charge(c: HospitalCharge) -> dict[str, Any]:
    """One current standard charge from a hospital's price transparency file."""
    return {
        "code": c.code,
        "code_type": c.code_type,
        "treatment": c.treatment.slug,
        "covers": c.covers,
        "description": c.description,
        "setting": c.setting,
        "kind": c.kind.value,
        "amount_cents": c.amount_cents,
        "payer_name": c.payer_name,
        "plan_name": c.plan_name,
        "percentage": c.percentage,
        "algorithm": c.algorithm,
        "methodology": c.methodology,
        "drug_unit": c.drug_unit,
        "drug_unit_type": c.drug_unit_type,
        "median_cents": c.median_cents,
        "p10_cents": c.p10_cents,
        "p90_cents": c.p90_cents,
        "estimated_cents": c.estimated_cents,
        "as_of": c.as_of.isoformat(),
        "source": c.source.source,
        "attestation_confirmed": c.source.attestation_confirmed,
    }
