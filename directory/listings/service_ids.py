"""Keeping the HSDS ids of the services each listing offers, and of those services at
each of its locations, in the same transaction.

A service is a treatment a listing lists or prices publishably; its HSDS id hashes the
listing's slug and the treatment's. A service at a location hashes the service's id and
the location's (the listing's slug and the location's place among its locations). Every
transaction that changes a listing's treatments or prices, or adds or removes one of its
locations (ORM flushes and bulk inserts alike), notes the listing; just before it
commits, that listing's ids are recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, insert, inspect, select, union
from sqlalchemy.orm import Session

from directory.listings.derived import (
    DerivedTable,
    clinics_with_flushed_prices,
    listings_with_flushed,
    replace_rows,
)
from directory.listings.hsds_ids import location_uuid, service_at_location_uuid, service_uuid
from directory.models import (
    Clinic,
    HsdsServiceAtLocationId,
    HsdsServiceId,
    Location,
    Price,
    Treatment,
)
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


def _offered(clinic_ids: list[int] | None) -> Select[Any, Any, str, str]:
    """Each (clinic id, treatment id, clinic slug, treatment slug) a listing offers."""
    listed = select(clinic_treatments.c.clinic_id, clinic_treatments.c.treatment_id)
    priced = select(Price.clinic_id, Price.treatment_id).where(Price.is_publishable)
    if clinic_ids is not None:
        listed = listed.where(clinic_treatments.c.clinic_id.in_(clinic_ids))
        priced = priced.where(Price.clinic_id.in_(clinic_ids))
    pairs = union(listed, priced).subquery()
    return (
        select(
            pairs.c.clinic_id,
            pairs.c.treatment_id,
            Clinic.slug,
            Treatment.slug.label("treatment_slug"),
        )
        .join(Clinic, Clinic.id == pairs.c.clinic_id)
        .join(Treatment, Treatment.id == pairs.c.treatment_id)
    )


def _write(session: Session, clinic_ids: list[int] | None) -> None:
    rows = [
        {
            "id": service_uuid(row.slug, row.treatment_slug),
            "clinic_id": row.clinic_id,
            "treatment_id": row.treatment_id,
        }
        for row in session.execute(_offered(clinic_ids))
    ]
    if rows:
        session.execute(insert(HsdsServiceId), rows)


def refresh(session: Session, clinic_ids: Iterable[int] | None) -> None:
    """Recompute the service ids of these listings (None: of every listing); no commit."""
    replace_rows(session, HsdsServiceId, _write, clinic_ids)


DerivedTable("hsds_service_ids", _TABLES, _flushed_clinics, refresh).listen()


# A location's place among its listing's is what its id counts: adding or removing one
# renumbers the others.
_AT_LOCATION_TABLES = _TABLES | {"locations"}


def _flushed_at_locations(session: Session) -> list[Any]:
    """Clinics whose services, or whose list of locations, a flush changed."""
    return [*_flushed_clinics(session), *listings_with_flushed(session, Location, fields=())]


def _write_at_locations(session: Session, clinic_ids: list[int] | None) -> None:
    located = select(Location.clinic_id, func.count()).group_by(Location.clinic_id)
    if clinic_ids is not None:
        located = located.where(Location.clinic_id.in_(clinic_ids))
    counts: dict[Any, int] = {cid: n for cid, n in session.execute(located)}
    rows = []
    for row in session.execute(_offered(clinic_ids)):
        service = service_uuid(row.slug, row.treatment_slug)
        for index in range(counts.get(row.clinic_id, 0)):
            rows.append(
                {
                    "id": service_at_location_uuid(service, location_uuid(row.slug, index)),
                    "clinic_id": row.clinic_id,
                    "treatment_id": row.treatment_id,
                    "location_index": index,
                }
            )
    for start in range(0, len(rows), 5000):
        session.execute(insert(HsdsServiceAtLocationId), rows[start : start + 5000])


def refresh_at_locations(session: Session, clinic_ids: Iterable[int] | None) -> None:
    """Recompute the service-at-location ids of these listings (None: of every listing);
    no commit."""
    replace_rows(session, HsdsServiceAtLocationId, _write_at_locations, clinic_ids)


DerivedTable(
    "hsds_service_at_location_ids",
    _AT_LOCATION_TABLES,
    _flushed_at_locations,
    refresh_at_locations,
).listen()
