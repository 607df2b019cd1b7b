"""What owners learn of moderators' decisions: mail per decision, undone changes, open items."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.accounts import mail
from directory.listings import snapshots
from directory.models import Claim, Clinic, Decision, PatientReport, Revision, RevisionKind
from directory.settings import Settings

log = logging.getLogger(__name__)

UNDO_NOTE = "Undo of change {}"  # the note moderation.revert gives the restoring revision

# Decision mail goes out in both of the site's languages.
MAIL_LOCALES = ("en_US", "es_US")


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


def _send(
    session: Session, settings: Settings, to: str, compose: Callable[[], tuple[str, list[str]]]
) -> None:
    """Mail a decision in English and in Spanish: an account does not say which it reads."""
    if to.endswith(".invalid"):
        return  # the accounts that submit imported files (RFC 2606: never deliverable)
    versions = []
    for locale in MAIL_LOCALES:
        with force_locale(locale):
            subject, lines = compose()
        versions.append((subject, "\n\n".join(lines)))
    (english_subject, english), (spanish_subject, spanish) = versions
    body = f"{english}\n\n-- En español --\n\n{spanish}\n"
    # The decision stands even if the mail server is down; the dashboard says the same.
    try:
        mail.send(session, settings, to, f"{english_subject} / {spanish_subject}", body)
    except mail.MailError:
        log.warning("Decision mail not sent: %s", english_subject)


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
    approved = revision.status is Decision.APPROVED

    def compose() -> tuple[str, list[str]]:
        if revision.kind is RevisionKind.NEW_CLINIC and approved:
            subject = gettext("Approved: your new listing for %(name)s", name=name)
            lines = [gettext("A moderator approved your new listing for %(name)s.", name=name)]
        elif revision.kind is RevisionKind.NEW_CLINIC:
            subject = gettext("Not approved: your new listing for %(name)s", name=name)
            lines = [
                gettext("A moderator did not approve your new listing for %(name)s.", name=name)
            ]
        elif approved:
            subject = gettext("Approved: your proposed changes for %(name)s", name=name)
            lines = [
                gettext(
                    "A moderator approved your proposed changes for %(name)s. "
                    "The listing now shows them.",
                    name=name,
                )
            ]
        else:
            subject = gettext("Not approved: your proposed changes for %(name)s", name=name)
            lines = [
                gettext(
                    "A moderator did not approve your proposed changes for %(name)s.", name=name
                )
            ]
        if revision.reason:
            lines.append(gettext("The moderator's reason: %(reason)s", reason=revision.reason))
        lines.append(
            gettext("See all your proposals and what each one changed:") + f"\n{dashboard_url}"
        )
        return subject, lines

    _send(session, settings, revision.submitter.email, compose)


def revision_undone(
    session: Session, settings: Settings, revision: Revision, dashboard_url: str
) -> None:
    """Tell the owner that an approved change of theirs was undone, and why."""
    if revision.submitter.is_admin:
        return
    undo = undone_by(session, [revision]).get(revision.id)
    name = revision.clinic.display_name

    def compose() -> tuple[str, list[str]]:
        lines = [
            gettext(
                "A moderator undid the change to %(name)s that was approved earlier; the "
                "listing shows what it said before that change.",
                name=name,
            )
        ]
        if undo is not None and undo.reason:
            lines.append(gettext("The moderator's reason: %(reason)s", reason=undo.reason))
        lines.append(gettext("Your proposals and their status:") + f"\n{dashboard_url}")
        return gettext("Undone: your change to %(name)s", name=name), lines

    _send(session, settings, revision.submitter.email, compose)


def claim_decided(session: Session, settings: Settings, claim: Claim, dashboard_url: str) -> None:
    """Tell the owner whether they may now manage the listing they claimed."""
    name = claim.clinic.display_name

    def compose() -> tuple[str, list[str]]:
        if claim.status is Decision.APPROVED:
            subject = gettext("Approved: you now manage %(name)s", name=name)
            lines = [
                gettext(
                    "A moderator approved your claim. You can now propose changes to %(name)s.",
                    name=name,
                )
            ]
        else:
            subject = gettext("Not approved: your claim on %(name)s", name=name)
            lines = [gettext("A moderator did not approve your claim on %(name)s.", name=name)]
        if claim.reason:
            lines.append(gettext("The moderator's reason: %(reason)s", reason=claim.reason))
        lines.append(gettext("Your listings:") + f"\n{dashboard_url}")
        return subject, lines

    _send(session, settings, claim.user.email, compose)
