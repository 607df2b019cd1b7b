"""Importing a bulk file: new, updated and duplicate listings, each fact citing file and row."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import geo
from directory.geocoding import GazetteerGeocoder, Position
from directory.ingest import bulk, dedupe
from directory.models import (
    Clinic,
    ClinicStatus,
    Decision,
    DuplicateStatus,
    ExternalId,
    GeocodePrecision,
    Location,
    Phone,
    PhoneKind,
    PossibleDuplicate,
    Revision,
    RevisionKind,
    Role,
    ServiceArea,
    User,
    utcnow,
)
from directory.services import audit, moderation, snapshots

IMPORT_ACCOUNT = "bulk-import@directory.invalid"  # submits imported rows; cannot sign in
MAX_LISTED_ERRORS = 200
RELEASE_EVERY = 500  # rows between flushes that also drop loaded objects, so memory stays flat


class DuplicateDecisionError(ValueError):
    """A decision on a possible duplicate that cannot be made; the message is safe to show."""


@dataclass
class RowOutcome:
    """What happened (or would happen) to one row."""

    row: int
    action: str  # new, updated, unchanged, duplicate
    name: str
    detail: str = ""


@dataclass
class ImportReport:
    """What an import did, or would do in a dry run."""

    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    invalid: int = 0
    errors: list[bulk.RowError] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    written: bool = False

    def summary(self) -> str:
        """One line for the terminal and the admin page."""
        return (
            f"{self.rows} rows: {self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.duplicates} possible duplicates, "
            f"{self.invalid} invalid"
        )


Opener = Callable[[], IO[bytes]]
Progress = Callable[[int], None]


def import_file(
    session: Session,
    open_file: Opener,
    filename: str,
    *,
    publish: bool = False,
    skip_invalid: bool = False,
    source: str | None = None,
    actor: User | None = None,
    progress: Progress | None = None,
    release_memory: bool = False,
    keep_outcomes: int = 1000,
) -> ImportReport:
    """Check every row, then (if none is invalid, or skip_invalid) write the valid ones.

    Nothing is committed here; for a dry run the caller rolls back. Raises
    bulk.BulkFileError when the file as a whole cannot be read.
    """
    report = check_file(session, open_file, filename, source=source)
    if report.invalid and not skip_invalid:
        return report
    return write_file(
        session,
        open_file,
        filename,
        report,
        publish=publish,
        source=source,
        actor=actor,
        progress=progress,
        release_memory=release_memory,
        keep_outcomes=keep_outcomes,
    )


def check_file(
    session: Session, open_file: Opener, filename: str, source: str | None = None
) -> ImportReport:
    """Read and validate every row (and place its ZIP); writes nothing."""
    report = ImportReport()
    placer = _Placer(session)
    with open_file() as stream:
        for parsed in bulk.read_rows(stream, filename, source):
            report.rows += 1
            errors = parsed.errors or (placer.check(parsed.record) if parsed.record else [])
            if errors:
                report.invalid += 1
                room = MAX_LISTED_ERRORS - len(report.errors)
                report.errors.extend(errors[: max(room, 0)])
    return report


def write_file(
    session: Session,
    open_file: Opener,
    filename: str,
    report: ImportReport,
    *,
    publish: bool = False,
    source: str | None = None,
    actor: User | None = None,
    progress: Progress | None = None,
    release_memory: bool = False,
    keep_outcomes: int = 1000,
) -> ImportReport:
    """Write the valid rows of a checked file into the report check_file returned."""
    placer = _Placer(session)
    importer = _Importer(session, filename, publish)
    with open_file() as stream:
        for n, parsed in enumerate(bulk.read_rows(stream, filename, source), start=1):
            record = parsed.record
            if record is not None and not placer.check(record):
                outcome = importer.row(record)
                _count(report, outcome)
                if len(report.outcomes) < keep_outcomes:
                    report.outcomes.append(outcome)
            if progress:
                progress(1)
            if release_memory and n % RELEASE_EVERY == 0:
                session.flush()
                session.expunge_all()
    session.flush()
    if report.new or report.updated or report.duplicates:
        audit.record(
            session,
            actor,
            "listings.imported",
            "import",
            None,
            f"{filename}: {report.summary()}{' (published)' if publish else ''}",
        )
    report.written = True
    return report


def _count(report: ImportReport, outcome: RowOutcome) -> None:
    if outcome.action == "new":
        report.new += 1
    elif outcome.action == "updated":
        report.updated += 1
    elif outcome.action == "duplicate":
        report.duplicates += 1
    else:
        report.unchanged += 1


def import_account(session: Session) -> User:
    """The account imported rows are submitted by; it has no password and cannot sign in."""
    user = session.execute(select(User).where(User.email == IMPORT_ACCOUNT)).scalar_one_or_none()
    if user is None:
        # "!" is no hash werkzeug produces, so no password ever matches it.
        user = User(email=IMPORT_ACCOUNT, password_hash="!", role=Role.OWNER)  # noqa: S106
        session.add(user)
        session.flush()
    return user


def citation(filename: str, record: bulk.ListingRecord) -> str:
    """Where an imported fact comes from: the file, the row and the source's own id."""
    return f"{filename}, row {record.row} (source {record.source}, id {record.external_id})"


class _Placer:
    """Coordinates by ZIP centroid (else city centre), offline, remembered per ZIP."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.geocoder = GazetteerGeocoder()
        self.cache: dict[tuple[str, str], Position | str] = {}

    def check(self, record: bulk.ListingRecord) -> list[bulk.RowError]:
        """Place the record's location; an error when the gazetteer does not know it."""
        location = record.payload.get("location")
        if not location or location.get("latitude") is not None:
            return []
        key = (location.get("postal_code") or "", f"{location.get('city')}|{location['state']}")
        if key not in self.cache:
            if len(self.cache) > 50_000:
                self.cache.clear()
            try:
                self.cache[key] = self._locate(location)
            except geo.UnknownPlace:
                self.cache[key] = "postal_code" if location.get("postal_code") else "city"
        found = self.cache[key]
        if isinstance(found, str):
            return [bulk.RowError(record.row, found, "no such place in the ZIP gazetteer")]
        location.update(
            latitude=found.latitude,
            longitude=found.longitude,
            geocode_precision=found.precision.value,
        )
        return []

    def _locate(self, location: dict[str, Any]) -> Position:
        if location.get("postal_code") or location.get("city"):
            return self.geocoder.locate(self.session, location)
        place = geo.resolve_place(self.session, str(location.get("metro") or ""))
        if place.latitude is None or place.longitude is None:
            raise geo.UnknownPlace("no such metro area")
        return Position(place.latitude, place.longitude, GeocodePrecision.REGION)


class _Importer:
    """Writes one valid row at a time."""

    def __init__(self, session: Session, filename: str, publish: bool) -> None:
        self.session = session
        self.filename = filename
        self.publish = publish
        self.account_id = import_account(session).id

    def row(self, record: bulk.ListingRecord) -> RowOutcome:
        """New, updated, unchanged or a possible duplicate."""
        name = record.payload["name"]
        ext = self.session.execute(
            select(ExternalId).where(
                ExternalId.source == record.source, ExternalId.external_id == record.external_id
            )
        ).scalar_one_or_none()
        digest = record.row_hash
        if ext is not None:
            if ext.row_hash == digest:
                return RowOutcome(record.row, "unchanged", name)
            self._update(ext.clinic, record)
            ext.row_hash, ext.citation = digest, citation(self.filename, record)
            return RowOutcome(record.row, "updated", name, ext.clinic.slug)
        waiting = self.session.execute(
            select(PossibleDuplicate).where(
                PossibleDuplicate.source == record.source,
                PossibleDuplicate.external_id == record.external_id,
                PossibleDuplicate.status == DuplicateStatus.PENDING,
            )
        ).scalar_one_or_none()
        if waiting is not None:
            if waiting.row_hash != digest:
                waiting.payload = _stored(record)
                waiting.row_hash = digest
                waiting.citation = citation(self.filename, record)
            return RowOutcome(
                record.row, "duplicate", name, f"possible duplicate of {waiting.clinic.slug}"
            )
        matches = dedupe.find_matches(self.session, record.payload)
        if matches:
            best = matches[0]
            self.session.add(
                PossibleDuplicate(
                    clinic_id=best.clinic_id,
                    source=record.source,
                    external_id=record.external_id,
                    citation=citation(self.filename, record),
                    row_hash=digest,
                    payload=_stored(record),
                    publish=self.publish,
                    reasons="; ".join(best.reasons),
                )
            )
            other = self.session.get(Clinic, best.clinic_id)
            slug = other.slug if other else best.clinic_id
            return RowOutcome(
                record.row,
                "duplicate",
                name,
                f"possible duplicate of {slug} ({'; '.join(best.reasons)})",
            )
        clinic = create_listing(
            self.session,
            record,
            self.account_id,
            self.publish,
            citation(self.filename, record),
            self.filename,
        )
        self.session.add(
            ExternalId(
                source=record.source,
                external_id=record.external_id,
                clinic=clinic,
                row_hash=digest,
                citation=citation(self.filename, record),
            )
        )
        return RowOutcome(record.row, "new", name, clinic.slug)

    def _update(self, clinic: Clinic, record: bulk.ListingRecord) -> None:
        note = citation(self.filename, record)
        update_listing(
            self.session, clinic, record, self.account_id, self.publish, note, self.filename
        )


def _stored(record: bulk.ListingRecord) -> dict[str, Any]:
    """A record as JSON, kept with a possible duplicate until an admin decides."""
    return {
        "row": record.row,
        "source": record.source,
        "external_id": record.external_id,
        "payload": record.payload,
        "fields": list(record.fields),
        "service_areas": record.service_areas,
        "slug": record.slug,
        "is_example": record.is_example,
        "price_dates": record.price_dates,
    }


def record_from_stored(data: dict[str, Any]) -> bulk.ListingRecord:
    """The record kept by _stored."""
    return bulk.ListingRecord(
        row=data["row"],
        source=data["source"],
        external_id=data["external_id"],
        payload=copy.deepcopy(data["payload"]),
        fields=tuple(data["fields"]),
        service_areas=list(data["service_areas"]),
        slug=data.get("slug"),
        is_example=bool(data.get("is_example")),
        price_dates=[tuple(d) for d in data.get("price_dates") or []],  # type: ignore[misc]
    )


def _full_payload(record: bulk.ListingRecord, base: dict[str, Any]) -> dict[str, Any]:
    payload = copy.deepcopy(base)
    for name in record.fields:
        payload[name] = copy.deepcopy(record.payload[name])
    return payload


def _cite(clinic: Clinic, note: str, filename: str, record: bulk.ListingRecord) -> None:
    """Name the file on the provenance rows snapshots.apply wrote; keep prices' validity."""
    for source in clinic.sources:
        if source.quote == note and source.source_document is None:
            source.source_document = filename[:200]
    if "prices" in record.fields and len(record.price_dates) == len(clinic.prices):
        for price, (valid_from, valid_to) in zip(clinic.prices, record.price_dates, strict=True):
            price.valid_from = date.fromisoformat(valid_from) if valid_from else None
            price.valid_to = date.fromisoformat(valid_to) if valid_to else None


def create_listing(
    session: Session,
    record: bulk.ListingRecord,
    account_id: int,
    publish: bool,
    note: str,
    filename: str,
) -> Clinic:
    """A new listing: published at once with --publish, else pending in the moderation queue."""
    payload = _full_payload(record, moderation.EMPTY_LISTING)
    slug = record.slug
    if not slug or session.execute(select(Clinic.id).where(Clinic.slug == slug)).first():
        slug = moderation.slug_for(session, payload["name"])
    clinic = Clinic(
        slug=slug,
        name=payload["name"],
        is_example=record.is_example,
        status=ClinicStatus.PUBLISHED if publish else ClinicStatus.PENDING,
        status_note="" if publish else f"Imported from {note}.",
        service_areas=[ServiceArea(state=s) for s in record.service_areas],
    )
    session.add(clinic)
    if publish:
        fields = snapshots.changed_fields(moderation.EMPTY_LISTING, payload)
        snapshots.apply(session, clinic, payload, fields, GazetteerGeocoder(), note)
        _cite(clinic, note, filename, record)
        return clinic
    _hold_contact_facts(clinic, payload)
    payload["x_source_note"] = note
    session.add(
        Revision(
            clinic=clinic,
            submitter_id=account_id,
            kind=RevisionKind.NEW_CLINIC,
            payload=payload,
            base_version=1,
            base_snapshot=dict(moderation.EMPTY_LISTING),
            note=f"Imported from {note}",
        )
    )
    return clinic


def _hold_contact_facts(clinic: Clinic, payload: dict[str, Any]) -> None:
    """Put the address and phones on a pending listing, where duplicate checks look.

    Only related rows change, never the clinic row itself, so the version the
    pending revision was based on stays the same; approval writes them again.
    """
    data = payload.get("location")
    clinic.locations = (
        [
            Location(
                address_1=data.get("address_1"),
                address_2=data.get("address_2"),
                city=data.get("city"),
                state=data["state"],
                postal_code=data.get("postal_code"),
                metro=data.get("metro"),
                latitude=data["latitude"],
                longitude=data["longitude"],
                geocode_precision=GeocodePrecision(data["geocode_precision"]),
            )
        ]
        if data
        else []
    )
    clinic.phones = [
        Phone(
            e164=p["e164"], display=p["display"], vanity=p.get("vanity"), kind=PhoneKind(p["kind"])
        )
        for p in payload.get("phones") or []
    ]


def update_listing(
    session: Session,
    clinic: Clinic,
    record: bulk.ListingRecord,
    account_id: int,
    publish: bool,
    note: str,
    filename: str,
) -> None:
    """A later file changed the row: apply it (publish) or propose it for review."""
    current = snapshots.snapshot(clinic)
    payload = _full_payload(record, current)
    areas = sorted(record.service_areas)
    if publish or clinic.status is not ClinicStatus.PUBLISHED:
        if sorted(a.state for a in clinic.service_areas) != areas:
            clinic.service_areas = [ServiceArea(state=s) for s in areas]
    pending = list(
        session.execute(
            select(Revision).where(
                Revision.clinic_id == clinic.id,
                Revision.submitter_id == account_id,
                Revision.status == Decision.PENDING,
            )
        ).scalars()
    )
    new_clinic = next((r for r in pending if r.kind is RevisionKind.NEW_CLINIC), None)
    if new_clinic is not None and not publish:
        fresh = _full_payload(record, moderation.EMPTY_LISTING)
        clinic.name = fresh["name"]
        _hold_contact_facts(clinic, fresh)
        new_clinic.payload = fresh | {"x_source_note": note}
        new_clinic.note = f"Imported from {note}"
        session.flush()
        new_clinic.base_version = clinic.version  # a new listing has nothing to conflict with
        return
    fields = snapshots.changed_fields(current, payload)
    for older in pending:
        older.status = Decision.WITHDRAWN
        older.reason = "Replaced by a newer import."
        older.decided_at = utcnow()
    if not fields:
        return
    if publish:
        snapshots.apply(session, clinic, payload, fields, GazetteerGeocoder(), note)
        _cite(clinic, note, filename, record)
        clinic.updated_at = utcnow()
        if clinic.status is ClinicStatus.PENDING:
            clinic.status = ClinicStatus.PUBLISHED
        return
    payload["x_source_note"] = note
    session.add(
        Revision(
            clinic_id=clinic.id,
            submitter_id=account_id,
            kind=RevisionKind.EDIT,
            payload=payload,
            base_version=clinic.version,
            base_snapshot=current,
            note=f"Imported from {note}",
        )
    )


# --- decisions on possible duplicates ---------------------------------------------------------


def decide_candidate(session: Session, admin: User, item: PossibleDuplicate, merge: bool) -> Clinic:
    """Merge an imported row into the listing it resembles, or keep it as a listing of its own.

    Merging proposes the row's facts as a change to the existing listing (pending review,
    or applied at once when the import was published); keeping apart creates the new
    listing the row describes. Either way the row's external id now names that listing.
    """
    if item.status is not DuplicateStatus.PENDING or item.payload is None:
        raise DuplicateDecisionError("This possible duplicate was already decided.")
    record = record_from_stored(item.payload)
    account_id = import_account(session).id
    filename = item.citation.split(", row ")[0]
    if merge:
        target = item.clinic
        update_listing(session, target, record, account_id, item.publish, item.citation, filename)
    else:
        target = create_listing(session, record, account_id, item.publish, item.citation, filename)
    session.add(
        ExternalId(
            source=record.source,
            external_id=record.external_id,
            clinic=target,
            row_hash=item.row_hash or record.row_hash,
            citation=item.citation,
        )
    )
    item.status = DuplicateStatus.MERGED if merge else DuplicateStatus.KEPT_APART
    item.reviewer_id = admin.id
    item.decided_at = utcnow()
    session.flush()
    audit.record(
        session,
        admin,
        f"duplicate.{'merged' if merge else 'kept_apart'}",
        "possible_duplicate",
        item.id,
        f"{item.citation}: {'merged into' if merge else 'kept apart from'} "
        f"{item.clinic.display_name}",
    )
    return target


def decide_pair(
    session: Session, admin: User, first: Clinic, second: Clinic, merge: bool, reason: str
) -> PossibleDuplicate:
    """Two published listings: keep them apart, or merge the second into the first.

    Merging unpublishes the second listing with a note naming the first and moves its
    external ids, so later files update the listing that stays.
    """
    if first.id == second.id:
        raise DuplicateDecisionError("Choose two different listings.")
    if first.status is not ClinicStatus.PUBLISHED or second.status is not ClinicStatus.PUBLISHED:
        raise DuplicateDecisionError("Both listings must be published.")
    if dedupe.decided_pair(session, first.id, second.id):
        raise DuplicateDecisionError("These two listings were already decided.")
    if merge:
        moderation.set_status(
            session,
            admin,
            second,
            ClinicStatus.DRAFT,
            reason.strip() or f"Duplicate of {first.display_name} ({first.slug}).",
        )
        for ext in session.execute(
            select(ExternalId).where(ExternalId.clinic_id == second.id)
        ).scalars():
            ext.clinic_id = first.id
    item = PossibleDuplicate(
        clinic_id=first.id,
        other_clinic_id=second.id,
        reasons=reason.strip()[:200] or "reviewed by an admin",
        status=DuplicateStatus.MERGED if merge else DuplicateStatus.KEPT_APART,
        reviewer_id=admin.id,
        decided_at=utcnow(),
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        admin,
        f"duplicate.{'merged' if merge else 'kept_apart'}",
        "clinic",
        second.id,
        f"{second.display_name} {'merged into' if merge else 'kept apart from'} "
        f"{first.display_name}",
    )
    return item
