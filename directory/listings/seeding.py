"""Loading the fixed data: taxonomies, the gazetteer and the clinics from the seed documents."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from directory.listings import snapshots, taxonomy
from directory.models import (
    Clinic,
    ClinicQuote,
    ClinicStatus,
    Condition,
    GeocodePrecision,
    Location,
    Place,
    Provenance,
    Treatment,
)
from directory.search import places as geo

SEED_FILE = Path(__file__).resolve().parents[2] / "seeds" / "clinics.toml"


class SeedError(ValueError):
    """The seed file says something the directory cannot load."""


@dataclass
class SeedReport:
    """What a seed run did."""

    created: list[str]
    skipped: list[str]


def load_taxonomy(session: Session) -> None:
    """Insert or rename the fixed treatments and conditions (idempotent)."""
    existing_t = {t.slug: t for t in session.execute(select(Treatment)).scalars()}
    for position, (slug, name, description) in enumerate(taxonomy.TREATMENTS):
        row = existing_t.get(slug) or Treatment(slug=slug)
        if (row.name, row.description, row.position) != (name, description, position):
            row.name, row.description, row.position = name, description, position
        session.add(row)
    existing_c = {c.slug: c for c in session.execute(select(Condition)).scalars()}
    for position, (slug, name) in enumerate(taxonomy.CONDITIONS):
        condition = existing_c.get(slug) or Condition(slug=slug)
        if (condition.name, condition.position) != (name, position):
            condition.name, condition.position = name, position
        session.add(condition)
    session.flush()


def load_gazetteer(session: Session, progress: Callable[[int], None] | None = None) -> int:
    """Fill the places table from the offline ZIP gazetteer once; returns rows present."""
    present = session.execute(select(func.count()).select_from(Place)).scalar_one()
    if present:
        return present
    batch: list[dict[str, Any]] = []
    total = 0
    for row in geo.gazetteer_rows():
        batch.append(row)
        if len(batch) == 5000:
            session.execute(insert(Place), batch)
            total += len(batch)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        session.execute(insert(Place), batch)
        total += len(batch)
        if progress:
            progress(len(batch))
    session.flush()
    return total


def read_seed_file(path: Path = SEED_FILE) -> list[dict[str, Any]]:
    """The clinic records of the seed file."""
    with path.open("rb") as fh:
        return tomllib.load(fh)["clinic"]


def load_seed_clinics(session: Session, path: Path = SEED_FILE) -> SeedReport:
    """Create the seed clinics that are missing; never overwrite one that exists.

    A listing may have been corrected through moderation since it was seeded, so
    an existing slug is left as it is: running the seed twice changes nothing.
    """
    treatments = {t.slug: t for t in session.execute(select(Treatment)).scalars()}
    conditions = {c.slug: c for c in session.execute(select(Condition)).scalars()}
    if not treatments:
        raise SeedError("Load the taxonomy before the clinics.")
    report = SeedReport(created=[], skipped=[])
    for record in read_seed_file(path):
        slug = record["slug"]
        exists = session.execute(select(Clinic.id).where(Clinic.slug == slug)).first()
        if exists:
            report.skipped.append(slug)
            continue
        session.add(_clinic_from_record(session, record, treatments, conditions))
        report.created.append(slug)
    session.flush()
    return report


def _clinic_from_record(
    session: Session,
    record: dict[str, Any],
    treatments: dict[str, Treatment],
    conditions: dict[str, Condition],
) -> Clinic:
    document = record["document"]
    clinic = Clinic(
        slug=record["slug"],
        status=ClinicStatus(record["status"]),
        status_note=record.get("draft_reason", ""),
    )

    def cite(field: str, quote: str) -> None:
        clinic.sources.append(Provenance(field=field, source_document=document, quote=quote))

    if "name" in record:
        clinic.name = record["name"]["value"]
        cite("name", record["name"]["quote"])
    if "free_consultation" in record:
        clinic.free_consultation = bool(record["free_consultation"]["value"])
        cite("free_consultation", record["free_consultation"]["quote"])
    if "location" in record:
        clinic.locations.append(_location_from_record(session, record["location"]))
        cite("location", record["location"]["quote"])
    for phone in record.get("phones", []):
        clinic.phones.append(snapshots.phone(phone))
        cite("phone", phone["quote"])
    for item in record.get("treatments", []):
        _require(item["slug"], treatments, "treatment")
        clinic.treatments.append(treatments[item["slug"]])
        cite(f"treatment:{item['slug']}", item["quote"])
    for item in record.get("conditions", []):
        _require(item["slug"], conditions, "condition")
        clinic.conditions.append(conditions[item["slug"]])
        cite(f"condition:{item['slug']}", item["quote"])
    for item in record.get("quotes", []):
        clinic.quotes.append(
            ClinicQuote(topic=item["topic"], quote=item["quote"], source_document=document)
        )
    if clinic.status is ClinicStatus.PUBLISHED and not (clinic.name and clinic.locations):
        raise SeedError(f"{clinic.slug}: a published clinic needs a name and a location.")
    return clinic


def _location_from_record(session: Session, data: dict[str, Any]) -> Location:
    """Place a seeded location with the gazetteer: ZIP centroid, else city, else metro."""
    if data.get("postal_code"):
        place = geo.resolve_place(session, data["postal_code"])
        precision = GeocodePrecision.POSTAL_CODE
    elif data.get("city"):
        place = geo.resolve_place(session, f"{data['city']}, {data['state']}")
        precision = GeocodePrecision.CITY
    elif data.get("metro"):
        place = geo.resolve_place(session, data["metro"])
        precision = GeocodePrecision.REGION
    else:
        raise SeedError("A location needs a ZIP code, a city or a metro area.")
    assert place.latitude is not None and place.longitude is not None  # noqa: S101
    return Location(
        address_1=data.get("address_1"),
        address_2=data.get("address_2"),
        city=data.get("city"),
        state=data["state"],
        postal_code=data.get("postal_code"),
        latitude=place.latitude,
        longitude=place.longitude,
        geocode_precision=precision,
        metro=data.get("metro") or (place.label if place.kind == "metro" else None),
    )


def _require(slug: str, known: dict[str, Any], what: str) -> None:
    if slug not in known:
        raise SeedError(f"Unknown {what} {slug!r} in the seed file.")
