"""Finding published listings for the HSDS API: filters, paging, ids and change history."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import force_locale
from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from directory.api import hsds
from directory.caching import VersionedMemo
from directory.i18n import DEFAULT, LOCALES
from directory.listings import published, snapshots
from directory.models import (
    AuditEvent,
    Clinic,
    ClinicStatus,
    Condition,
    HsdsServiceAtLocationId,
    HsdsServiceId,
    Location,
    Revision,
    Role,
    Treatment,
    User,
)
from directory.models.treatment import clinic_conditions
from directory.search import places as geo
from directory.search import query as search
from directory.search.query import InvalidSearch
from directory.settings import Settings

MAX_SEARCH_LENGTH = 200
# How far a postcode reaches when no proximity is given.
DEFAULT_PROXIMITY_MILES = 25.0
# HSDS 3.0 gives `proximity` in metres from the postcode's centroid.
METRES_PER_MILE = 1609.344
# Audit actions that changed what the public sees, and how HSDS metadata names them.
CLINIC_ACTIONS = {
    "clinic.published": "status",
    "clinic.suspended": "status",
    "clinic.draft": "status",
    "clinic.confirmed": "verified",
}
REVISION_ACTIONS = {
    "clinic.created": "create",
    "revision.approved": "update",
    "revision.approved_over_conflict": "update",
    "revision.reverted": "update",
}


@dataclass
class Filters:
    """Validated HSDS query parameters."""

    page: int = 1
    per_page: int = 20
    search: str = ""
    organization_id: str | None = None
    taxonomy_term_id: str | None = None
    modified_after: datetime | None = None
    place: geo.SearchPlace | None = None
    proximity_miles: float | None = None


@dataclass(frozen=True)
class Circle:
    """Where a postcode and proximity reach: a point and a radius in miles."""

    latitude: float
    longitude: float
    miles: float

    def box(self) -> geo.BoundingBox:
        """The latitude/longitude box around the circle."""
        return geo.bounding_box(self.latitude, self.longitude, self.miles)


def _circle(filters: Filters) -> Circle | None:
    """The circle the postcode and proximity filters draw, or None without a postcode."""
    place = filters.place
    if place is None or place.latitude is None or place.longitude is None:
        return None
    miles = filters.proximity_miles
    if miles is None:
        miles = DEFAULT_PROXIMITY_MILES
    return Circle(place.latitude, place.longitude, miles)


def _nearest_first(
    session: Session, stmt: Select[*tuple[Any, ...]], circle: Circle, width: int
) -> list[tuple[tuple[int, ...], float]]:
    """Keys (first `width` columns) of rows in the circle at their nearest miles, nearest first."""
    box = circle.box()
    found: dict[tuple[int, ...], float] = {}
    rows: Iterable[Any] = session.execute(
        stmt.where(*box.holds(Location.latitude, Location.longitude))
    )
    for row in rows:
        key, (lat, lng) = tuple(row[:width]), row[-2:]
        miles = geo.distance_miles(circle.latitude, circle.longitude, lat, lng)
        if miles <= circle.miles and miles < found.get(key, math.inf):
            found[key] = miles
    # The rows are (ids..., Location.latitude, Location.longitude); the sort is stable, so
    # equally near keys keep the statement's order within a listing.
    return sorted(found.items(), key=lambda item: (item[1], item[0][0]))


def parse_filters(session: Session, args: Mapping[str, str], settings: Settings) -> Filters:
    """Validate the query string; raise InvalidSearch naming every bad parameter."""
    errors: dict[str, str] = {}
    filters = Filters()
    try:  # the same paging rules as the search API
        query = search.parse_query(
            {"page": args.get("page", ""), "per_page": args.get("per_page", "")}, settings
        )
        filters.page, filters.per_page = query.page, query.per_page
    except InvalidSearch as exc:
        errors.update(exc.errors)

    text = (args.get("search") or "").strip()
    if "\x00" in text:
        errors["search"] = "The search text cannot hold a NUL character."
    elif len(text) > MAX_SEARCH_LENGTH:
        errors["search"] = f"The search text is too long (at most {MAX_SEARCH_LENGTH} characters)."
    filters.search = text

    org = (args.get("organization_id") or "").strip()
    if org:
        if not _is_uuid(org):
            errors["organization_id"] = "Give an organization id (a UUID)."
        filters.organization_id = org.lower()

    term = (args.get("taxonomy_term_id") or "").strip()
    if term:
        if term.lower() not in hsds.TERM_INDEX:
            errors["taxonomy_term_id"] = "Give the id of a term listed at /taxonomy_terms."
        filters.taxonomy_term_id = term.lower()

    raw_after = (args.get("modified_after") or "").strip()
    if raw_after:
        moment = _datetime(raw_after)
        if moment is None:
            errors["modified_after"] = "Give a date and time, for example 2026-01-31T12:00:00Z."
        filters.modified_after = moment

    postcode = (args.get("postcode") or "").strip()
    if postcode:
        if not (len(postcode) == 5 and postcode.isascii() and postcode.isdigit()):
            errors["postcode"] = "Give a 5-digit US ZIP code."
        else:
            try:
                filters.place = geo.resolve_place(session, postcode)
            except geo.UnknownPlace:
                errors["postcode"] = "That ZIP code is not in the gazetteer."

    raw_proximity = (args.get("proximity") or "").strip()
    if raw_proximity:
        max_miles = settings.search_max_radius_miles
        metres = _float(raw_proximity)
        if metres is None or not 0 < metres <= max_miles * METRES_PER_MILE:
            errors["proximity"] = (
                "Give a distance in metres (as HSDS defines proximity), more than 0 and at "
                f"most {max_miles * METRES_PER_MILE:,.0f} ({max_miles:g} miles)."
            )
        elif not postcode:
            errors["proximity"] = "Give a postcode to measure the distance from."
        else:
            filters.proximity_miles = metres / METRES_PER_MILE
    if errors:
        raise InvalidSearch(errors)
    return filters


def _is_uuid(text: str) -> bool:
    try:
        return len(text) == 36 and str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def _float(text: str) -> float | None:
    if len(text) > 20:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _datetime(text: str) -> datetime | None:
    if len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 9999 east of UTC
        return None


# --- loading ------------------------------------------------------------------------------


# What a list's summary shape (`_list`, not fully nested) reads of a listing besides its
# own columns: an organization or a service nothing, a service at a location its locations.
ONLY_COLUMNS: tuple[Any, ...] = ()
WITH_LOCATIONS: tuple[Any, ...] = (Clinic.locations,)


def load_clinics(
    session: Session, ids: list[int], collections: tuple[Any, ...] | None = None
) -> dict[int, Clinic]:
    """The clinics with everything HSDS shows, each collection in one query; or with only
    the collections a list shape reads (eleven statements for a page of services would
    otherwise be three)."""
    if not ids:
        return {}
    if collections is None:
        loads = (*published.full_clinic(), selectinload(Clinic.current_charges))
    else:
        loads = tuple(selectinload(collection) for collection in collections)
    found = session.execute(select(Clinic).where(Clinic.id.in_(ids)).options(*loads))
    return {c.id: c for c in found.scalars()}


def _published() -> ColumnElement[bool]:
    return Clinic.status == ClinicStatus.PUBLISHED


def _updated_since(filters: Filters) -> list[ColumnElement[bool]]:
    if filters.modified_after is None:
        return []
    # A confirmation changes no field but is news to a consumer keeping in step.
    confirmed = (
        select(AuditEvent.id)
        .where(
            AuditEvent.target_type == "clinic",
            AuditEvent.target_id == Clinic.id,
            AuditEvent.action.in_(list(CLINIC_ACTIONS)),
            AuditEvent.created_at >= filters.modified_after,
        )
        .exists()
    )
    return [or_(Clinic.updated_at >= filters.modified_after, confirmed)]


def organization_clinic_id(session: Session, org_id: str) -> int | None:
    """The published listing with this organization id (one probe of the stored ids)."""
    stmt = select(Clinic.id).where(Clinic.hsds_id == org_id.lower(), _published())
    return session.execute(stmt).scalar_one_or_none()


def _search_clause(text: str) -> ColumnElement[bool]:
    needle = text.lower()
    return or_(
        func.lower(Clinic.name).contains(needle, autoescape=True),
        func.lower(Clinic.description).contains(needle, autoescape=True),
        func.lower(Treatment.name).contains(needle, autoescape=True),
    )


@dataclass
class Page:
    """One page of records and how many there are in all."""

    total: int
    contents: list[dict[str, Any]]


def _slice(rows: list[Any], filters: Filters) -> list[Any]:
    start = (filters.page - 1) * filters.per_page
    return rows[start : start + filters.per_page]


def organizations(session: Session, filters: Filters, *, full: bool) -> Page:
    """Published listings as organizations, oldest first, or nearest first given a postcode."""
    clauses: list[ColumnElement[bool]] = [_published(), *_updated_since(filters)]
    if filters.search:
        needle = filters.search.lower()
        clauses.append(
            or_(
                func.lower(Clinic.name).contains(needle, autoescape=True),
                func.lower(Clinic.description).contains(needle, autoescape=True),
            )
        )
    circle = _circle(filters)
    if circle is not None:  # listings with a location in reach, nearest first
        located = (
            select(Clinic.id, Location.latitude, Location.longitude)
            .join(Location, Location.clinic_id == Clinic.id)
            .where(*clauses)
            .order_by(Clinic.id, Location.id)
        )
        every = [key[0] for key, _miles in _nearest_first(session, located, circle, 1)]
        total, ids = len(every), _slice(every, filters)
    else:
        stmt = select(Clinic.id).where(*clauses).order_by(Clinic.id)
        total, rows = _paged(session, stmt, filters, "organizations")
        ids = [row[0] for row in rows]
    clinics = load_clinics(session, ids, None if full else ONLY_COLUMNS)
    if not full:
        return Page(total, [hsds.organization_summary(clinics[i]) for i in ids])
    changes = changes_for(session, ids)
    return Page(total, [hsds.organization(clinics[i], changes.get(i, [])) for i in ids])


def organization(session: Session, org_id: str) -> dict[str, Any] | None:
    """One published listing as a fully nested organization, or None."""
    clinic_id = organization_clinic_id(session, org_id)
    if clinic_id is None:
        return None
    clinic = load_clinics(session, [clinic_id])[clinic_id]
    return hsds.organization(clinic, changes_for(session, [clinic_id]).get(clinic_id, []))


def _offered_pairs(near: Select[Any] | None = None) -> Any:
    """(clinic, treatment) pairs a listing lists or prices, from the stored service ids
    (kept with every change of either); only of the clinics `near` selects when given."""
    pairs = select(
        HsdsServiceId.clinic_id.label("clinic_id"),
        HsdsServiceId.treatment_id.label("treatment_id"),
    )
    if near is not None:
        pairs = pairs.where(HsdsServiceId.clinic_id.in_(near))
    return pairs.subquery()


def _in_box(circle: Circle | None) -> Select[Any] | None:
    """The ids of clinics with a location in the circle's box, or None without a circle."""
    if circle is None:
        return None
    box = circle.box()
    return select(Location.clinic_id).where(*box.holds(Location.latitude, Location.longitude))


def _term_clause(filters: Filters) -> list[ColumnElement[bool]]:
    if not filters.taxonomy_term_id:
        return []
    key, code = hsds.TERM_INDEX[filters.taxonomy_term_id]
    if key == "treatments":
        return [Treatment.slug == code]
    if key == "conditions":
        condition_id = select(Condition.id).where(Condition.slug == code).scalar_subquery()
        return [
            select(clinic_conditions.c.clinic_id)
            .where(
                clinic_conditions.c.clinic_id == Clinic.id,
                clinic_conditions.c.condition_id == condition_id,
            )
            .exists()
        ]
    if key == "payment-options":  # a way to pay the organization takes covers its services
        column = literal(",") + Clinic.payment_options + literal(",")
        return [column.like(f"%,{code},%")]
    return [Clinic.id.is_(None)]  # listing facts describe organizations, not services


def _service_rows(session: Session, filters: Filters, with_locations: bool) -> Select[Any]:
    pairs = _offered_pairs(_in_box(_circle(filters)))
    columns: list[Any] = [Clinic.id, Treatment.id]
    if with_locations:
        columns += [Location.id, Location.latitude, Location.longitude]
    stmt = (
        select(*columns)
        .select_from(pairs)
        .join(Clinic, Clinic.id == pairs.c.clinic_id)
        .join(Treatment, Treatment.id == pairs.c.treatment_id)
        .where(_published(), *_updated_since(filters), *_term_clause(filters))
    )
    if with_locations:
        stmt = stmt.join(Location, Location.clinic_id == Clinic.id)
    if filters.organization_id:
        clinic_id = organization_clinic_id(session, filters.organization_id)
        stmt = stmt.where(Clinic.id == (clinic_id if clinic_id is not None else -1))
    if filters.search:
        stmt = stmt.where(_search_clause(filters.search))
    order = [Clinic.id, Location.id] if with_locations else [Clinic.id]
    return stmt.order_by(*order, Treatment.position, Treatment.id)


def _treatments(session: Session) -> dict[int, Treatment]:
    return {t.id: t for t in session.execute(select(Treatment)).scalars()}


# How many rows each listing's statement gives, per statement and filters, while the data
# stands: counting a directory's services reads all of them, and every page asks again.
_TOTALS = VersionedMemo(size=256)


def _paged(
    session: Session, stmt: Select[Any], filters: Filters, kind: str
) -> tuple[int, list[Any]]:
    """How many rows an ordered statement of `kind` gives, and the page's rows, both from
    the database: a directory's services run to hundreds of thousands."""
    key = (
        kind,
        filters.search,
        filters.organization_id,
        filters.taxonomy_term_id,
        filters.modified_after,
    )

    def count() -> int:
        counted = select(func.count()).select_from(stmt.order_by(None).subquery())
        return int(session.execute(counted).scalar_one())

    total = _TOTALS.get(session, key, count)
    rows = session.execute(
        stmt.offset((filters.page - 1) * filters.per_page).limit(filters.per_page)
    )
    return total, list(rows)


def services(session: Session, filters: Filters, *, full: bool) -> Page:
    """Each treatment each published listing offers, as HSDS services (nearest first)."""
    circle = _circle(filters)
    if circle is None:
        total, page = _paged(session, _service_rows(session, filters, False), filters, "services")
    else:
        located = _service_rows(session, filters, True)
        rows = [key for key, _miles in _nearest_first(session, located, circle, 2)]
        total, page = len(rows), _slice(rows, filters)
    clinics = load_clinics(session, sorted({r[0] for r in page}), None if full else ONLY_COLUMNS)
    treatments = _treatments(session)
    build = hsds.service if full else hsds.service_summary
    return Page(total, [build(clinics[cid], treatments[tid]) for cid, tid in page])


def service(session: Session, service_id: str) -> dict[str, Any] | None:
    """One service, fully nested, or None (one probe of the stored service ids)."""
    stored = session.execute(
        select(HsdsServiceId.clinic_id, HsdsServiceId.treatment_id).where(
            HsdsServiceId.id == service_id.lower()
        )
    ).first()
    if stored is None:
        return None
    cid, tid = stored
    # A stored id is a pair the listing lists or prices now; it must also be published.
    clinic = _published_listing(session, cid)
    return None if clinic is None else hsds.service(clinic, _treatments(session)[tid])


def _published_listing(session: Session, clinic_id: int) -> Clinic | None:
    """A listing with everything HSDS shows, if it is published."""
    if session.execute(select(Clinic.id).where(Clinic.id == clinic_id, _published())).first():
        return load_clinics(session, [clinic_id])[clinic_id]
    return None


def _sal_rows(
    session: Session, filters: Filters
) -> tuple[int, list[tuple[int, int, int, float | None]]]:
    """How many services at locations match, and the page's (clinic id, treatment id,
    location id, miles) in page order."""
    stmt = _service_rows(session, filters, True)
    circle = _circle(filters)
    if circle is None:
        total, page = _paged(session, stmt, filters, "services_at_locations")
        return total, [(c, t, loc, None) for c, t, loc, _lat, _lng in page]
    every = [(c, t, loc, miles) for (c, t, loc), miles in _nearest_first(session, stmt, circle, 3)]
    return len(every), _slice(every, filters)


def _sal(
    clinics: dict[int, Clinic], treatments: dict[int, Treatment], row: tuple[Any, ...], full: bool
) -> dict[str, Any]:
    clinic = clinics[row[0]]
    index = [loc.id for loc in clinic.locations].index(row[2])
    return hsds.service_at_location(clinic, treatments[row[1]], index, full=full)


def services_at_locations(session: Session, filters: Filters, *, full: bool) -> Page:
    """Each service at each location, nearest first when a postcode is given."""
    total, page = _sal_rows(session, filters)
    only = None if full else WITH_LOCATIONS
    clinics = load_clinics(session, sorted({r[0] for r in page}), only)
    treatments = _treatments(session)
    return Page(total, [_sal(clinics, treatments, r, full) for r in page])


def service_at_location(session: Session, sal_id: str) -> dict[str, Any] | None:
    """One service at a location, fully nested, or None (one probe of the stored ids)."""
    stored = session.execute(
        select(
            HsdsServiceAtLocationId.clinic_id,
            HsdsServiceAtLocationId.treatment_id,
            HsdsServiceAtLocationId.location_index,
        ).where(HsdsServiceAtLocationId.id == sal_id.lower())
    ).first()
    if stored is None:
        return None
    cid, tid, index = stored
    clinic = _published_listing(session, cid)
    if clinic is None or index >= len(clinic.locations):  # past the end: written by hand
        return None
    return hsds.service_at_location(clinic, _treatments(session)[tid], index, full=True)


# --- change history -----------------------------------------------------------------------


def _role(user: User | None) -> str:
    return "moderator" if user is None or user.role is Role.ADMIN else "owner"


def _text(field: str, value: Any) -> str:
    # The API speaks English and writes dates as ISO 8601, whatever the request's language.
    with force_locale(LOCALES[DEFAULT]):
        described = snapshots.describe(field, value, dates=date.isoformat)
    return "" if described == "—" else described


def _changes(event: AuditEvent, action: str, by: str) -> list[hsds.Change]:
    before, after = event.before or {}, event.after or {}
    key = f"audit-{event.id}"
    if action in ("status", "verified"):
        field = "status" if action == "status" else "last_verified"
        after_text = str(after.get("status", "")) if action == "status" else "confirmed correct"
        return [
            hsds.Change(
                key, event.created_at, action, field, str(before.get("status", "")), after_text, by
            )
        ]
    fields = snapshots.changed_fields(before, after) or ["listing"]
    return [
        hsds.Change(
            key,
            event.created_at,
            action,
            f,
            _text(f, before.get(f)) if f != "listing" else "",
            _text(f, after.get(f)) if f != "listing" else event.summary,
            by,
        )
        for f in fields
    ]


def changes_for(session: Session, clinic_ids: list[int]) -> dict[int, list[hsds.Change]]:
    """Approved changes to the listings, oldest first, from the audit log (two queries).

    Decisions on a clinic are its audit events; approved proposals are those of its
    revisions, made by the revision's submitter (a revert, by a moderator).
    """
    found: dict[int, list[hsds.Change]] = {}
    if not clinic_ids:
        return found
    on_clinics = select(AuditEvent, AuditEvent.target_id, User).outerjoin(
        User, User.id == AuditEvent.actor_id
    )
    on_revisions = (
        select(AuditEvent, Revision.clinic_id, User)
        .join(Revision, Revision.id == AuditEvent.target_id)
        .join(User, User.id == Revision.submitter_id)
    )
    for stmt, target, clinic, actions in (
        (on_clinics, "clinic", AuditEvent.target_id, CLINIC_ACTIONS),
        (on_revisions, "revision", Revision.clinic_id, REVISION_ACTIONS),
    ):
        rows = session.execute(
            stmt.where(
                AuditEvent.target_type == target,
                clinic.in_(clinic_ids),
                AuditEvent.action.in_(list(actions)),
            )
        )
        for event, clinic_id, person in rows:
            by = "moderator" if event.action == "revision.reverted" else _role(person)
            found.setdefault(clinic_id or 0, []).extend(_changes(event, actions[event.action], by))
    for changes in found.values():
        changes.sort(key=lambda c: (c.at, c.key, c.field))
    return found
