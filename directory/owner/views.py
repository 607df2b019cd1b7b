"""Owner pages: dashboard, claims, proposals, confirmations. Thin views over moderation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from directory import settings
from directory.auth import login_required
from directory.extensions import db, limiter
from directory.listings import decisions, moderation, snapshots
from directory.models import Claim, Clinic, Revision, User
from directory.owner.forms import ActionForm, ClaimForm, ListingForm, NewClinicForm
from directory.view_helpers import listing_or_404, per_account

bp = Blueprint("owner", __name__)
T = TypeVar("T")


def _editable(slug: str) -> Clinic:
    """A clinic the signed-in account manages (admins manage all); others get 404."""
    clinic = listing_or_404(slug)
    if not (current_user.is_admin or current_user.owns(clinic)):
        abort(404)
    return clinic


def _own_revision(revision_id: int) -> Revision:
    """One of the signed-in account's own proposals; anyone else's is a 404."""
    revision = db.get_or_404(Revision, revision_id)
    if revision.submitter_id != current_user.id:
        abort(404)
    return revision


@bp.get("/")
@login_required
def dashboard() -> str:
    """The owner's clinics, claims and proposals with their status and reasons."""
    user = current_user
    claims = (
        db.session.execute(
            select(Claim).where(Claim.user_id == user.id).order_by(Claim.created_at.desc())
        )
        .scalars()
        .all()
    )
    revisions = (
        db.session.execute(
            select(Revision)
            .where(Revision.submitter_id == user.id)
            .order_by(Revision.created_at.desc())
            .limit(200)
        )
        .scalars()
        .all()
    )
    return render_template(
        "owner/dashboard.html",
        clinics=user.clinics,
        claims=claims,
        revisions=revisions,
        undone=decisions.undone_by(db.session, revisions),
        open_items={c.id: decisions.open_items(db.session, c) for c in user.clinics},
        action_form=ActionForm(),
    )


@bp.get("/revisions/<int:revision_id>")
@login_required
def proposal(revision_id: int) -> str:
    """One of the owner's own proposals: what it changed, and what became of it."""
    revision = _own_revision(revision_id)
    return render_template(
        "owner/proposal.html",
        rev=revision,
        changes=snapshots.diff(revision.base_snapshot, revision.payload),
        undo=decisions.undone_by(db.session, [revision]).get(revision.id),
    )


def _submit_limit() -> str:
    return settings.current().owner_submit_rate_limit


@bp.route("/clinics/new", methods=["GET", "POST"])
@login_required
@limiter.limit(_submit_limit, key_func=per_account, methods=["POST"])
def new_clinic() -> str | Response | tuple[str, int]:
    """Submit a clinic that is not listed yet; it waits for an admin."""
    form = NewClinicForm()
    if form.validate_on_submit():
        payload = form.payload(moderation.EMPTY_LISTING)
        try:
            moderation.submit_new_clinic(
                db.session,
                current_user,
                payload,
                form.note.data or "",
                max_pending=settings.current().owner_max_pending_new_clinics,
            )
        except moderation.ModerationError as exc:
            form.note.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                gettext("Thank you. Your clinic will appear once a moderator has checked it."),
                "success",
            )
            return redirect(url_for("owner.dashboard"))
    status = 400 if form.is_submitted() else 200
    return render_template("owner/listing_form.html", form=form, clinic=None), status


@bp.route("/clinics/<slug>/claim", methods=["GET", "POST"])
@login_required
def claim(slug: str) -> str | Response | tuple[str, int]:
    """Ask to manage an existing listing."""
    clinic = listing_or_404(slug)
    if not moderation.claimable(clinic):
        abort(404)
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            moderation.claim_listing(db.session, current_user, clinic, form.note.data)
        except moderation.ModerationError as exc:
            form.note.errors.append(str(exc))
        else:
            db.session.commit()
            flash(gettext("Your claim is waiting for a moderator."), "success")
            return redirect(url_for("owner.dashboard"))
    status = 400 if form.is_submitted() else 200
    return render_template("owner/claim.html", form=form, clinic=clinic), status


@bp.route("/clinics/<slug>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(_submit_limit, key_func=per_account, methods=["POST"])
def edit(slug: str) -> str | Response | tuple[str, int]:
    """Propose changes; the public listing stays as it is until a moderator approves."""
    clinic = _editable(slug)
    current = snapshots.snapshot(clinic)
    # A change still waiting is what the form shows: sending it again replaces it, so
    # starting from the public listing would quietly drop what was proposed.
    pending = moderation.pending_edit(db.session, current_user, clinic)
    form = ListingForm()
    form.current_location = current.get("location")
    if form.validate_on_submit():
        try:
            moderation.propose_edit(
                db.session, current_user, clinic, form.payload(current), form.note.data or ""
            )
        except moderation.ModerationError as exc:
            form.note.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                gettext(
                    "Your changes are waiting for a moderator. The listing shows the current "
                    "details until then."
                ),
                "success",
            )
            return redirect(url_for("owner.dashboard"))
    elif not form.is_submitted():
        form.fill(pending.payload if pending else current)
    status = 400 if form.is_submitted() else 200
    page = render_template("owner/listing_form.html", form=form, clinic=clinic, pending=pending)
    return page, status


@bp.post("/clinics/<slug>/confirm")
@login_required
def confirm(slug: str) -> Response:
    """One click: the listing is still correct."""
    clinic = _editable(slug)
    done = gettext("Thank you. %(name)s is marked as checked today.", name=clinic.display_name)
    return _one_click(moderation.confirm_listing, clinic, done)


@bp.post("/revisions/<int:revision_id>/withdraw")
@login_required
def withdraw(revision_id: int) -> Response:
    """Take back a pending proposal."""
    return _one_click(
        moderation.withdraw, _own_revision(revision_id), gettext("The proposal is withdrawn.")
    )


def _one_click(action: Callable[[Session, User, T], object], target: T, done: str) -> Response:
    """A dashboard button: the account's action on the target, committed with `done` said,
    or what stopped it."""
    if ActionForm().validate_on_submit():
        try:
            action(db.session, current_user, target)
        except moderation.ModerationError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(done, "success")
    return redirect(url_for("owner.dashboard"))
