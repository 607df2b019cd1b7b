"""What owners learn of moderators' decisions: mail per decision, undone changes, open items."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.accounts import mail
from directory.listings import snapshots
from directory.models import Claim, Clinic, Decision, PatientReport, Revision, RevisionKind
from directory.settings import Settings

log = logging.getLogger(__name__)

UNDO_NOTE = "Undo of change {}"  # the note moderation.revert gives the restoring revision

KIND_WORDS = {"new_clinic": "new listing", "edit": "proposed changes", "revert": "restore"}


def undone_by(session: Session, revisions: Iterable[Revision]) -> dict[int, Revision]:
    """For each approved change that a moderator later undid: its id -> the undoing revision."""
    approved = {r.id: r for r in revisions if r.status is Decision.APPROVED}
    if not approved:
        return {}
    notes = {UNDO_NOTE.format(rid): rid for rid in approved}
    undos = session.execute(
        select(Revision).where(
            Revision.kind == RevisionKind.REVERT,
            Revision.clinic_id.in_({r.clinic_id for r in approved.values()}),
            Revision.note.in_(list(notes)),
        )
    ).scalars()
    return {notes[u.note]: u for u in undos}


def open_items(session: Session, clinic: Clinic) -> tuple[int, int]:
    """(pending proposals, open patient reports) on a listing."""
    proposals = session.execute(
        select(func.count(Revision.id)).where(
            Revision.clinic_id == clinic.id, Revision.status == Decision.PENDING
        )
    ).scalar_one()
    reports = session.execute(
        select(func.count(PatientReport.id)).where(
            PatientReport.clinic_id == clinic.id, PatientReport.status == Decision.PENDING
        )
    ).scalar_one()
    return proposals, reports


def listing_diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[snapshots.FieldChange]:
    """What a recorded decision changed on a listing, field by field (empty if not a listing)."""
    if not before or not after or "name" not in after or "name" not in before:
        return []
    return snapshots.diff(dict(before), dict(after))


def _send(session: Session, settings: Settings, to: str, subject: str, lines: list[str]) -> None:
    if to.endswith(".invalid"):
        return  # the accounts that submit imported files (RFC 2606: never deliverable)
    # The decision stands even if the mail server is down; the dashboard says the same.
    try:
        mail.send(session, settings, to, subject, "\n\n".join(lines) + "\n")
    except mail.MailError:
        log.warning("Decision mail not sent: %s", subject)


def revision_decided(
    session: Session, settings: Settings, revision: Revision, dashboard_url: str
) -> None:
    """Tell the owner who proposed a change that it was approved or rejected, and why."""
    if revision.submitter.is_admin or revision.status not in (
        Decision.APPROVED,
        Decision.REJECTED,
    ):
        return
    name = revision.clinic.display_name
    what = KIND_WORDS.get(revision.kind.value, "proposal")
    if revision.status is Decision.APPROVED:
        subject = f"Approved: your {what} for {name}"
        lines = [f"A moderator approved your {what} for {name}. The listing now shows them."]
    else:
        subject = f"Not approved: your {what} for {name}"
        lines = [f"A moderator did not approve your {what} for {name}."]
    if revision.reason:
        lines.append(f"The moderator's reason: {revision.reason}")
    lines.append(f"See all your proposals and what each one changed:\n{dashboard_url}")
    _send(session, settings, revision.submitter.email, subject, lines)


def revision_undone(
    session: Session, settings: Settings, revision: Revision, dashboard_url: str
) -> None:
    """Tell the owner that an approved change of theirs was undone, and why."""
    if revision.submitter.is_admin:
        return
    undo = undone_by(session, [revision]).get(revision.id)
    name = revision.clinic.display_name
    lines = [
        f"A moderator undid the change to {name} that was approved earlier; the listing "
        "shows what it said before that change."
    ]
    if undo is not None and undo.reason:
        lines.append(f"The moderator's reason: {undo.reason}")
    lines.append(f"Your proposals and their status:\n{dashboard_url}")
    _send(session, settings, revision.submitter.email, f"Undone: your change to {name}", lines)


def claim_decided(session: Session, settings: Settings, claim: Claim, dashboard_url: str) -> None:
    """Tell the owner whether they may now manage the listing they claimed."""
    name = claim.clinic.display_name
    if claim.status is Decision.APPROVED:
        subject = f"Approved: you now manage {name}"
        lines = [f"A moderator approved your claim. You can now propose changes to {name}."]
    else:
        subject = f"Not approved: your claim on {name}"
        lines = [f"A moderator did not approve your claim on {name}."]
    if claim.reason:
        lines.append(f"The moderator's reason: {claim.reason}")
    lines.append(f"Your listings:\n{dashboard_url}")
    _send(session, settings, claim.user.email, subject, lines)
