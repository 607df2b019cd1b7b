"""Keeping the HSDS ids of the services each listing offers, in the same transaction.

A service is a treatment a listing lists or prices publishably; its HSDS id hashes the
listing's slug and the treatment's. Every transaction that changes a listing's
treatments or prices (ORM flushes and bulk inserts alike) notes the listing; just before
it commits, that listing's service ids are recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, inspect, select, union
from sqlalchemy.orm import Session

from directory.listings.derived import DerivedTable, clinics_with_flushed_prices, replace_rows
from directory.listings.hsds_ids import make_id
from directory.models import Clinic, HsdsServiceId, Price, Treatment
from directory.models.treatment import clinic_treatments

_TABLES = frozenset({"clinic_treatments", "prices"})


def _flushed_clinics(session: Session) -> list[Any]:
    """Clinics whose prices or list of treatments a flush changed."""
    touched = clinics_with_flushed_prices(session)
    new = session.new  # a set built on every read: read once
    for obj in (*new, *session.dirty, *session.deleted):
        if isinstance(obj, Clinic) and (
            obj in new or inspect(obj).attrs.treatments.history.has_changes()
        ):
            touched.append(obj.id)
    return touched


def _offered(clinic_ids: list[int] | None) -> Any:
    listed = select(clinic_treatments.c.clinic_id, clinic_treatments.c.treatment_id)
    priced = select(Price.clinic_id, Price.treatment_id).where(Price.is_publishable)
    if clinic_ids is not None:
        listed = listed.where(clinic_treatments.c.clinic_id.in_(clinic_ids))
        priced = priced.where(Price.clinic_id.in_(clinic_ids))
    pairs = union(listed, priced).subquery()
    return (
        select(pairs.c.clinic_id, pairs.c.treatment_id, Clinic.slug, Treatment.slug)
        .join(Clinic, Clinic.id == pairs.c.clinic_id)
        .join(Treatment, Treatment.id == pairs.c.treatment_id)
    )


def _write(session: Session, clinic_ids: list[int] | None) -> None:
    rows = [
        {"id": make_id("service", slug, tslug), "clinic_id": cid, "treatment_id": tid}
        for cid, tid, slug, tslug in session.execute(_offered(clinic_ids))
    ]
    if rows:
        session.execute(insert(HsdsServiceId), rows)


def refresh(session: Session, clinic_ids: Iterable[int] | None) -> None:
    """Recompute the service ids of these listings (None: of every listing); no commit."""
    replace_rows(session, HsdsServiceId, _write, clinic_ids)


DerivedTable("hsds_service_ids", _TABLES, _flushed_clinics, refresh).listen()
