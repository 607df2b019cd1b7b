"""Keeping each clinic's lowest per-session price beside its prices, in the same transaction.

The price-sorted search and the price ceiling read `lowest_prices` instead of taking the
minimum of every clinic's prices on each request. Every transaction that writes prices
(ORM flushes and bulk statements alike: approvals, reverts, imports, demo data) notes the
clinics it touched; just before it commits, their rows are recomputed from `prices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, null, select
from sqlalchemy.orm import Session

from directory.listings import taxonomy
from directory.listings.derived import DerivedTable, clinics_with_flushed_prices, replace_rows
from directory.models import LowestPrice, Price, PriceUnit, Treatment

# The prices a lowest per-session price is taken from: per session, and shown to patients.
COUNTED: tuple[Any, ...] = (Price.unit == PriceUnit.SESSION, Price.is_publishable)
# Those a lowest price for any treatment is taken from: ketamine's own, not a
# consultation's or an integration session's (a $100 integration session is not what a
# patient under a $150 ceiling is looking for).
ANY_TREATMENT: tuple[Any, ...] = (
    *COUNTED,
    Price.treatment_id.in_(
        select(Treatment.id).where(Treatment.slug.in_(sorted(taxonomy.KETAMINE_TREATMENTS)))
    ),
)


def _minimums(clinic_ids: list[int] | None) -> list[Any]:
    """INSERT ... SELECT statements: per clinic and treatment, and per clinic overall."""
    among = [] if clinic_ids is None else [Price.clinic_id.in_(clinic_ids)]
    per_treatment = (
        select(Price.clinic_id, Price.treatment_id, func.min(Price.amount_cents))
        .where(*COUNTED, *among)
        .group_by(Price.clinic_id, Price.treatment_id)
    )
    overall = (
        select(Price.clinic_id, null(), func.min(Price.amount_cents))
        .where(*ANY_TREATMENT, *among)
        .group_by(Price.clinic_id)
    )
    columns = ["clinic_id", "treatment_id", "amount_cents"]
    return [
        insert(LowestPrice).from_select(columns, per_treatment),
        insert(LowestPrice).from_select(columns, overall),
    ]


def _write(session: Session, clinic_ids: list[int] | None) -> None:
    for stmt in _minimums(clinic_ids):
        session.execute(stmt)


def refresh(session: Session, clinic_ids: Iterable[int] | None) -> None:
    """Recompute the lowest prices of these clinics (None: of all) from their prices."""
    replace_rows(session, LowestPrice, _write, clinic_ids)


def refresh_all(session: Session) -> int:
    """Recompute every clinic's lowest prices; returns how many rows there are now."""
    refresh(session, None)
    return int(session.execute(select(func.count()).select_from(LowestPrice)).scalar_one())


def lowest_for(clinic_id: Any, treatment_id: Any) -> Any:
    """SQL: the lowest per-session price of a clinic, for one treatment id or (None) any
    ketamine treatment."""
    stmt = select(LowestPrice.amount_cents).where(LowestPrice.clinic_id == clinic_id)
    if treatment_id is None:
        return stmt.where(LowestPrice.treatment_id.is_(None)).scalar_subquery()
    return stmt.where(LowestPrice.treatment_id == treatment_id).scalar_subquery()


DerivedTable("lowest_prices", frozenset({"prices"}), clinics_with_flushed_prices, refresh).listen()
