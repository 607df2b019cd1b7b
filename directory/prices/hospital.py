"""A hospital's current standard charges, arranged the way patients read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.formatting import money
from directory.ingest.hpt.codes import note_for
from directory.models import ChargeKind, HospitalCharge, PriceFileImport

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
