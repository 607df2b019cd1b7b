"""Admin pages: the queue, decisions with diffs, listing status, revisions, the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from directory import settings
from directory.admin.forms import ApproveForm, RejectForm, StatusForm
from directory.auth import admin_required
from directory.extensions import db
from directory.links import external_url, public_base
from directory.listings import decisions, moderation, related, snapshots
from directory.models import (
    AuditEvent,
    Claim,
    ClinicStatus,
    PatientReport,
    Revision,
    RevisionKind,
)
from directory.search import geocoding
from directory.search import places as geo
from directory.view_helpers import listing_or_404

bp = Blueprint("admin", __name__)
AUDIT_PER_PAGE = 50


@bp.get("/")
@admin_required
def queue() -> str:
    """Everything waiting for a decision, oldest first, with counts."""
    pages = {kind: _page_arg(f"{kind}_page") for kind in moderation.QUEUE_KINDS}
    items = moderation.queue(
        db.session,
        date.today(),
        settings.current().stale_listing_days,
        pages,
        per_page=settings.current().queue_per_page,
    )
    shown = [*items.new_clinics.items, *items.edits.items, *items.reports.items]
    return render_template(
        "admin/queue.html",
        queue=items,
        also=related.open_by_listing(db.session, (i.clinic_id for i in shown)),
        approve=ApproveForm(),
        reject=RejectForm(),
    )


@bp.get("/revisions/<int:revision_id>")
@admin_required
def revision(revision_id: int) -> str:
    """One proposal: the current listing against the proposal, field by field."""
    rev = db.get_or_404(Revision, revision_id)
    current = snapshots.snapshot(rev.clinic)
    since, overlap = moderation.changes_since(rev)
    return render_template(
        "admin/revision.html",
        rev=rev,
        changes=snapshots.diff(rev.base_snapshot, rev.payload),
        against_current=moderation.against_current(rev),
        since=snapshots.diff(rev.base_snapshot, current) if since else [],
        overlap=overlap,
        also=related.open_on_listing(db.session, rev.clinic_id).others(revision=rev),
        approve=ApproveForm(),
        reject=RejectForm(),
        conflict=bool(since),
    )


@bp.post("/revisions/<int:revision_id>/approve")
@admin_required
def approve_revision(revision_id: int) -> Response:
    """Apply a proposal; a changed listing shows the conflict instead."""
    rev = db.get_or_404(Revision, revision_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        moderation.approve_revision(
            db.session,
            current_user,
            rev,
            geocoding.current(),
            form.reason.data or "",
            override_conflict=form.override_conflict.data,
        )
    except moderation.Conflict as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.revision", revision_id=revision_id))
    except moderation.ModerationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.revision", revision_id=revision_id))
    except geo.UnknownPlace as exc:  # an address proposed before the form checked it
        db.session.rollback()
        flash(
            gettext(
                "This address cannot be placed on the map: %(reason)s Reject the proposal "
                "with a note asking for the ZIP code.",
                reason=str(exc),
            ),
            "error",
        )
        return redirect(url_for("admin.revision", revision_id=revision_id))
    decisions.revision_decided(db.session, settings.current(), rev, _dashboard())
    db.session.commit()
    if rev.kind is RevisionKind.NEW_CLINIC:
        message = gettext("Approved: %(name)s is published.", name=rev.clinic.display_name)
    else:
        message = gettext("Approved: %(name)s is updated.", name=rev.clinic.display_name)
    flash(message, "success")
    return redirect(url_for("admin.queue"))


@bp.post("/revisions/<int:revision_id>/reject")
@admin_required
def reject_revision(revision_id: int) -> Response:
    """Refuse a proposal with a reason."""
    rev = db.get_or_404(Revision, revision_id)

    def reject(reason: str) -> None:
        moderation.reject_revision(db.session, current_user, rev, reason)
        decisions.revision_decided(db.session, settings.current(), rev, _dashboard())

    return _decide(
        RejectForm(),
        reject,
        gettext("Rejected."),
        url_for("admin.revision", revision_id=revision_id),
    )


@bp.post("/revisions/<int:revision_id>/revert")
@admin_required
def revert(revision_id: int) -> Response:
    """Undo an approved change (recorded as a decision of its own)."""
    rev = db.get_or_404(Revision, revision_id)
    geocoder = geocoding.current()

    def undo(reason: str) -> None:
        moderation.revert(db.session, current_user, rev, geocoder, reason)
        decisions.revision_undone(db.session, settings.current(), rev, _dashboard())

    return _decide(
        RejectForm(),
        undo,
        gettext("The listing is restored."),
        url_for("admin.clinic", slug=rev.clinic.slug),
    )


@bp.post("/claims/<int:claim_id>/<any(approve, reject):decision>")
@admin_required
def decide_claim(claim_id: int, decision: str) -> Response:
    """Approve or reject a claim."""
    claim = db.get_or_404(Claim, claim_id)
    form = ApproveForm() if decision == "approve" else RejectForm()

    def decide(reason: str) -> None:
        moderation.decide_claim(db.session, current_user, claim, decision == "approve", reason)
        decisions.claim_decided(db.session, settings.current(), claim, _dashboard())

    return _decide(
        form,
        decide,
        gettext("Claim approved.") if decision == "approve" else gettext("Claim rejected."),
        url_for("admin.queue"),
    )


@bp.get("/reports/<int:report_id>")
@admin_required
def report(report_id: int) -> str:
    """One patient report, with whatever else is open on the same listing."""
    item = db.get_or_404(PatientReport, report_id)
    return render_template(
        "admin/report.html",
        item=item,
        also=related.open_on_listing(db.session, item.clinic_id).others(report=item),
        reject=RejectForm(),
    )


@bp.post("/reports/<int:report_id>/<any(resolve, dismiss):decision>")
@admin_required
def decide_report(report_id: int, decision: str) -> Response:
    """Close a patient report."""
    item = db.get_or_404(PatientReport, report_id)
    return _decide(
        RejectForm(),
        lambda reason: moderation.decide_report(
            db.session, current_user, item, decision == "resolve", reason
        ),
        gettext("Report closed."),
        url_for("admin.queue"),
    )


@bp.get("/clinics/<slug>")
@admin_required
def clinic(slug: str) -> str:
    """A listing's status, its whole revision history, and the actions on it."""
    found = listing_or_404(slug)
    revisions = (
        db.session.execute(
            select(Revision)
            .where(Revision.clinic_id == found.id)
            .order_by(Revision.created_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "admin/clinic.html",
        clinic=found,
        revisions=revisions,
        undone=decisions.undone_by(db.session, revisions),
        status_form=StatusForm(),
        revert_form=RejectForm(),
    )


@bp.post("/clinics/<slug>/status")
@admin_required
def set_status(slug: str) -> Response:
    """Publish, unpublish or suspend."""
    found = listing_or_404(slug)
    form = StatusForm()
    return _decide(
        form,
        lambda reason: moderation.set_status(
            db.session, current_user, found, ClinicStatus(form.status.data), reason
        ),
        gettext("Status changed."),
        url_for("admin.clinic", slug=found.slug),
    )


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    """Every decision and admin sign-in, newest first."""
    page = db.paginate(
        select(AuditEvent).order_by(AuditEvent.id.desc()),
        page=_page_arg("page"),
        per_page=AUDIT_PER_PAGE,
        max_per_page=AUDIT_PER_PAGE,
        error_out=False,
    )
    return render_template("admin/audit.html", page=page, listing_diff=decisions.listing_diff)


def _dashboard() -> str:
    """The owner's dashboard, as mail about a decision links to it."""
    return external_url("owner.dashboard")


def _decide(form: FlaskForm, action: Callable[[str], object], done: str, back: str) -> Response:
    """Validate a decision form, run the decision, commit once, say what happened."""
    if not form.validate_on_submit():
        flash(
            gettext("Give a reason: the owner will see it.")
            if "reason" in form.errors
            else gettext("The form expired; try again."),
            "error",
        )
        return redirect(request.referrer if _local(request.referrer) else back)
    try:
        action(form.reason.data or "")
    except moderation.ModerationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash(done, "success")
    return redirect(back)


def _page_arg(name: str) -> int:
    """A page number from the query string (default 1); anything else is a 400."""
    text = request.args.get(name, "1")
    if not (text.isascii() and text.isdigit() and len(text) <= 6 and int(text) >= 1):
        abort(400)
    return int(text)


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith(public_base() + "/")  # type: ignore[union-attr]


# Routes for adding clinics from pages and files live in their own modules, on this blueprint.
from directory.admin import import_views, ingest_views  # noqa: E402, F401
