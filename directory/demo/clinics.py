"""Fictional example clinics with realistic price structures, for demos and benchmarks.

Every clinic made here has is_example set, uses the reserved example.com domain
and 555 phone numbers, and is labelled "Example data" wherever it is shown.
Price levels follow what public US cost guides report (see DESIGN.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from directory.demo.access import access_facts
from directory.demo.prices import PAIN_PROTOCOL, plan_prices
from directory.demo.vocabulary import (
    ADMINISTERED_BY,
    HIGH_COST,
    LOW_COST,
    MONITORING,
    NAME_FIRST,
    NAME_SECOND,
    REMOTE_NAMES,
    STATES_50_DC,
    STREETS,
)
from directory.listings import snapshots
from directory.listings.schema import Listing, LocationData, PhoneData
from directory.listings.slugs import slugify
from directory.listings.taxonomy import INSURANCE_PAYMENTS
from directory.models import (
    Clinic,
    ClinicStatus,
    Condition,
    GeocodePrecision,
    Location,
    Phone,
    PhoneKind,
    Place,
    Price,
    ServiceArea,
    Treatment,
    VerifiedBy,
    utcnow,
)
from directory.models.treatment import clinic_conditions, clinic_treatments

BATCH = 1000


def create_example_clinics(
    session: Session,
    count: int,
    seed: int = 1,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add `count` example clinics (deterministic for a seed and a date); returns how many
    were new. Slugs carry the seed and index, so a rerun skips the ones already there."""
    today = today or date.today()
    rng = random.Random(seed)
    zips = list(
        session.execute(
            select(Place.key, Place.name, Place.state, Place.latitude, Place.longitude)
            .where(Place.kind == "zip", Place.state.in_(STATES_50_DC))
            .order_by(Place.key)
        )
    )
    if not zips:
        raise ValueError("The gazetteer is empty: run init-db first.")
    treatments = {t.slug: t.id for t in session.execute(select(Treatment)).scalars()}
    conditions = {c.slug: c.id for c in session.execute(select(Condition)).scalars()}
    existing = set(
        session.execute(select(Clinic.slug).where(Clinic.slug.like(f"example-{seed}-%"))).scalars()
    )

    created = 0
    for start in range(0, count, BATCH):
        plans = [
            _plan_clinic(rng, seed, i, zips, today)
            for i in range(start + 1, min(start + BATCH, count) + 1)
        ]
        fresh = [p for p in plans if p["clinic"]["slug"] not in existing]
        if fresh:
            _insert_batch(session, fresh, treatments, conditions)
            created += len(fresh)
        if progress:
            progress(len(plans))
    session.flush()
    return created


def _plan_clinic(
    rng: random.Random, seed: int, index: int, zips: list[Any], today: date
) -> dict[str, Any]:
    """Everything one example clinic holds, as plain rows."""
    remote = rng.random() < 0.06
    zip_row = rng.choice(zips)
    state = zip_row.state
    if remote:
        name = f"{rng.choice(NAME_FIRST)} {rng.choice(REMOTE_NAMES)}"
    elif rng.random() < 0.3:
        name = f"{zip_row.name} {rng.choice(NAME_SECOND)}"
    else:
        name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)}"
    slug = f"example-{seed}-{index}-{slugify(name)}"
    factor = 1.0
    if state in HIGH_COST:
        factor = rng.uniform(1.15, 1.35)
    elif state in LOW_COST:
        factor = rng.uniform(0.8, 0.95)

    verified_on = None
    verified_by = None
    if rng.random() < 0.9:
        verified_on = today - timedelta(days=rng.randint(0, 300))
        verified_by = rng.choice(list(VerifiedBy))

    listing: dict[str, Any] = {
        "name": name,
        "description": "Example clinic: a fictional listing that shows how the directory works.",
        "website": f"https://example.com/clinics/{slug}",
        "email": f"info@{slug[:40]}.example.com",
        "free_consultation": False,
        "accepts_insurance": False,
    }
    clinic = {
        "slug": slug,
        "status": ClinicStatus.PUBLISHED,
        "is_example": True,
        "status_note": "",
        "administered_by": None if remote else rng.choice(ADMINISTERED_BY),
        "monitoring": None if remote else rng.choice(MONITORING),
        "private_room": None if remote else rng.random() < 0.8,
        "year_opened": rng.randint(2012, 2025),
        "last_verified_on": verified_on,
        "last_verified_by": verified_by,
        "version": 1,
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }

    source = f"https://example.com/clinics/{slug}/prices"
    offered, prices = plan_prices(rng, listing, remote, factor, source, today)

    conditions = ["depression", "treatment-resistant-depression"]
    for slug_c, share in (
        ("anxiety", 0.7),
        ("ptsd", 0.6),
        ("ocd", 0.3),
        ("chronic-pain", 0.5),
        ("suicidal-ideation", 0.4),
        ("bipolar-depression", 0.2),
        ("postpartum-depression", 0.15),
    ):
        if rng.random() < share:
            conditions.append(slug_c)
    if "chronic-pain" not in conditions and any(p.included == PAIN_PROTOCOL for p in prices):
        conditions.append("chronic-pain")  # its prices say so; draws nothing more

    location = None
    service_areas: list[str] = []
    phone_number = f"{index % 100:02d}"
    if remote:
        service_areas = sorted({state, *rng.sample(STATES_50_DC, rng.randint(3, 20))})
    else:
        location = LocationData(
            address_1=f"{rng.randint(100, 9899)} {rng.choice(STREETS)}",
            address_2=rng.choice((None, None, f"Suite {rng.randint(100, 450)}")),
            city=zip_row.name,
            state=state,
            postal_code=zip_row.key,
            latitude=zip_row.latitude,
            longitude=zip_row.longitude,
            geocode_precision=GeocodePrecision.POSTAL_CODE,
        )
    # 555-0100 to 555-0199 are reserved for fiction.
    phone = PhoneData(
        e164=f"+155555501{phone_number}",
        display=f"(555) 555-01{phone_number}",
        kind=PhoneKind.MAIN,
    )
    access, clinic["access_as_of"] = access_facts(seed, index, offered, today)
    if INSURANCE_PAYMENTS.intersection(access["payment_options"]):
        listing["accepts_insurance"] = True  # billing Medicaid is accepting insurance
    example = Listing(
        **listing,
        **access,
        location=location,
        phones=[phone],
        treatments=offered,
        conditions=conditions,
        prices=prices,
    )
    clinic.update(snapshots.plain_columns(example))
    return {
        "clinic": clinic,
        "location": example.location.model_dump() if example.location else None,
        "service_areas": service_areas,
        "phones": [p.model_dump() for p in example.phones],
        "treatments": example.treatments,
        "conditions": example.conditions,
        "prices": example.prices,
    }


def _insert_batch(
    session: Session,
    plans: list[dict[str, Any]],
    treatments: dict[str, int],
    conditions: dict[str, int],
) -> None:
    """Insert a batch with a few multi-row statements instead of one ORM object each."""
    ids = (
        session.execute(
            insert(Clinic).returning(Clinic.id, sort_by_parameter_order=True),
            [p["clinic"] for p in plans],
        )
        .scalars()
        .all()
    )
    locations, areas, phones, links_t, links_c, prices = [], [], [], [], [], []
    for clinic_id, plan in zip(ids, plans, strict=True):
        if plan["location"]:
            locations.append({**plan["location"], "clinic_id": clinic_id})
        areas += [{"clinic_id": clinic_id, "state": s} for s in plan["service_areas"]]
        phones += [{**p, "clinic_id": clinic_id} for p in plan["phones"]]
        links_t += [
            {"clinic_id": clinic_id, "treatment_id": treatments[t]} for t in plan["treatments"]
        ]
        links_c += [
            {"clinic_id": clinic_id, "condition_id": conditions[c]} for c in plan["conditions"]
        ]
        prices += [
            {
                **snapshots.price_columns(p.model_dump(mode="json")),
                "clinic_id": clinic_id,
                "treatment_id": treatments[p.treatment],
            }
            for p in plan["prices"]
        ]
    for table, rows in (
        (Location, locations),
        (ServiceArea, areas),
        (Phone, phones),
        (clinic_treatments, links_t),
        (clinic_conditions, links_c),
        (Price, prices),
    ):
        if rows:
            session.execute(insert(table), rows)
