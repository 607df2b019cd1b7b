"""The HSDS 3.0 tabular form: one CSV per table and a datapackage.json, in a zip."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

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


def rows(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every published listing, flattened into HSDS tables, plus the taxonomies."""
    out: dict[str, list[dict[str, Any]]] = {t["name"]: [] for t in tables()}
    ids = _published_ids(session)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        clinics = hsds_records.load_clinics(session, batch)
        changes = hsds_records.changes_for(session, batch)
        for clinic_id in batch:
            flatten(
                hsds.organization(clinics[clinic_id], changes.get(clinic_id, [])),
                "organization",
                out,
            )
    out["taxonomy"] = [hsds.taxonomy(t) for t in hsds.TAXONOMIES]
    out["taxonomy_term"] = hsds.taxonomy_terms()
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def csv_text(table: str, table_rows: list[dict[str, Any]]) -> str:
    """One table as CSV with every HSDS column, in order."""
    names = columns(table)
    unknown = {k for r in table_rows for k in r} - set(names)
    if unknown:
        raise ValueError(f"{table} has no column {sorted(unknown)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for row in table_rows:
        writer.writerow([_cell(row.get(n)) for n in names])
    return buffer.getvalue()


def files(session: Session) -> Iterator[tuple[str, str]]:
    """(file name, text) of every file in the package, datapackage.json first."""
    yield "datapackage.json", json.dumps(descriptor(), indent=2, ensure_ascii=False) + "\n"
    data = rows(session)
    for t in tables():
        yield t["path"], csv_text(t["name"], data[t["name"]])


def build_zip(session: Session) -> bytes:
    """The whole package as the bytes of a zip file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files(session):
            # A fixed date, so the same listings give the same bytes.
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            archive.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
