"""Admin pages to add a clinic from its web page: read, review each fact, send to the queue."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from directory import settings
from directory.admin.ingest_forms import AddFromPageForm, SaveReviewForm
from directory.admin.views import bp
from directory.auth import admin_required
from directory.extensions import db
from directory.ingest import documents, extract, fetch, review
from directory.ingest.pages import Page
from directory.listings.taxonomy import CONDITION_NAMES, TREATMENT_NAMES
from directory.models import SourceDocument

UPLOAD_MAX_BYTES = 1024 * 1024  # the site's request limit; larger uploads get a 413 first


@bp.route("/add-from-page", methods=["GET", "POST"])
@admin_required
def add_from_page() -> str | Response | tuple[str, int]:
    """Read a clinic's page (URL or file), keep it, and go on to review what it states."""
    form = AddFromPageForm()
    if request.method == "GET":
        return render_template("admin/add_from_page.html", form=form)
    if not form.validate_on_submit():
        if not form.errors and form.csrf_token.errors:
            form.url.errors = [gettext("The form expired; try again.")]
        return render_template("admin/add_from_page.html", form=form), 400
    try:
        if form.url.data and form.url.data.strip():
            read = documents.read_url(form.url.data, fetch.limits_from(settings.current()))
        else:
            upload = form.page_file.data
            body = upload.read(UPLOAD_MAX_BYTES + 1)
            if len(body) > UPLOAD_MAX_BYTES:
                raise fetch.FetchError("The file is larger than 1 MB; it was not read.")
            read = documents.read_bytes(body, upload.filename or "page.html")
        candidate = extract.extract(read.page)
    except (fetch.FetchError, extract.NotAClinicPage) as exc:
        form.url.errors = [*form.url.errors, str(exc)]
        return render_template("admin/add_from_page.html", form=form), 400
    document = documents.store(db.session, read, current_user)
    db.session.commit()
    if candidate.warnings:
        flash(" ".join(candidate.warnings[:3]), "warning")
    return redirect(url_for("admin.review_page", document_id=document.id))


def _candidate(document: SourceDocument) -> dict[str, Any]:
    page = Page(text=document.text, content_type=document.content_type, url=document.url)
    try:
        return review.trim(extract.extract(page).as_json())
    except extract.NotAClinicPage:
        abort(404)


@bp.get("/add-from-page/<int:document_id>")
@admin_required
def review_page(document_id: int) -> str:
    """Each fact the page states beside its words, ticked, editable."""
    document = db.get_or_404(SourceDocument, document_id)
    candidate = _candidate(document)  # a 404 when the page is not about a clinic
    return render_template(
        "admin/review_page.html",
        document=document,
        c=candidate,
        form=SaveReviewForm(),
        treatment_names=TREATMENT_NAMES,
        condition_names=CONDITION_NAMES,
    )


@bp.post("/add-from-page/<int:document_id>")
@admin_required
def save_page(document_id: int) -> Response:
    """Send the ticked facts to the moderation queue (nothing is published here)."""
    document = db.get_or_404(SourceDocument, document_id)
    form = SaveReviewForm()
    back = url_for("admin.review_page", document_id=document_id)
    if not form.validate_on_submit():
        flash(gettext("The form expired; try again."), "error")
        return redirect(back)
    try:
        saved = review.save(db.session, current_user, document, request.form)
    except review.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    if saved.is_new:
        flash(f"{saved.clinic.display_name} is waiting in the queue as a new clinic.", "success")
    else:
        flash(
            f"This page matches {saved.clinic.display_name}: its facts wait in the queue as "
            "proposed changes.",
            "success",
        )
    return redirect(url_for("admin.revision", revision_id=saved.revision.id))


@bp.get("/documents/<int:document_id>")
@admin_required
def source_document(document_id: int) -> str:
    """A stored page as the extractor read it: the words its quotes cite."""
    document = db.get_or_404(SourceDocument, document_id)
    return render_template("admin/source_document.html", document=document)
