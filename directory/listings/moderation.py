"""Claims, proposed changes and patient reports, and the decisions on them.

Only the functions here write a proposal onto a listing, and each decision is
recorded in the audit log in the same transaction. Nothing is deleted: rejected,
withdrawn and reverted requests stay in the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from directory.listings import audit, decisions, schema, snapshots, supply_notes
from directory.listings.slugs import free_slug
from directory.models import (
    Claim,
    Clinic,
    ClinicStatus,
    Decision,
    PatientReport,
    ReportCategory,
    Revision,
    RevisionKind,
    User,
    VerifiedBy,
    utcnow,
)
from directory.search import places as geo
from directory.search.geocoding import Geocoder

EMPTY_LISTING: dict[str, Any] = schema.empty_listing()


class ModerationError(ValueError):
    """A request that cannot be made or decided; the message is safe to show."""


class PermissionDenied(ModerationError):
    """The account may not act on this listing."""


@dataclass
class Conflict(ModerationError):
    """The listing changed since the proposal was made."""

    revision: Revision
    changed_since: list[str]
    overlap: list[str]

    def __str__(self) -> str:
        return gettext(
            "The listing has changed since this proposal was made. Review the changes "
            "before applying it."
        )


def _add_revision(
    session: Session,
    clinic: Clinic,
    submitter: User,
    kind: RevisionKind,
    payload: dict[str, Any],
    base_snapshot: dict[str, Any],
    note: str,
    **decision: Any,
) -> Revision:
    """A revision of the listing as it stands now, added and flushed; `decision` fills in
    who decided it and how, for one that is decided as it is made."""
    revision = Revision(
        clinic_id=clinic.id,
        submitter_id=submitter.id,
        kind=kind,
        payload=payload,
        base_version=clinic.version,
        base_snapshot=base_snapshot,
        note=note,
        **decision,
    )
    session.add(revision)
    session.flush()
    return revision


def _decided(
    obj: Claim | Revision | PatientReport, admin: User, status: Decision, reason: str
) -> None:
    if obj.status is not Decision.PENDING:
        raise ModerationError(
            gettext("This request was already %(status)s.", status=gettext(obj.status.value))
        )
    obj.status = status
    obj.reviewer_id = admin.id
    obj.reason = reason.strip()
    obj.decided_at = utcnow()


def checked_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The proposed listing as the schema stores it; a bad one is refused, never stored."""
    try:
        return schema.validated(payload)
    except schema.InvalidListing as exc:
        raise ModerationError(str(exc)) from exc


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ModerationError(gettext("Give a reason: the owner will see it."))


# --- claims ---------------------------------------------------------------------------------


def claimable(clinic: Clinic) -> bool:
    """Only listings patients can see, and never fictional examples, can be claimed."""
    return clinic.status is ClinicStatus.PUBLISHED and not clinic.is_example


def claim_listing(session: Session, user: User, clinic: Clinic, note: str) -> Claim:
    """Ask to manage a listing; waits for an admin."""
    if user.owns(clinic):
        raise ModerationError(gettext("You already manage this listing."))
    if not claimable(clinic):
        raise ModerationError(gettext("This listing cannot be claimed."))
    pending = session.execute(
        select(Claim.id).where(
            Claim.user_id == user.id, Claim.clinic_id == clinic.id, Claim.status == Decision.PENDING
        )
    ).first()
    if pending:
        raise ModerationError(gettext("Your claim on this listing is already waiting for review."))
    claim = Claim(clinic_id=clinic.id, user_id=user.id, note=note.strip())
    session.add(claim)
    session.flush()
    return claim


def decide_claim(session: Session, admin: User, claim: Claim, approve: bool, reason: str) -> None:
    """Approve (the owner may then propose edits) or reject with a reason."""
    if not approve:
        _require_reason(reason)
    _decided(claim, admin, Decision.APPROVED if approve else Decision.REJECTED, reason)
    if approve and not claim.user.owns(claim.clinic):
        claim.user.clinics.append(claim.clinic)
    audit.record(
        session,
        admin,
        f"claim.{'approved' if approve else 'rejected'}",
        "claim",
        claim.id,
        f"{claim.user.email} for {claim.clinic.display_name}"
        + (f": {reason.strip()}" if reason.strip() else ""),
        after={"clinic": claim.clinic.slug, "user": claim.user.email},
    )


# --- proposals ------------------------------------------------------------------------------


def _require_editor(user: User, clinic: Clinic) -> None:
    if not (user.is_admin or user.owns(clinic)):
        raise PermissionDenied(gettext("You can only propose changes to listings you manage."))


def _pending_from(user: User, clinic: Clinic) -> Select[Revision]:
    """The person's changes to the listing still waiting for a moderator."""
    return select(Revision).where(
        Revision.clinic_id == clinic.id,
        Revision.submitter_id == user.id,
        Revision.status == Decision.PENDING,
    )


def pending_edit(session: Session, user: User, clinic: Clinic) -> Revision | None:
    """The person's change to the listing still waiting for a moderator, if any (a newer
    proposal replaces it)."""
    newest = _pending_from(user, clinic).where(Revision.kind == RevisionKind.EDIT)
    return session.execute(newest.order_by(Revision.id.desc()).limit(1)).scalar_one_or_none()


def propose_edit(
    session: Session, user: User, clinic: Clinic, payload: dict[str, Any], note: str = ""
) -> Revision:
    """Store a proposed change against the listing's current version.

    A newer proposal from the same person for the same listing replaces their pending one
    (which is kept, as withdrawn), so there is one pending change per person and listing.
    """
    _require_editor(user, clinic)
    payload = checked_payload(payload)
    current = snapshots.snapshot(clinic)
    if not snapshots.changed_fields(current, payload):
        raise ModerationError(gettext("Nothing was changed."))
    for older in session.execute(_pending_from(user, clinic)).scalars():
        older.status = Decision.WITHDRAWN
        older.reason = "Replaced by a newer proposal."
        older.decided_at = utcnow()
    return _add_revision(session, clinic, user, RevisionKind.EDIT, payload, current, note.strip())


def submit_new_clinic(
    session: Session,
    user: User,
    payload: dict[str, Any],
    note: str = "",
    max_pending: int | None = None,
) -> Revision:
    """A new listing, pending and invisible to patients until an admin approves it.

    An owner may have at most `max_pending` new clinics waiting at once, so one account
    cannot bury everyone else's requests in the queue.
    """
    if max_pending is not None and not user.is_admin:
        waiting = session.execute(
            select(func.count(Revision.id)).where(
                Revision.submitter_id == user.id,
                Revision.kind == RevisionKind.NEW_CLINIC,
                Revision.status == Decision.PENDING,
            )
        ).scalar_one()
        if waiting >= max_pending:
            raise ModerationError(
                gettext(
                    "You have %(count)s new clinics waiting for a moderator. Please wait "
                    "until they are reviewed before adding more.",
                    count=waiting,
                )
            )
    payload = checked_payload(payload)
    if not (payload.get("name") or "").strip():
        raise ModerationError("A new listing needs a name.")
    clinic = Clinic(
        slug=free_slug(session, payload["name"]),
        name=payload["name"],
        status=ClinicStatus.PENDING,
        status_note="Submitted by an owner.",
    )
    session.add(clinic)
    session.flush()
    return _add_revision(
        session, clinic, user, RevisionKind.NEW_CLINIC, payload, dict(EMPTY_LISTING), note.strip()
    )


def withdraw(session: Session, user: User, revision: Revision) -> None:
    """The submitter takes back a pending proposal."""
    if revision.submitter_id != user.id:
        raise PermissionDenied(gettext("You can only withdraw your own proposals."))
    if revision.status is not Decision.PENDING:
        raise ModerationError(
            gettext("This proposal was already %(status)s.", status=gettext(revision.status.value))
        )
    revision.status = Decision.WITHDRAWN
    revision.decided_at = utcnow()
    if revision.kind is RevisionKind.NEW_CLINIC:
        revision.clinic.status = ClinicStatus.DRAFT
        revision.clinic.status_note = "The submitter withdrew it."
    session.flush()


def changes_since(revision: Revision) -> tuple[list[str], list[str]]:
    """Fields changed on the listing since the proposal, and those the proposal also changes.

    Only what the listing says counts: confirming that it is still correct moves its version
    and its verified date, and changes nothing a proposal could overwrite.
    """
    if revision.clinic.version == revision.base_version:
        return [], []
    since = snapshots.changed_fields(revision.base_snapshot, snapshots.snapshot(revision.clinic))
    mine = snapshots.changed_fields(revision.base_snapshot, revision.payload)
    return since, [f for f in mine if f in since]


def against_current(revision: Revision) -> list[snapshots.FieldChange]:
    """The current listing against the proposal, for the fields approving would write.

    A field the proposal left alone is not written, so a newer value there stays.
    """
    mine = snapshots.changed_fields(revision.base_snapshot, revision.payload)
    current = snapshots.snapshot(revision.clinic)
    return [c for c in snapshots.diff(current, revision.payload) if c.field in mine]


def approve_revision(
    session: Session,
    admin: User,
    revision: Revision,
    geocoder: Geocoder,
    reason: str = "",
    override_conflict: bool = False,
) -> None:
    """Apply the proposal's changed fields to the listing, in the caller's transaction.

    If what the listing says changed since the proposal was based on it, Conflict is
    raised unless the admin has reviewed the conflict and chosen to apply it anyway.
    """
    clinic = revision.clinic
    since, overlap = changes_since(revision)
    if since and not override_conflict:
        raise Conflict(revision, since, overlap)
    before = snapshots.snapshot(clinic)
    fields = snapshots.changed_fields(revision.base_snapshot, revision.payload)
    _decided(revision, admin, Decision.APPROVED, reason)
    revision.overrode_conflict = bool(since)
    # A bulk import cites its file and row; anything else names who supplied it.
    imported_from = revision.payload.get("x_source_note")
    note = imported_from or supply_notes.approval_note(
        clinic.is_hospital, revision.id, date.today()
    )
    snapshots.apply(session, clinic, revision.payload, fields, geocoder, note)
    clinic.updated_at = utcnow()  # bumps the version even when only related rows changed
    if revision.kind is RevisionKind.NEW_CLINIC:
        if not (clinic.name and clinic.locations) and not clinic.service_areas:
            raise ModerationError("A new listing needs a name and an address to be published.")
        clinic.status = ClinicStatus.PUBLISHED
        clinic.status_note = ""
        # Files (bulk lists, price files) do not make their importing account an owner.
        if not imported_from and not clinic.is_hospital and not revision.submitter.owns(clinic):
            revision.submitter.clinics.append(clinic)
    try:
        session.flush()
    except StaleDataError as exc:  # another transaction changed the row meanwhile
        raise Conflict(revision, ["listing"], ["listing"]) from exc
    revision.applied_version = clinic.version
    action = "clinic.created" if revision.kind is RevisionKind.NEW_CLINIC else "revision.approved"
    if revision.overrode_conflict:
        action += "_over_conflict"
    audit.record(
        session,
        admin,
        action,
        "revision",
        revision.id,
        f"{clinic.display_name}: {', '.join(fields)}",
        before=before,
        after=snapshots.snapshot(clinic),
    )


def reject_revision(session: Session, admin: User, revision: Revision, reason: str) -> None:
    """Refuse a proposal, with the reason the owner will read."""
    _require_reason(reason)
    _decided(revision, admin, Decision.REJECTED, reason)
    if revision.kind is RevisionKind.NEW_CLINIC:
        revision.clinic.status = ClinicStatus.DRAFT
        revision.clinic.status_note = f"Rejected: {reason.strip()}"
    audit.record(
        session,
        admin,
        "revision.rejected",
        "revision",
        revision.id,
        f"{revision.clinic.display_name}: {reason.strip()}",
        after={"payload": revision.payload},
    )


def revert(
    session: Session, admin: User, revision: Revision, geocoder: Geocoder, reason: str
) -> Revision:
    """Restore the listing as it was before an approved change; itself a recorded decision."""
    _require_reason(reason)
    if revision.status is not Decision.APPROVED or revision.kind is RevisionKind.NEW_CLINIC:
        raise ModerationError(
            gettext("Only an approved change to an existing listing can be undone.")
        )
    if decisions.undone_by(session, [revision]):
        raise ModerationError(gettext("This change has already been undone."))
    clinic = revision.clinic
    before = snapshots.snapshot(clinic)
    target = revision.base_snapshot
    fields = snapshots.changed_fields(before, target)
    if not fields:
        raise ModerationError(gettext("The listing already matches that version."))
    undo = _add_revision(
        session,
        clinic,
        admin,
        RevisionKind.REVERT,
        target,
        before,
        decisions.UNDO_NOTE.format(revision.id),
        status=Decision.APPROVED,
        reviewer_id=admin.id,
        reason=reason.strip(),
        decided_at=utcnow(),
    )
    try:
        snapshots.apply(
            session,
            clinic,
            target,
            fields,
            geocoder,
            supply_notes.restore_note(revision.id, date.today()),
        )
    except geo.UnknownPlace as exc:  # kept without coordinates, and no longer placeable
        raise ModerationError(
            gettext(
                "That version's address cannot be placed on the map: %(reason)s Edit the "
                "listing's address instead.",
                reason=str(exc),
            )
        ) from exc
    clinic.updated_at = utcnow()
    session.flush()
    undo.applied_version = clinic.version
    audit.record(
        session,
        admin,
        "revision.reverted",
        "revision",
        revision.id,
        f"{clinic.display_name}: restored {', '.join(fields)}: {reason.strip()}",
        before=before,
        after=snapshots.snapshot(clinic),
    )
    return undo


# --- listing status and verification --------------------------------------------------------


def set_status(
    session: Session, admin: User, clinic: Clinic, status: ClinicStatus, reason: str
) -> None:
    """Publish, unpublish (back to draft) or suspend a listing, with a reason."""
    _require_reason(reason)
    if status is ClinicStatus.PUBLISHED and not (
        clinic.name and (clinic.locations or clinic.service_areas)
    ):
        raise ModerationError("A listing needs a name and a location before it can be published.")
    if clinic.status is status:
        raise ModerationError(f"The listing is already {status.value}.")
    before = {"status": clinic.status.value}
    clinic.status = status
    clinic.status_note = reason.strip()
    clinic.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        admin,
        f"clinic.{status.value}",
        "clinic",
        clinic.id,
        f"{clinic.display_name}: {reason.strip()}",
        before=before,
        after={"status": status.value},
    )


def confirm_listing(session: Session, user: User, clinic: Clinic) -> None:
    """The owner says the listing is still correct: a fresh last-verified date, nothing else.

    Refused while a proposal or a patient report on the listing is open: the listing is
    then not known to be correct, and the date would tell patients otherwise.
    """
    _require_editor(user, clinic)
    proposals, reports = decisions.open_items(session, clinic)
    if proposals or reports:
        waiting = " and ".join(
            words
            for count, words in (
                (proposals, f"{proposals} proposed change{'s' if proposals > 1 else ''}"),
                (reports, f"{reports} patient report{'s' if reports > 1 else ''}"),
            )
            if count
        )
        raise ModerationError(
            f"{clinic.display_name} has {waiting} waiting for a moderator. Once they are "
            "decided, you can confirm the listing is correct."
        )
    if clinic.status is not ClinicStatus.PUBLISHED:
        raise ModerationError(
            f"Only a published listing can be marked as checked; this one is {clinic.status.value}."
        )
    clinic.last_verified_on = date.today()
    clinic.last_verified_by = VerifiedBy.ADMIN if user.is_admin else VerifiedBy.OWNER
    session.flush()
    audit.record(
        session,
        user,
        "clinic.confirmed",
        "clinic",
        clinic.id,
        f"{clinic.display_name} confirmed correct",
    )


# --- patient reports ------------------------------------------------------------------------


def report(session: Session, clinic: Clinic, category: ReportCategory, note: str) -> PatientReport:
    """A patient's report that something on a listing is wrong."""
    item = PatientReport(clinic_id=clinic.id, category=category, note=note.strip())
    session.add(item)
    session.flush()
    return item


def decide_report(
    session: Session, admin: User, item: PatientReport, resolved: bool, reason: str
) -> None:
    """Close a report as fixed or as not a problem."""
    _require_reason(reason)
    _decided(item, admin, Decision.APPROVED if resolved else Decision.REJECTED, reason)
    audit.record(
        session,
        admin,
        f"report.{'resolved' if resolved else 'dismissed'}",
        "report",
        item.id,
        f"{item.clinic.display_name}: {reason.strip()}",
    )


# --- the queue ------------------------------------------------------------------------------


@dataclass
class QueuePage:
    """One kind of waiting item: a page of them, oldest first, and how many there are."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the kind fills (at least one)."""
        return max(1, -(-self.total // self.per_page))


@dataclass
class Queue:
    """Everything waiting for a moderator, oldest first, a page of each kind."""

    new_clinics: QueuePage
    claims: QueuePage
    edits: QueuePage
    reports: QueuePage
    drafts: QueuePage
    stale: QueuePage

    @property
    def total(self) -> int:
        """Items needing a decision."""
        return sum(p.total for p in (self.new_clinics, self.claims, self.edits, self.reports))


QUEUE_KINDS = ("new_clinics", "claims", "edits", "reports", "drafts", "stale")


def _page_of(session: Session, stmt: Select[Any], page: int, per_page: int) -> QueuePage:
    """A page of a query's rows and the query's row count, both from the database."""
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
    count = int(total.scalar_one())
    pages = max(1, -(-count // per_page))
    page = min(max(page, 1), pages)
    items: list[Any] = list(
        session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars()
    )
    return QueuePage(items, count, page, per_page)


def queue(
    session: Session,
    today: date,
    stale_after_days: int,
    pages: dict[str, int] | None = None,
    per_page: int = 25,
) -> Queue:
    """The moderation queue: for each kind, the page asked for in `pages` (default 1)."""
    pages = pages or {}

    def revisions(new: bool) -> Select[Any]:
        kind = (
            Revision.kind == RevisionKind.NEW_CLINIC
            if new
            else Revision.kind != RevisionKind.NEW_CLINIC
        )
        return (
            select(Revision)
            .where(Revision.status == Decision.PENDING, kind)
            .order_by(Revision.created_at, Revision.id)
            .options(selectinload(Revision.clinic), selectinload(Revision.submitter))
        )

    def pending(model: type[Claim] | type[PatientReport]) -> Select[Any]:
        return (
            select(model)
            .where(model.status == Decision.PENDING)
            .order_by(model.created_at, model.id)
            .options(selectinload(model.clinic))
        )

    statements: dict[str, Select[Any]] = {
        "new_clinics": revisions(new=True),
        "claims": pending(Claim).options(selectinload(Claim.user)),
        "edits": revisions(new=False),
        "reports": pending(PatientReport),
        "drafts": select(Clinic).where(Clinic.status == ClinicStatus.DRAFT).order_by(Clinic.id),
        "stale": _stale_statement(today, stale_after_days),
    }
    return Queue(
        **{
            kind: _page_of(session, stmt, pages.get(kind, 1), per_page)
            for kind, stmt in statements.items()
        }
    )


def _stale_statement(today: date, days: int) -> Select[Any]:
    cutoff = today - timedelta(days=days)
    return (
        select(Clinic)
        .where(
            Clinic.status == ClinicStatus.PUBLISHED,
            Clinic.is_example.is_(False),
            or_(Clinic.last_verified_on.is_(None), Clinic.last_verified_on < cutoff),
        )
        .order_by(Clinic.last_verified_on.is_not(None), Clinic.last_verified_on, Clinic.name)
    )


def stale_listings(session: Session, today: date, days: int, limit: int = 200) -> list[Clinic]:
    """Published, non-example listings not verified for `days`, never-verified first."""
    return list(session.execute(_stale_statement(today, days).limit(limit)).scalars())
