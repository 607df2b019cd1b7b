"""Keeping each clinic's lowest per-session price beside its prices, in the same transaction.

The price-sorted search and the price ceiling read `lowest_prices` instead of taking the
minimum of every clinic's prices on each request. Every transaction that writes prices
(ORM flushes and bulk statements alike: approvals, reverts, imports, demo data) notes the
clinics it touched; just before it commits, their rows are recomputed from `prices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, event, func, insert, inspect, null, select
from sqlalchemy.orm import ORMExecuteState, Session

from directory.models import LowestPrice, Price, PriceUnit

_TOUCHED = "lowest_price_clinics"
_ALL = "lowest_price_all"
CHUNK = 500


def _note(session: Session, clinic_ids: Iterable[Any]) -> None:
    session.info.setdefault(_TOUCHED, set()).update(i for i in clinic_ids if i is not None)


@event.listens_for(Session, "after_flush")
def _note_flushed_prices(session: Session, _context: Any) -> None:
    touched = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Price):
            touched.append(obj.clinic_id)
            # A price moved to another clinic changes the one it left too.
            history = inspect(obj).attrs.clinic_id.history
            touched.extend(history.deleted or ())
    if touched:
        _note(session, touched)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_prices(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) != "prices":
        return
    rows = state.parameters
    if state.is_insert and isinstance(rows, list | dict) and rows:
        params = rows if isinstance(rows, list) else [rows]
        if all("clinic_id" in p for p in params):
            _note(state.session, (p["clinic_id"] for p in params))
            return
    # An update or delete by criteria: which clinics it reached is unknown here.
    state.session.info[_ALL] = True


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    session.flush()
    everything = session.info.pop(_ALL, False)
    touched = session.info.pop(_TOUCHED, set())
    if everything:
        refresh_all(session)
    elif touched:
        refresh(session, touched)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
    session.info.pop(_ALL, None)


def _minimums(clinic_ids: list[int] | None) -> list[Any]:
    """INSERT ... SELECT statements: per clinic and treatment, and per clinic overall."""
    where = [Price.unit == PriceUnit.SESSION, Price.is_publishable]
    if clinic_ids is not None:
        where.append(Price.clinic_id.in_(clinic_ids))
    per_treatment = (
        select(Price.clinic_id, Price.treatment_id, func.min(Price.amount_cents))
        .where(*where)
        .group_by(Price.clinic_id, Price.treatment_id)
    )
    overall = (
        select(Price.clinic_id, null(), func.min(Price.amount_cents))
        .where(*where)
        .group_by(Price.clinic_id)
    )
    columns = ["clinic_id", "treatment_id", "amount_cents"]
    return [
        insert(LowestPrice).from_select(columns, per_treatment),
        insert(LowestPrice).from_select(columns, overall),
    ]


def refresh(session: Session, clinic_ids: Iterable[int]) -> None:
    """Recompute the lowest prices of these clinics from their prices (flushes, no commit)."""
    ids = sorted(set(clinic_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(delete(LowestPrice).where(LowestPrice.clinic_id.in_(chunk)))
        for stmt in _minimums(chunk):
            session.execute(stmt)


def refresh_all(session: Session) -> int:
    """Recompute every clinic's lowest prices; returns how many rows there are now."""
    session.execute(delete(LowestPrice))
    for stmt in _minimums(None):
        session.execute(stmt)
    return int(session.execute(select(func.count()).select_from(LowestPrice)).scalar_one())


def lowest_for(clinic_id: Any, treatment_id: Any) -> Any:
    """SQL: the lowest per-session price of a clinic, for one treatment id or (None) any."""
    stmt = select(LowestPrice.amount_cents).where(LowestPrice.clinic_id == clinic_id)
    if treatment_id is None:
        return stmt.where(LowestPrice.treatment_id.is_(None)).scalar_subquery()
    return stmt.where(LowestPrice.treatment_id == treatment_id).scalar_subquery()
