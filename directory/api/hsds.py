"""Published listings in Open Referral HSDS 3.0 shape, so other directories can take them."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from directory.models import Clinic, ClinicStatus, HospitalCharge, Price, Treatment
from directory.prices import hospital

_NAMESPACE = uuid.UUID("6f1f7f0e-8f4e-4d0b-9a55-2b1c8a7e6d10")


def _id(*parts: object) -> str:
    """A stable UUID for a record, so repeated exports keep their identifiers."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def page(session: Session, number: int, size: int) -> dict[str, Any]:
    """One page of organizations, HSDS paginated-list style."""
    published = Clinic.status == ClinicStatus.PUBLISHED
    total = session.execute(select(func.count()).select_from(Clinic).where(published)).scalar_one()
    clinics = session.execute(
        select(Clinic)
        .where(published)
        .order_by(Clinic.id)
        .offset((number - 1) * size)
        .limit(size)
        .options(
            selectinload(Clinic.locations),
            selectinload(Clinic.phones),
            selectinload(Clinic.prices),
            selectinload(Clinic.treatments),
            selectinload(Clinic.service_areas),
        )
    ).scalars()
    listed = list(clinics)
    charges = hospital.current_charges_by_clinic(session, [c.id for c in listed if c.is_hospital])
    pages = max(1, math.ceil(total / size))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": size,
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": total == 0,
        "contents": [organization(c, charges.get(c.id, ())) for c in listed],
    }


def organization(clinic: Clinic, charges: Sequence[HospitalCharge] = ()) -> dict[str, Any]:
    """A clinic as an HSDS organization with its services, locations and phones."""
    org_id = _id("organization", clinic.slug)
    return {
        "id": org_id,
        "name": clinic.display_name,
        "description": clinic.description
        or ("Example data: a fictional listing." if clinic.is_example else ""),
        "website": clinic.website,
        "email": clinic.email,
        "x_slug": clinic.slug,
        "x_is_example": clinic.is_example,
        "phones": [_phone(clinic.slug, p.e164, p.display) for p in clinic.phones],
        "locations": [
            {
                "id": _id("location", clinic.slug, loc.id),
                "location_type": "physical",
                "name": clinic.display_name,
                "latitude": loc.latitude,
                "longitude": loc.longitude,
                "addresses": [
                    {
                        "id": _id("address", clinic.slug, loc.id),
                        "location_id": _id("location", clinic.slug, loc.id),
                        "address_1": loc.address_1 or "",
                        "address_2": loc.address_2,
                        "city": loc.city or loc.metro or "",
                        "region": loc.metro,
                        "state_province": loc.state,
                        "postal_code": loc.postal_code or "",
                        "country": "US",
                        "address_type": "physical",
                    }
                ],
            }
            for loc in clinic.locations
        ],
        "services": [_service(clinic, org_id, t.slug, t.name, charges) for t in _offered(clinic)],
    }


def _offered(clinic: Clinic) -> list[Treatment]:
    """The listed treatments, plus any that only appear in a published price."""
    offered = list(clinic.treatments)
    for price in clinic.public_prices:
        if price.treatment not in offered:
            offered.append(price.treatment)
    return offered


def _phone(slug: str, e164: str, display: str) -> dict[str, Any]:
    return {
        "id": _id("phone", slug, e164, display),
        "number": e164,
        "type": "voice",
        "description": display,
    }


def _service(
    clinic: Clinic, org_id: str, slug: str, name: str, charges: Sequence[HospitalCharge] = ()
) -> dict[str, Any]:
    service_id = _id("service", clinic.slug, slug)
    prices = [p for p in clinic.public_prices if p.treatment.slug == slug]
    service: dict[str, Any] = {
        "id": service_id,
        "organization_id": org_id,
        "name": name,
        "status": "active",
        "cost_options": [_cost_option(service_id, p) for p in prices]
        + [
            _charge_option(service_id, c)
            for c in charges
            if c.treatment.slug == slug and c.amount_cents is not None
        ],
    }
    if clinic.service_areas:
        service["service_areas"] = [
            {
                "id": _id("area", clinic.slug, a.state),
                "service_id": service_id,
                "name": a.state,
                "extent_type": "state",
            }
            for a in clinic.service_areas
        ]
    return service


def _cost_option(service_id: str, p: Price) -> dict[str, Any]:
    unit = {
        "session": "per session",
        "series": "per series",
        "consultation": "per consultation",
        "month": "per month",
    }[p.unit.value]
    if p.unit.value == "series" and p.sessions_included:
        unit = f"per series of {p.sessions_included} sessions"
    return {
        "id": _id("cost_option", service_id, p.id),
        "service_id": service_id,
        "valid_from": p.valid_from.isoformat() if p.valid_from else None,
        "valid_to": p.valid_to.isoformat() if p.valid_to else None,
        "option": unit,
        "currency": p.currency,
        "amount": p.amount_cents / 100,
        "amount_description": p.included or unit,
        "x_source_url": p.source_url,
        "x_as_of": p.as_of.isoformat() if p.as_of else None,
    }


CHARGE_LABELS = {
    "gross": "hospital gross charge",
    "discounted_cash": "hospital cash price",
    "negotiated_dollar": "hospital rate negotiated with an insurer",
    "minimum": "lowest hospital rate negotiated with insurers",
    "maximum": "highest hospital rate negotiated with insurers",
}


def _charge_option(service_id: str, c: HospitalCharge) -> dict[str, Any]:
    """A hospital's standard charge from its price transparency file, as a cost option."""
    label = CHARGE_LABELS.get(c.kind.value, "hospital charge")
    return {
        "id": _id("hospital_charge", service_id, c.id),
        "service_id": service_id,
        "valid_from": c.valid_from.isoformat(),
        "valid_to": c.valid_to.isoformat() if c.valid_to else None,
        "option": f"{label}, code {c.code} ({c.covers})",
        "currency": "USD",
        "amount": (c.amount_cents or 0) / 100,
        "amount_description": c.description,
        "x_source_url": c.source.source,
        "x_as_of": c.as_of.isoformat(),
        "x_hospital_charge": {
            "code": c.code,
            "code_type": c.code_type,
            "kind": c.kind.value,
            "setting": c.setting,
            "payer_name": c.payer_name,
            "plan_name": c.plan_name,
        },
    }
