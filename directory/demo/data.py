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

from directory.listings.slugs import slugify
from directory.listings.taxonomy import PAYMENT_OPTIONS
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
    PriceUnit,
    ServiceArea,
    Treatment,
    VerifiedBy,
    utcnow,
)
from directory.models.treatment import clinic_conditions, clinic_treatments

BATCH = 1000
STATES_50_DC = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
).split()
# Large coastal metros charge more; several southern and plains states less.
HIGH_COST = {"CA", "NY", "MA", "WA", "NJ", "DC", "CT", "HI", "MD"}
LOW_COST = {"MS", "AR", "AL", "WV", "KY", "OK", "LA", "ND", "SD", "IA", "KS", "NE"}

NAME_FIRST = (
    "Lakeside",
    "Summit",
    "Harbor",
    "Cedar",
    "Northstar",
    "Clearwater",
    "Bright Path",
    "Evergreen",
    "Riverbend",
    "Meadowlark",
    "Horizon",
    "Willow",
    "Keystone",
    "Beacon",
    "Silver Pine",
    "Blue Heron",
    "Stillwater",
    "Aspen",
    "Juniper",
    "Open Door",
    "New Leaf",
    "Tranquil",
    "Morning Light",
    "Compass",
    "True North",
    "Oak Hollow",
    "Haven",
    "Sunrise",
)
NAME_SECOND = (
    "Ketamine Clinic",
    "Infusion Center",
    "Ketamine Therapy",
    "Wellness Center",
    "Mental Health",
    "Psychiatry & Ketamine",
    "Infusion Clinic",
    "Mood Clinic",
)
REMOTE_NAMES = ("Telehealth", "At-Home Ketamine", "Virtual Care", "Home Program")
STREETS = (
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Park Blvd",
    "Lake Rd",
    "Center St",
    "Elm St",
    "Washington Ave",
    "Highland Dr",
    "Commerce Way",
    "Medical Pkwy",
    "River Rd",
)
ADMINISTERED_BY = (
    "Anesthesiologist",
    "Psychiatrist",
    "Emergency physician",
    "Certified registered nurse anesthetist (CRNA)",
    "Nurse practitioner",
)
MONITORING = (
    "Blood pressure, heart rate and oxygen saturation throughout the infusion",
    "Continuous vital-sign monitoring by a nurse",
    "Pulse oximetry and blood pressure",
)


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

    clinic = {
        "slug": slug,
        "name": name,
        "description": "Example clinic: a fictional listing that shows how the directory works.",
        "website": f"https://example.com/clinics/{slug}",
        "email": f"info@{slug[:40]}.example.com",
        "status": ClinicStatus.PUBLISHED,
        "is_example": True,
        "status_note": "",
        "free_consultation": False,
        "accepts_insurance": False,
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

    offered: list[str] = ["consultation"]
    prices: list[dict[str, Any]] = []
    source = f"https://example.com/clinics/{slug}/prices"

    def price(treatment: str, dollars: float, unit: PriceUnit, **extra: Any) -> None:
        step = 25 if dollars >= 100 else 5
        cents = int(round(dollars / step) * step) * 100
        as_of = today - timedelta(days=rng.randint(0, 540))
        prices.append(
            {
                "treatment": treatment,
                "amount_cents": cents,
                "unit": unit,
                "source_url": source,
                "as_of": as_of,
                "valid_from": as_of,
                "currency": "USD",
                "included": extra.get("included", ""),
                "sessions_included": extra.get("sessions"),
                "insurance_accepted": extra.get("insurance", False),
            }
        )

    if rng.random() < 0.25:
        clinic["free_consultation"] = True
        price("consultation", 0, PriceUnit.CONSULTATION, included="Free initial consultation")
    elif rng.random() < 0.1:
        price(
            "consultation",
            rng.uniform(150, 300) * factor,
            PriceUnit.CONSULTATION,
            included="Credited toward the first treatment",
        )
    else:
        price(
            "consultation",
            rng.uniform(150, 350) * factor,
            PriceUnit.CONSULTATION,
            included="Psychiatric evaluation and medical screening",
        )

    if remote:
        offered += ["at-home"]
        price(
            "at-home",
            rng.uniform(200, 450),
            PriceUnit.MONTH,
            included="Prescriber visits, medication and guided sessions for one month",
        )
        if rng.random() < 0.5:
            offered.append("kap")
            price(
                "kap",
                rng.uniform(250, 450),
                PriceUnit.SESSION,
                included="Video session with a licensed therapist",
            )
        if rng.random() < 0.5:
            offered.append("integration")
            price(
                "integration",
                rng.uniform(90, 180),
                PriceUnit.SESSION,
                included="Video integration session",
            )
    else:
        if rng.random() < 0.9:
            offered.append("iv-infusion")
            session_price = rng.uniform(400, 800) * factor
            price(
                "iv-infusion",
                session_price,
                PriceUnit.SESSION,
                included="One infusion of about 40-60 minutes with monitoring",
            )
            if rng.random() < 0.7:
                n = rng.choice((6, 6, 6, 6, 4, 8))
                price(
                    "iv-infusion",
                    session_price * n * rng.uniform(0.85, 0.95),
                    PriceUnit.SERIES,
                    sessions=n,
                    included=f"Initial series of {n} infusions",
                )
            if rng.random() < 0.5:
                price(
                    "iv-infusion",
                    rng.uniform(600, 1400) * factor,
                    PriceUnit.SESSION,
                    included="Chronic pain protocol infusion, up to 4 hours",
                )
        if rng.random() < 0.35:
            offered.append("esketamine")
            clinic["accepts_insurance"] = rng.random() < 0.75
            price(
                "esketamine",
                rng.uniform(600, 900) * factor,
                PriceUnit.SESSION,
                included="In-office Spravato session with 2 hours of observation",
                insurance=clinic["accepts_insurance"],
            )
        if rng.random() < 0.15:
            offered.append("im-ketamine")
            price("im-ketamine", rng.uniform(250, 450) * factor, PriceUnit.SESSION)
        if rng.random() < 0.1:
            offered.append("oral-ketamine")
            price(
                "oral-ketamine",
                rng.uniform(150, 350),
                PriceUnit.MONTH,
                included="Monthly prescriber visit and medication",
            )
        if rng.random() < 0.25:
            offered.append("kap")
            price(
                "kap",
                rng.uniform(300, 600) * factor,
                PriceUnit.SESSION,
                included="Therapy session during a ketamine treatment",
            )
        if rng.random() < 0.3:
            offered.append("integration")
            price(
                "integration",
                rng.uniform(100, 200) * factor,
                PriceUnit.SESSION,
                included="Integration therapy session",
            )

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

    location = None
    service_areas: list[str] = []
    phone_number = f"{index % 100:02d}"
    if remote:
        service_areas = sorted({state, *rng.sample(STATES_50_DC, rng.randint(3, 20))})
    else:
        location = {
            "address_1": f"{rng.randint(100, 9899)} {rng.choice(STREETS)}",
            "address_2": rng.choice((None, None, f"Suite {rng.randint(100, 450)}")),
            "city": zip_row.name,
            "state": state,
            "postal_code": zip_row.key,
            "latitude": zip_row.latitude,
            "longitude": zip_row.longitude,
            "geocode_precision": GeocodePrecision.POSTAL_CODE,
            "metro": None,
        }
    # 555-0100 to 555-0199 are reserved for fiction.
    phone = {
        "e164": f"+155555501{phone_number}",
        "display": f"(555) 555-01{phone_number}",
        "kind": PhoneKind.MAIN,
        "vanity": None,
    }
    clinic.update(_access_facts(seed, index, offered, today))
    return {
        "clinic": clinic,
        "location": location,
        "service_areas": service_areas,
        "phone": phone,
        "treatments": offered,
        "conditions": conditions,
        "prices": prices,
    }


def _access_facts(seed: int, index: int, offered: list[str], today: date) -> dict[str, Any]:
    """How to pay, languages and new-patient facts, from their own generator so the
    rest of an example clinic stays as it was."""
    rng = random.Random(f"{seed}-{index}-access")
    payment = ["self-pay"]
    for code, share in (
        ("out-of-network", 0.4),
        ("hsa-fsa", 0.6),
        ("financing", 0.4),
        ("sliding-scale", 0.1),
        ("va-community-care", 0.08),
        ("tricare", 0.06),
    ):
        if rng.random() < share:
            payment.append(code)
    if "esketamine" in offered:
        payment += [c for c in ("private-insurance", "medicare", "medicaid") if rng.random() < 0.6]
    languages = ["en"]
    for code, share in (("es", 0.35), ("zh", 0.04), ("vi", 0.03), ("fr", 0.03), ("ru", 0.02)):
        if rng.random() < share:
            languages.append(code)
    accepting = rng.choice((True, True, True, True, False, None))
    wait = rng.choice(("", "About a week", "Two to three weeks", "Same week"))
    return {
        "payment_options": ",".join(c for c, _ in PAYMENT_OPTIONS if c in payment),
        "languages": ",".join(languages),
        "accepting_new_patients": accepting,
        "first_appointment_wait": (wait or None) if accepting else None,
        "rems_certified": ("esketamine" in offered) or None,
        "access_as_of": today - timedelta(days=rng.randint(0, 400)),
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
        phones.append({**plan["phone"], "clinic_id": clinic_id})
        links_t += [
            {"clinic_id": clinic_id, "treatment_id": treatments[t]} for t in plan["treatments"]
        ]
        links_c += [
            {"clinic_id": clinic_id, "condition_id": conditions[c]} for c in plan["conditions"]
        ]
        for p in plan["prices"]:
            row = {k: v for k, v in p.items() if k != "treatment"}
            row.update(clinic_id=clinic_id, treatment_id=treatments[p["treatment"]])
            prices.append(row)
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
