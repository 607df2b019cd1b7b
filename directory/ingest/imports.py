"""Importing a bulk file: new, updated and duplicate listings, each fact citing file and row."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.accounts.system import system_account
from directory.ingest import bulk, dedupe
from directory.listings import audit, moderation, schema, snapshots
from directory.models import (
    Clinic,
    ClinicStatus,
    Condition,
    Decision,
    DuplicateStatus,
    ExternalId,
    GeocodePrecision,
    Location,
    Place,
    PossibleDuplicate,
    Provenance,
    Revision,
    RevisionKind,
    ServiceArea,
    Treatment,
    User,
    utcnow,
)
from directory.search import places as geo
from directory.search.geocoding import GazetteerGeocoder, Position

IMPORT_ACCOUNT = "bulk-import@directory.invalid"  # submits imported rows; cannot sign in
MAX_LISTED_ERRORS = 200
BATCH = 250  # rows per flush; with release_memory the loaded objects go too, so memory stays flat


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
    # The places found while checking, reused when writing (bounded by the gazetteer's size).
    placer: _Placer | None = field(default=None, repr=False)

    def summary(self) -> str:
        """One line for the terminal and the admin page."""
        return (
            f"{self.rows} rows: {self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.duplicates} possible duplicates, "
            f"{self.invalid} invalid"
        )


Opener = Callable[[], IO[bytes]]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class WriteOptions:
    """How the valid rows of a checked file are written."""

    publish: bool = False  # publish at once (a trusted file) or send each to moderation
    source: str | None = None  # where the file came from, cited for each fact
    actor: User | None = None  # who imports, for the audit log
    progress: Progress | None = None  # told how many rows were written, as it goes
    release_memory: bool = False  # expunge written rows (large files from the command)
    keep_outcomes: int = 1000  # how many row outcomes the report keeps to show


def import_file(
    session: Session,
    open_file: Opener,
    filename: str,
    options: WriteOptions,
    *,
    skip_invalid: bool = False,
) -> ImportReport:
    """Check every row, then (if none is invalid, or skip_invalid) write the valid ones.

    Nothing is committed here; for a dry run the caller rolls back. Raises
    bulk.BulkFileError when the file as a whole cannot be read.
    """
    report = check_file(session, open_file, filename, source=options.source)
    if report.invalid and not skip_invalid:
        return report
    return write_file(session, open_file, filename, report, options)


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
    report.placer = placer
    return report


def write_file(
    session: Session,
    open_file: Opener,
    filename: str,
    report: ImportReport,
    options: WriteOptions,
) -> ImportReport:
    """Write the valid rows of a checked file into the report check_file returned."""
    placer = report.placer or _Placer(session)
    importer = _Importer(session, filename, options.publish)
    # Rows are written in batches: each batch is looked up in a few queries and flushed
    # once, so the database inserts many rows at a time. Within a batch the importer
    # remembers its own new listings, so a row can be a duplicate of one just before it.
    batch: list[bulk.ListingRecord] = []

    def write_batch() -> None:
        for outcome in importer.batch(batch):
            _count(report, outcome)
            if len(report.outcomes) < options.keep_outcomes:
                report.outcomes.append(outcome)
        batch.clear()
        session.flush()
        if options.release_memory:
            session.expunge_all()

    with open_file() as stream, session.no_autoflush:
        for parsed in bulk.read_rows(stream, filename, options.source):
            if parsed.record is not None and not placer.check(parsed.record):
                batch.append(parsed.record)
            if options.progress:
                options.progress(1)
            if len(batch) >= BATCH:
                write_batch()
        write_batch()
    if report.new or report.updated or report.duplicates:
        audit.record(
            session,
            options.actor,
            "listings.imported",
            "import",
            None,
            f"{filename}: {report.summary()}{' (published)' if options.publish else ''}",
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
    return system_account(session, IMPORT_ACCOUNT)


def citation(filename: str, record: bulk.ListingRecord) -> str:
    """Where an imported fact comes from: the file, the row and the source's own id."""
    return f"{filename}, row {record.row} (source {record.source}, id {record.external_id})"


class _OtherState(ValueError):
    """A ZIP code of another state than the row's: the listing would be placed there."""


class _Placer:
    """Coordinates by ZIP centroid (else city centre), offline, remembered per ZIP."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.geocoder = GazetteerGeocoder()
        # A position, or the field at fault and what is wrong with it.
        self.cache: dict[tuple[str, str], Position | tuple[str, str]] = {}
        self.zips: dict[str, tuple[float, float, str]] | None = None

    def check(self, record: bulk.ListingRecord) -> list[bulk.RowError]:
        """Place the record's location; an error when the gazetteer does not know it."""
        location = record.payload.get("location")
        if not location or geo.real_point(location.get("latitude"), location.get("longitude")):
            return []
        key = (location.get("postal_code") or "", f"{location.get('city')}|{location['state']}")
        if key not in self.cache:
            if len(self.cache) > 50_000:
                self.cache.clear()
            try:
                self.cache[key] = self._locate(location)
            except geo.UnknownPlace:
                field = "postal_code" if location.get("postal_code") else "city"
                self.cache[key] = (field, "no such place in the ZIP gazetteer")
            except _OtherState as exc:
                self.cache[key] = ("postal_code", str(exc))
        found = self.cache[key]
        if isinstance(found, tuple):
            return [bulk.RowError(record.row, *found)]
        location.update(
            latitude=found.latitude,
            longitude=found.longitude,
            geocode_precision=found.precision.value,
        )
        return []

    def _locate(self, location: dict[str, Any]) -> Position:
        code = dedupe.zip5(location.get("postal_code"))
        if code:
            if self.zips is None:  # every ZIP centroid in one query, not one query a row
                self.zips = {
                    key: (lat, lng, state)
                    for key, lat, lng, state in self.session.execute(
                        select(Place.key, Place.latitude, Place.longitude, Place.state).where(
                            Place.kind == "zip"
                        )
                    )
                }
            if code not in self.zips:
                raise geo.UnknownPlace(code)
            lat, lng, state = self.zips[code]
            if state and location.get("state") and state != location["state"]:
                raise _OtherState(f"ZIP code {code} is in {state}, not {location['state']}")
            return Position(lat, lng, GeocodePrecision.POSTAL_CODE)
        if location.get("city"):
            return self.geocoder.locate(self.session, location)
        place = geo.resolve_place(self.session, str(location.get("metro") or ""))
        if place.latitude is None or place.longitude is None:
            raise geo.UnknownPlace("no such metro area")
        return Position(place.latitude, place.longitude, GeocodePrecision.REGION)


class _Importer:
    """Writes one valid row at a time; remembers the rows not yet flushed."""

    def __init__(self, session: Session, filename: str, publish: bool) -> None:
        self.session = session
        self.filename = filename
        self.publish = publish
        self.account_id = import_account(session).id
        self.taxonomy = Taxonomy.load(session) if publish else None

    def batch(self, records: list[bulk.ListingRecord]) -> list[RowOutcome]:
        """Write a batch of rows: one query each for ids, waiting rows, phones, ZIPs, slugs."""
        if not records:
            return []
        sources = {r.source for r in records}
        ids = {r.external_id for r in records}
        self.ext_ids = {
            (e.source, e.external_id): e
            for e in self.session.execute(
                select(ExternalId).where(
                    ExternalId.source.in_(sources), ExternalId.external_id.in_(ids)
                )
            ).scalars()
        }
        self.waiting = {
            (w.source or "", w.external_id or ""): w
            for w in self.session.execute(
                select(PossibleDuplicate).where(
                    PossibleDuplicate.source.in_(sources),
                    PossibleDuplicate.external_id.in_(ids),
                    PossibleDuplicate.status == DuplicateStatus.PENDING,
                )
            ).scalars()
        }
        self.live = dedupe.LiveIndex.load(self.session, [r.payload for r in records])
        self.phones: dict[str, Clinic] = {}
        self.by_zip: dict[str, list[tuple[Clinic, str, str | None]]] = {}
        self.slugs: set[str] = set()
        self.taken = _taken_slugs(self.session, records)
        return [self.row(record) for record in records]

    def row(self, record: bulk.ListingRecord) -> RowOutcome:
        """New, updated, unchanged or a possible duplicate."""
        name = record.payload["name"]
        key = (record.source, record.external_id)
        ext = self.ext_ids.get(key)
        digest = record.row_hash
        if ext is not None:
            if ext.row_hash == digest:
                return RowOutcome(record.row, "unchanged", name)
            self._update(ext.clinic, record)
            ext.row_hash, ext.citation = digest, citation(self.filename, record)
            return RowOutcome(record.row, "updated", name, ext.clinic.slug)
        waiting = self.waiting.get(key)
        if waiting is not None:
            if waiting.row_hash != digest:
                waiting.payload = _stored(record)
                waiting.row_hash = digest
                waiting.citation = citation(self.filename, record)
            return RowOutcome(
                record.row, "duplicate", name, f"possible duplicate of {waiting.clinic.slug}"
            )
        address = dedupe.row_address_key(record.payload)
        found = self._in_batch(record.payload, address)
        if found is None:
            matches = self.live.matches(record.payload, address)
            if matches:
                clinic = self.session.get(Clinic, matches[0].clinic_id)
                assert clinic is not None  # noqa: S101
                found = (clinic, matches[0].reasons)
        if found is not None:
            like, reasons = found
            item = PossibleDuplicate(
                clinic=like,
                source=record.source,
                external_id=record.external_id,
                citation=citation(self.filename, record),
                row_hash=digest,
                payload=_stored(record),
                publish=self.publish,
                reasons="; ".join(reasons),
            )
            self.session.add(item)
            self.waiting[key] = item
            return RowOutcome(
                record.row,
                "duplicate",
                name,
                f"possible duplicate of {like.slug} ({'; '.join(reasons)})",
            )
        clinic = create_listing(
            self.session,
            record,
            self.account_id,
            self.publish,
            citation(self.filename, record),
            self.filename,
            self.slugs,
            self.taken,
            self.taxonomy,
        )
        ext = ExternalId(
            source=record.source,
            external_id=record.external_id,
            clinic=clinic,
            row_hash=digest,
            citation=citation(self.filename, record),
        )
        self.session.add(ext)
        self.ext_ids[key] = ext
        self._remember(clinic, record.payload, address)
        return RowOutcome(record.row, "new", name, clinic.slug)

    def _remember(self, clinic: Clinic, payload: dict[str, Any], address: str | None) -> None:
        for phone in payload.get("phones") or []:
            self.phones.setdefault(phone["e164"], clinic)
        code = dedupe.zip5((payload.get("location") or {}).get("postal_code"))
        if code:
            self.by_zip.setdefault(code, []).append((clinic, payload["name"], address))

    def _in_batch(
        self, payload: dict[str, Any], key: str | None
    ) -> tuple[Clinic, list[str]] | None:
        """A listing created earlier in this batch that the row resembles."""
        reasons: dict[int, tuple[Clinic, list[str]]] = {}
        for phone in payload.get("phones") or []:
            other = self.phones.get(phone["e164"])
            if other is not None:
                reasons.setdefault(id(other), (other, []))[1].append(f"same phone {phone['e164']}")
        code = dedupe.zip5((payload.get("location") or {}).get("postal_code"))
        for other, name, other_key in self.by_zip.get(code or "", []):
            if key and key == other_key:
                reasons.setdefault(id(other), (other, []))[1].append("same address")
            if dedupe.close_names(payload.get("name"), name):
                reasons.setdefault(id(other), (other, []))[1].append(f"similar name in ZIP {code}")
        if not reasons:
            return None
        return max(reasons.values(), key=lambda found: len(found[1]))

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
        price_dates=[tuple(d) for d in data.get("price_dates") or []],
    )


def _full_payload(
    record: bulk.ListingRecord, base: dict[str, Any], merging: bool = False
) -> dict[str, Any]:
    """The base listing with the record's fields laid over it.

    A row merged into another listing only adds what it states, and keeps that
    listing's name; a row updating its own listing replaces every field it carries.
    """
    payload = copy.deepcopy(base)
    for name in record.fields:
        value = record.payload[name]
        if merging and (name == "name" or value in (None, "", [])):
            continue
        payload[name] = copy.deepcopy(value)
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
    reserved: set[str] | None = None,
    taken: set[str] | None = None,
    taxonomy: Taxonomy | None = None,
) -> Clinic:
    """A new listing: published at once with --publish, else pending in the moderation queue.

    `reserved` holds slugs given to listings not yet flushed (the new slug joins them);
    `taken`, if given, the slugs in the database that this batch's names could want.
    """
    payload = _full_payload(record, moderation.EMPTY_LISTING)
    reserved = set() if reserved is None else reserved
    slug = _free_slug(session, record, reserved, taken)
    reserved.add(slug)
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
        _fill_new(clinic, payload, note, filename, taxonomy or Taxonomy.load(session))
        _cite(clinic, note, filename, record)
        return clinic
    _hold_contact_facts(clinic, payload)
    payload["x_source_note"] = note
    session.add(
        Revision(
            clinic=clinic,
            submitter_id=account_id,
            kind=RevisionKind.NEW_CLINIC,
            payload=schema.validated(payload),
            base_version=1,
            base_snapshot=dict(moderation.EMPTY_LISTING),
            note=f"Imported from {note}",
        )
    )
    return clinic


@dataclass(frozen=True)
class Taxonomy:
    """Treatments and conditions by slug, loaded once per import rather than once a row."""

    treatments: dict[str, Treatment]
    conditions: dict[str, Condition]

    @classmethod
    def load(cls, session: Session) -> Taxonomy:
        """Both taxonomies from the database."""
        return cls(
            {t.slug: t for t in session.execute(select(Treatment)).scalars()},
            {c.slug: c for c in session.execute(select(Condition)).scalars()},
        )


def _fill_new(
    clinic: Clinic, payload: dict[str, Any], note: str, filename: str, taxonomy: Taxonomy
) -> None:
    """Every fact of a new published listing, as snapshots.apply writes them, each cited."""
    for name in schema.FIELDS:
        if name != "name" and schema.SPECS[name].kind in snapshots.PLAIN_KINDS:
            snapshots.write_plain(clinic, name, payload.get(name))
    if clinic.payment_options or clinic.languages:
        clinic.access_as_of = date.today()
    _hold_contact_facts(clinic, payload)
    clinic.treatments = [taxonomy.treatments[s] for s in payload.get("treatments") or []]
    clinic.conditions = [taxonomy.conditions[s] for s in payload.get("conditions") or []]
    clinic.prices = [snapshots.price(p, taxonomy.treatments) for p in payload.get("prices") or []]
    clinic.sources = [
        Provenance(field=field, source_document=filename[:200], quote=note)
        for field in snapshots.changed_fields(moderation.EMPTY_LISTING, payload)
        if field != "prices"  # every price carries its own source URL and as-of date
    ]


def _slug_base(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "clinic"


def _taken_slugs(session: Session, records: list[bulk.ListingRecord]) -> set[str]:
    """Slugs in the database among those the batch would pick first (one query)."""
    wanted = {r.slug for r in records if r.slug}
    for record in records:
        base = _slug_base(record.payload["name"])
        wanted.update([base, *(f"{base}-{n}" for n in range(2, 6))])
    taken: set[str] = set()
    values = sorted(wanted)
    for i in range(0, len(values), 500):
        taken.update(
            session.execute(select(Clinic.slug).where(Clinic.slug.in_(values[i : i + 500])))
            .scalars()
            .all()
        )
    return taken


def _free_slug(
    session: Session, record: bulk.ListingRecord, reserved: set[str], taken: set[str] | None
) -> str:
    """The record's own slug if free, else one from its name (name, name-2, ...)."""

    def free(slug: str) -> bool:
        if slug in reserved:
            return False
        if taken is not None:
            return slug not in taken
        return session.execute(select(Clinic.id).where(Clinic.slug == slug)).first() is None

    if record.slug and free(record.slug):
        return record.slug
    base = _slug_base(record.payload["name"])
    for n in range(1, 6):
        slug = base if n == 1 else f"{base}-{n}"
        if free(slug):
            return slug
    n = 6
    while True:  # beyond the prefetched few: ask the database one at a time
        slug = f"{base}-{n}"
        exists = session.execute(select(Clinic.id).where(Clinic.slug == slug)).first()
        if slug not in reserved and exists is None:
            return slug
        n += 1


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
    clinic.phones = [snapshots.phone(p) for p in payload.get("phones") or []]


def update_listing(
    session: Session,
    clinic: Clinic,
    record: bulk.ListingRecord,
    account_id: int,
    publish: bool,
    note: str,
    filename: str,
    merging: bool = False,
) -> None:
    """A later file changed the row (or a row is merged): apply it, or propose it for review."""
    current = snapshots.snapshot(clinic)
    payload = _full_payload(record, current, merging)
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
        fresh = _full_payload(
            record, new_clinic.payload if merging else moderation.EMPTY_LISTING, merging
        )
        fresh.pop("x_source_note", None)
        clinic.name = fresh["name"]
        _hold_contact_facts(clinic, fresh)
        new_clinic.payload = schema.validated(fresh | {"x_source_note": note})
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
            payload=schema.validated(payload),
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
        update_listing(
            session, target, record, account_id, item.publish, item.citation, filename, True
        )
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
