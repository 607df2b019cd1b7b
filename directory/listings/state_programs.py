"""Keeping the programs each state's searches list, in the same transaction as the change.

A search in a state lists the telehealth and at-home programs licensed there, by name. A
large state has thousands; `state_programs` holds each published listing under every
state it serves with the name it sorts by, so the search reads them in order from one
index. Every transaction that changes a listing's service areas, name or status notes
the listing; just before it commits, its rows are recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Insert, Integer, bindparam, func, insert, select
from sqlalchemy.orm import Session

from directory.listings.derived import DerivedTable, listings_with_flushed, replace_rows
from directory.models import Clinic, ClinicStatus, ServiceArea, StateProgram

_TABLES = frozenset({"clinics", "service_areas"})

# How many programs serve a state (bound as `program_state`).
COUNT = select(func.count()).where(StateProgram.state == bindparam("program_state"))
# A page of them, in the order the search lists them, each row with how many there are
# (counted once, apart: a count over the ordered rows sorted them all again).
PAGE_IN_ORDER = (
    select(StateProgram.clinic_id, COUNT.scalar_subquery().label("total"))
    .where(StateProgram.state == bindparam("program_state"))
    .order_by(StateProgram.sort_name, StateProgram.clinic_id)
    .offset(bindparam("offset", type_=Integer))
    .limit(bindparam("limit", type_=Integer))
)


def _flushed_clinics(session: Session) -> list[Any]:
    """Listings whose service areas, name or status a flush changed, added or deleted."""
    return listings_with_flushed(session, ServiceArea)


def _rows(clinic_ids: list[int] | None) -> Insert:
    """INSERT ... SELECT of the published listings' states and sort names."""
    found = (
        select(
            ServiceArea.state,
            ServiceArea.clinic_id,
            func.lower(func.coalesce(Clinic.name, "")),
        )
        .join(Clinic, Clinic.id == ServiceArea.clinic_id)
        .where(Clinic.status == ClinicStatus.PUBLISHED)
    )
    if clinic_ids is not None:
        found = found.where(ServiceArea.clinic_id.in_(clinic_ids))
    return insert(StateProgram).from_select(["state", "clinic_id", "sort_name"], found)


def refresh(session: Session, clinic_ids: Iterable[int] | None) -> None:
    """Recompute the rows of these listings (None: of every listing); no commit."""
    replace_rows(session, StateProgram, lambda s, ids: s.execute(_rows(ids)), clinic_ids)


DerivedTable("state_programs", _TABLES, _flushed_clinics, refresh).listen()
