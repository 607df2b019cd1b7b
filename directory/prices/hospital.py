"""A hospital's current standard charges, arranged the way patients read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.formatting import money
from directory.ingest.hpt.codes import note_for
from directory.models import (
    ChargeKind,
    Clinic,
    ClinicStatus,
    HospitalCharge,
    ListingKind,
    Location,
    PriceFileImport,
    Treatment,
)
from directory.search import places as geo
from directory.search import query as search

PAYER_KINDS = (
    ChargeKind.NEGOTIATED_DOLLAR,
    ChargeKind.NEGOTIATED_PERCENTAGE,
    ChargeKind.NEGOTIATED_ALGORITHM,
)


def current_charges(session: Session, clinic_id: int) -> list[HospitalCharge]:
    """The charges from the newest imported file (those no newer file has replaced)."""
    return list(
        session.execute(
            select(HospitalCharge)
            .where(HospitalCharge.clinic_id == clinic_id, HospitalCharge.valid_to.is_(None))
            .order_by(HospitalCharge.id)
        ).scalars()
    )


def current_charges_by_clinic(
    session: Session, clinic_ids: list[int]
) -> dict[int, list[HospitalCharge]]:
    """The current charges of several hospitals at once, by listing id."""
    found: dict[int, list[HospitalCharge]] = {}
    if not clinic_ids:
        return found
    for charge in session.execute(
        select(HospitalCharge)
        .where(HospitalCharge.clinic_id.in_(clinic_ids), HospitalCharge.valid_to.is_(None))
        .order_by(HospitalCharge.id)
    ).scalars():
        found.setdefault(charge.clinic_id, []).append(charge)
    return found


@dataclass
class CashRow:
    """What a patient paying themselves is charged for one code, with the list price."""

    code: str
    code_type: str
    description: str
    covers: str
    setting: str
    drug_unit: str | None
    treatment: str
    as_of: date
    cash_cents: int | None = None
    gross_cents: int | None = None
    minimum_cents: int | None = None
    maximum_cents: int | None = None


@dataclass
class InsurerRow:
    """One insurer and plan's rate for a code, with the rate in words."""

    charge: HospitalCharge
    rate: str


@dataclass
class ChargeSheet:
    """Everything the hospital charges section of a listing shows."""

    source: PriceFileImport
    cash: list[CashRow] = field(default_factory=list)
    insurers: list[InsurerRow] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def as_of(self) -> date:
        """The date the hospital's file states its charges were true."""
        return self.source.last_updated_on


def rate_text(charge: HospitalCharge) -> str:
    """An insurer's rate in words: dollars, a percentage, or the algorithm as written."""
    if charge.amount_cents is not None:
        return money(charge.amount_cents)
    if charge.percentage:
        return f"{charge.percentage}% of the hospital's charges"
    return charge.algorithm or "—"


def charge_sheet(session: Session, clinic_id: int) -> ChargeSheet | None:
    """The current charges as cash rows first, then insurers' rates; None when there are none."""
    charges = current_charges(session, clinic_id)
    if not charges:
        return None
    sheet = ChargeSheet(source=charges[0].source)
    rows: dict[tuple[str, str, str, str | None, str | None], CashRow] = {}
    for c in charges:
        if c.kind in PAYER_KINDS:
            sheet.insurers.append(InsurerRow(c, rate_text(c)))
            continue
        key = (c.code, c.code_type, c.setting, c.drug_unit, c.modifiers)
        row = rows.get(key)
        if row is None:
            row = rows[key] = CashRow(
                c.code,
                c.code_type,
                c.description,
                c.covers,
                c.setting,
                c.drug_unit,
                c.treatment.name,
                c.as_of,
            )
        attr = {
            ChargeKind.DISCOUNTED_CASH: "cash_cents",
            ChargeKind.GROSS: "gross_cents",
            ChargeKind.MINIMUM: "minimum_cents",
            ChargeKind.MAXIMUM: "maximum_cents",
        }[c.kind]
        setattr(row, attr, c.amount_cents)
    # Cash price first: rows with a cash price lead, by code.
    sheet.cash = sorted(rows.values(), key=lambda r: (r.cash_cents is None, r.code, r.setting))
    sheet.insurers.sort(
        key=lambda r: ((r.charge.payer_name or "").lower(), r.charge.plan_name or "", r.charge.code)
    )
    seen = dict.fromkeys((c.code, c.code_type) for c in charges)
    sheet.notes = [(code, note_for(code, code_type)) for code, code_type in seen]
    return sheet


@dataclass(frozen=True)
class CashPriceRow:
    """A hospital's cash price for one code, for a region's cost page."""

    hospital: str
    slug: str
    treatment: str
    code: str
    covers: str
    setting: str
    cash_cents: int
    as_of: date


def region_cash_prices(
    session: Session,
    state: str | None = None,
    place: geo.SearchPlace | None = None,
    radius: float | None = None,
    limit: int = 200,
) -> list[CashPriceRow]:
    """Published hospitals' current cash prices in a state or around a place (in the
    state, when both are given)."""
    conditions = [
        Clinic.status == ClinicStatus.PUBLISHED,
        Clinic.kind == ListingKind.HOSPITAL,
        HospitalCharge.kind == ChargeKind.DISCOUNTED_CASH,
        HospitalCharge.valid_to.is_(None),
        HospitalCharge.amount_cents.is_not(None),
    ]
    if place is not None and place.has_point and radius:
        conditions.append(Clinic.id.in_(search.within_ids(place, radius, state)))
    elif state:
        conditions.append(Clinic.id.in_(select(Location.clinic_id).where(Location.state == state)))
    rows = session.execute(
        select(HospitalCharge, Clinic.name, Clinic.slug, Treatment.name)
        .join(Clinic, Clinic.id == HospitalCharge.clinic_id)
        .join(Treatment, Treatment.id == HospitalCharge.treatment_id)
        .where(*conditions)
        .order_by(Treatment.position, HospitalCharge.code, HospitalCharge.amount_cents)
        .limit(limit)
    ).all()
    return [
        CashPriceRow(
            name or slug,
            slug,
            treatment,
            c.code,
            c.covers,
            c.setting,
            c.amount_cents or 0,
            c.as_of,
        )
        for c, name, slug, treatment in rows
    ]


def cash_for_compare(
    session: Session, clinics: list[Clinic], treatment_name: str
) -> dict[str, list[CashRow]]:
    """Each compared hospital's cash prices for one treatment, by slug; clinics are absent."""
    found: dict[str, list[CashRow]] = {}
    for clinic in clinics:
        sheet = charge_sheet(session, clinic.id) if clinic.is_hospital else None
        if sheet is not None:
            found[clinic.slug] = [r for r in sheet.cash if r.treatment == treatment_name]
    return found
