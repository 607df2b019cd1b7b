"""Writing a read price file into the directory: hospital listings and their charges.

The first import of a hospital location creates a pending listing in the moderation
queue; later imports replace its charges directly (the old ones stay as history) and
are recorded in the audit log. Reading the same file again changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts.system import system_account
from directory.ingest.hpt.records import ChargeRecord, FileHeader, ParsedFile
from directory.listings import audit, schema
from directory.listings.schema import empty_listing
from directory.listings.slugs import free_slug
from directory.models import (
    ChargeKind,
    Clinic,
    ClinicIdentifier,
    ClinicStatus,
    HospitalCharge,
    IdentifierScheme,
    ListingKind,
    PriceFileImport,
    Revision,
    RevisionKind,
    Treatment,
    User,
)
from directory.search import places as geo
from directory.search.geocoding import Geocoder

# Proposals need a submitter: price files are submitted by this account, which cannot sign in.
IMPORTER_EMAIL = "price-files@directory.invalid"
_ADDRESS_RE = re.compile(
    r"^\s*(?P<street>.+?)\s*,\s*(?P<city>[^,]+?)\s*,\s*(?P<state>[A-Za-z]{2})\.?\s*,?\s*"
    r"(?P<zip>\d{5})(?:-\d{4})?\s*$"
)
_ZIP_RE = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")
_RECORD_FIELDS = [f.name for f in fields(ChargeRecord)]


@dataclass
class ImportReport:
    """What one import did, for the command's output and the audit log."""

    source: str
    hospital_name: str
    file_format: str
    version: str
    last_updated_on: date
    items_seen: int
    items_kept: int
    charges: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    older: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    import_id: int | None = None

    @property
    def items_skipped(self) -> int:
        """Items whose codes the directory does not take."""
        return self.items_seen - self.items_kept

    def counts(self) -> dict[str, Any]:
        """The figures, as JSON-ready data."""
        return {
            "items_seen": self.items_seen,
            "items_kept": self.items_kept,
            "items_skipped": self.items_skipped,
            "charges": self.charges,
            "listings_created": len(self.created),
            "listings_updated": len(self.updated),
            "listings_unchanged": len(self.unchanged),
        }


def importer_account(session: Session) -> User:
    """The account that submits hospital listings to the moderation queue."""
    return system_account(session, IMPORTER_EMAIL)


def parse_address(text: str, fallback_state: str | None) -> dict[str, Any] | None:
    """Street, city, state and ZIP from "12 Main Street, Fullerton, CA 92832"."""
    found = _ADDRESS_RE.match(text)
    if found:
        return {
            "address_1": found["street"][:200],
            "address_2": None,
            "city": found["city"][:120],
            "state": found["state"].upper(),
            "postal_code": found["zip"],
        }
    zip_code = _ZIP_RE.search(text)
    if zip_code and fallback_state:
        street = text[: zip_code.start()].strip(" ,")
        return {
            "address_1": street[:200] or None,
            "address_2": None,
            "city": None,
            "state": fallback_state.upper(),
            "postal_code": zip_code[1],
        }
    return None


def location_key(header: FileHeader, location_name: str) -> str:
    """How a hospital location is recognised from one file to the next."""
    parts = (
        header.licence_state or "",
        header.licence_number or "",
        header.hospital_name,
        location_name,
    )
    return "|".join(re.sub(r"\s+", " ", p).strip().lower() for p in parts)[:400]


def _record(charge: HospitalCharge) -> ChargeRecord:
    values = {name: getattr(charge, name) for name in _RECORD_FIELDS if name != "treatment"}
    values["kind"] = charge.kind.value
    return ChargeRecord(treatment=charge.treatment.slug, **values)


def _find_listing(session: Session, key: str) -> Clinic | None:
    return session.execute(
        select(Clinic)
        .join(ClinicIdentifier, ClinicIdentifier.clinic_id == Clinic.id)
        .where(
            ClinicIdentifier.scheme == IdentifierScheme.PRICE_FILE_LOCATION,
            ClinicIdentifier.value == key,
        )
        .order_by(Clinic.id)
        .limit(1)
    ).scalar_one_or_none()


def _location(
    session: Session, header: FileHeader, address: str | None, geocoder: Geocoder
) -> dict[str, Any] | None:
    value = parse_address(address, header.licence_state) if address else None
    if value is None:
        return None
    try:
        position = geocoder.locate(session, value)
    except geo.UnknownPlace:
        return None
    return {
        **value,
        "metro": None,
        "latitude": position.latitude,
        "longitude": position.longitude,
        "geocode_precision": position.precision.value,
    }


def _identifiers(header: FileHeader, key: str) -> list[ClinicIdentifier]:
    out = [ClinicIdentifier(scheme=IdentifierScheme.PRICE_FILE_LOCATION, value=key)]
    if header.licence_number:
        out.append(
            ClinicIdentifier(
                scheme=IdentifierScheme.STATE_LICENCE,
                value=header.licence_number,
                state=header.licence_state,
            )
        )
    for npi in dict.fromkeys(header.npis):
        out.append(ClinicIdentifier(scheme=IdentifierScheme.NPI, value=npi[:400]))
    return out


def _new_listing(
    session: Session,
    parsed: ParsedFile,
    source: str,
    name: str,
    key: str,
    location: dict[str, Any] | None,
    treatments: list[str],
    website: str | None,
) -> Clinic:
    """A pending hospital listing and its new-listing proposal in the moderation queue."""
    header = parsed.header
    clinic = Clinic(
        slug=free_slug(session, name),
        name=name,
        kind=ListingKind.HOSPITAL,
        status=ClinicStatus.PENDING,
        status_note="Listed from the hospital's price transparency file; waiting for review.",
    )
    session.add(clinic)
    session.flush()
    for identifier in _identifiers(header, key):
        identifier.clinic_id = clinic.id
        session.add(identifier)
    payload = empty_listing()
    payload.update(
        name=name,
        website=website,
        description=(
            f"A hospital location of {header.hospital_name}. Its standard charges come from "
            "the price file it publishes under federal price transparency rules."
        ),
        location=location,
        treatments=treatments,
    )
    session.add(
        Revision(
            clinic_id=clinic.id,
            submitter_id=importer_account(session).id,
            kind=RevisionKind.NEW_CLINIC,
            payload=schema.validated(payload),
            base_version=clinic.version,
            base_snapshot=empty_listing(),
            note=(
                f"From the price transparency file {source} (last updated "
                f"{header.last_updated_on.isoformat()}, template {header.version})."
            )[:2000],
        )
    )
    return clinic


def _file_facts(parsed: ParsedFile) -> dict[str, Any]:
    """What both the report and the stored import say about the file read."""
    return {
        "file_format": parsed.file_format,
        "version": parsed.header.version,
        "hospital_name": parsed.header.hospital_name,
        "last_updated_on": parsed.header.last_updated_on,
        "items_seen": parsed.items_seen,
        "items_kept": parsed.items_kept,
    }


def import_parsed(
    session: Session,
    parsed: ParsedFile,
    source: str,
    sha256: str,
    geocoder: Geocoder,
    website: str | None = None,
) -> ImportReport:
    """Write a read file's charges for each of its hospital locations; flush, never commit."""
    header = parsed.header
    report = ImportReport(source=source, charges=len(parsed.charges), **_file_facts(parsed))
    if not parsed.charges:
        return report  # a hospital with nothing relevant gets no listing
    by_slug = {
        t.slug: t for t in session.execute(select(Treatment).order_by(Treatment.position)).scalars()
    }
    treatments = sorted({c.treatment for c in parsed.charges}, key=list(by_slug).index)
    wanted = set(parsed.charges)
    record: PriceFileImport | None = None

    def import_row() -> PriceFileImport:
        nonlocal record
        if record is None:
            record = PriceFileImport(
                source=source[:1000],
                sha256=sha256,
                attestation=header.attestation,
                attestation_confirmed=header.attestation_confirmed,
                attester_name=header.attester_name,
                **_file_facts(parsed),
            )
            session.add(record)
            session.flush()
        return record

    names = header.location_names or [header.hospital_name]
    for n, name in enumerate(dict.fromkeys(names)):
        key = location_key(header, name)
        clinic = _find_listing(session, key)
        if clinic is None:
            address = header.addresses[n] if n < len(header.addresses) else None
            location = _location(session, header, address, geocoder)
            clinic = _new_listing(
                session, parsed, source, name[:200], key, location, treatments, website
            )
            report.created.append(clinic.slug)
            if location is None:
                report.unplaced.append(clinic.slug)
        else:
            current = list(
                session.execute(
                    select(HospitalCharge).where(
                        HospitalCharge.clinic_id == clinic.id, HospitalCharge.valid_to.is_(None)
                    )
                ).scalars()
            )
            latest = max((c.as_of for c in current), default=None)
            if latest is not None and header.last_updated_on < latest:
                report.older.append(clinic.slug)
                continue
            if latest == header.last_updated_on and {_record(c) for c in current} == wanted:
                report.unchanged.append(clinic.slug)
                continue
            for charge in current:
                charge.valid_to = header.last_updated_on
            if clinic.status is ClinicStatus.PUBLISHED:
                have = {t.slug for t in clinic.treatments}
                clinic.treatments += [by_slug[s] for s in treatments if s not in have]
            report.updated.append(clinic.slug)
        imported = import_row()
        session.add_all(
            HospitalCharge(
                clinic_id=clinic.id,
                import_id=imported.id,
                treatment=by_slug[c.treatment],
                **{k: getattr(c, k) for k in _RECORD_FIELDS if k not in ("treatment", "kind")},
                kind=ChargeKind(c.kind),
                as_of=header.last_updated_on,
                valid_from=header.last_updated_on,
            )
            for c in parsed.charges
        )
    if record is not None:
        record.charges_written = len(parsed.charges) * (len(report.created) + len(report.updated))
        record.listings_created = len(report.created)
        record.listings_updated = len(report.updated)
        report.import_id = record.id
        session.flush()
        audit.record(
            session,
            None,
            "price_file.imported",
            "price_file_import",
            record.id,
            (
                f"{header.hospital_name} ({header.last_updated_on.isoformat()}): "
                f"{report.items_kept} items kept, {report.items_skipped} skipped; "
                f"{len(report.created)} listings created, {len(report.updated)} updated"
            ),
            after={"source": source[:1000], **report.counts()},
        )
    return report
