"""A hospital's cash prices in short, for its result card: the lowest discounted cash
price of each ketamine item in its current price file, with the file and its date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import ChargeKind, HospitalCharge

# A psychiatric evaluation is not a ketamine item; the clinic page lists it with the rest.
NOT_KETAMINE = frozenset({"consultation"})


@dataclass(frozen=True)
class CashItem:
    """The lowest cash price of one treatment and what it covers; `several` when it varies."""

    treatment: str
    covers: str
    cents: int
    several: bool


@dataclass(frozen=True)
class HospitalCash:
    """A hospital's cash prices for ketamine items, from one price file as of its date."""

    items: list[CashItem]
    source: str
    as_of: date


def cash_by_clinic(session: Session, clinic_ids: Iterable[int]) -> dict[int, HospitalCash]:
    """The current discounted cash prices of these hospitals, by listing id (one query)."""
    ids = sorted(set(clinic_ids))
    if not ids:
        return {}
    charges = session.execute(
        select(HospitalCharge)
        .where(
            HospitalCharge.clinic_id.in_(ids),
            HospitalCharge.valid_to.is_(None),
            HospitalCharge.kind == ChargeKind.DISCOUNTED_CASH,
            HospitalCharge.amount_cents.is_not(None),
        )
        .order_by(HospitalCharge.clinic_id, HospitalCharge.id)
    ).scalars()
    grouped: dict[int, dict[tuple[int, str, str], list[int]]] = {}
    files: dict[int, HospitalCharge] = {}
    for charge in charges:
        if charge.treatment.slug in NOT_KETAMINE:
            continue
        key = (charge.treatment.position, charge.treatment.name, charge.covers)
        grouped.setdefault(charge.clinic_id, {}).setdefault(key, []).append(
            charge.amount_cents or 0
        )
        files.setdefault(charge.clinic_id, charge)
    found = {}
    for clinic_id, by_item in grouped.items():
        first = files[clinic_id]
        items = [
            CashItem(name, covers, min(cents), len(set(cents)) > 1)
            for (_, name, covers), cents in sorted(by_item.items())
        ]
        found[clinic_id] = HospitalCash(items, first.source.source, first.source.last_updated_on)
    return found
