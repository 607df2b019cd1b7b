"""The HSDS 3.0 tabular form: one CSV per table and a datapackage.json, in a zip."""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.api import hsds, hsds_records
from directory.models import Clinic, ClinicStatus

BATCH = 500
# Where each nested list of a record goes in the tabular form.
CHILD_TABLES = {
    "phones": "phone",
    "locations": "location",
    "services": "service",
    "organization_identifiers": "organization_identifier",
    "attributes": "attribute",
    "metadata": "metadata",
    "addresses": "address",
    "schedules": "schedule",
    "service_areas": "service_area",
    "service_at_locations": "service_at_location",
    "cost_options": "cost_option",
    "languages": "language",
}


@cache
def tables() -> list[dict[str, Any]]:
    """The HSDS tables in their datapackage order, each with its columns."""
    text = resources.files("directory.api").joinpath("hsds_tables.json").read_text("utf-8")
    return list(json.loads(text)["tables"])


def columns(table: str) -> list[str]:
    """The column names of one table, in order."""
    return [f["name"] for t in tables() if t["name"] == table for f in t["fields"]]


def descriptor() -> dict[str, Any]:
    """The datapackage.json: a Frictionless tabular data package with HSDS table schemas."""
    return {
        "profile": "tabular-data-package",
        "name": "ketamine-clinic-directory-hsds",
        "title": "Ketamine Clinic Directory: published listings as Open Referral HSDS 3.0",
        "description": "Each published listing is an organization; each treatment it offers is "
        "a service; prices are cost options. Facts HSDS has no column for are rows of "
        "attributes.csv whose taxonomy term (taxonomy_terms.csv) names them. Listings marked "
        "with the example-data attribute are fictional.",
        "sources": [
            {
                "title": "Open Referral Human Services Data Specification 3.0",
                "path": "https://github.com/openreferral/specification",
            }
        ],
        "resources": [
            {
                "name": t["name"],
                "path": t["path"],
                "description": t["description"],
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": t["fields"], "primaryKey": ["id"]},
            }
            for t in tables()
        ],
    }


def flatten(record: dict[str, Any], table: str, out: dict[str, list[dict[str, Any]]]) -> None:
    """Split a nested record into rows of its table and its children's tables."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, list):
            for child in value:
                flatten(child, CHILD_TABLES[key], out)
        elif not isinstance(value, dict):
            row[key] = value
    out.setdefault(table, []).append(row)


def _published_ids(session: Session) -> list[int]:
    return list(
        session.execute(
            select(Clinic.id).where(Clinic.status == ClinicStatus.PUBLISHED).order_by(Clinic.id)
        ).scalars()
    )


def row_batches(session: Session) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Every published listing flattened into HSDS tables, a batch of listings at a time,
    then the taxonomies: a batch's rows are written out before the next is read."""
    ids = _published_ids(session)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        clinics = hsds_records.load_clinics(session, batch)
        changes = hsds_records.changes_for(session, batch)
        out: dict[str, list[dict[str, Any]]] = {}
        for clinic_id in batch:
            if clinic_id not in clinics:  # deleted since the ids were read
                continue
            flatten(
                hsds.organization(clinics[clinic_id], changes.get(clinic_id, [])),
                "organization",
                out,
            )
        yield out
    yield {
        "taxonomy": [hsds.taxonomy(t) for t in hsds.TAXONOMIES],
        "taxonomy_term": hsds.taxonomy_terms(),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _csv_rows(table: str, table_rows: list[dict[str, Any]]) -> Iterator[list[str]]:
    """A table's rows as CSV cells in HSDS column order; a key the table has no column for
    is refused."""
    names = columns(table)
    unknown = {k for r in table_rows for k in r} - set(names)
    if unknown:
        raise ValueError(f"{table} has no column {sorted(unknown)}")
    for row in table_rows:
        yield [_cell(row.get(n)) for n in names]


def write_zip(session: Session, out: BinaryIO, scratch_in: Path | None = None) -> None:
    """Write the whole package as a zip file: each table's CSV is written to a temporary
    file (in `scratch_in`, else the system's temporary folder) batch by batch, then copied
    into the zip, so memory holds one batch of listings whatever the directory's size."""
    with tempfile.TemporaryDirectory(prefix=".building-", dir=scratch_in) as scratch:
        handles = {
            t["name"]: open(Path(scratch) / t["path"], "w", encoding="utf-8", newline="")  # noqa: SIM115
            for t in tables()
        }
        try:
            writers = {name: csv.writer(f, lineterminator="\r\n") for name, f in handles.items()}
            for t in tables():
                writers[t["name"]].writerow(columns(t["name"]))
            for batch in row_batches(session):
                for table, table_rows in batch.items():
                    writers[table].writerows(_csv_rows(table, table_rows))
        finally:
            for f in handles.values():
                f.close()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            descriptor_text = json.dumps(descriptor(), indent=2, ensure_ascii=False) + "\n"
            archive.writestr(_entry("datapackage.json"), descriptor_text)
            for t in tables():
                with open(Path(scratch) / t["path"], "rb") as source:
                    with archive.open(_entry(t["path"]), "w") as target:
                        shutil.copyfileobj(source, target, 1024 * 1024)


def _entry(name: str) -> zipfile.ZipInfo:
    # A fixed date, so the same listings give the same bytes.
    entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry
