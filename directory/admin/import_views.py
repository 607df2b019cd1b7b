"""Admin pages for bulk files: upload, dry-run report, confirm; possible duplicates."""

from __future__ import annotations

import io
import secrets

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from directory.admin.import_forms import ConfirmForm, DuplicateForm, PairForm, UploadForm
from directory.admin.views import bp
from directory.auth import admin_required
from directory.extensions import db
from directory.ingest import bulk, dedupe, imports
from directory.listings import moderation
from directory.models import Clinic, ImportUpload, PossibleDuplicate, utcnow

# About 3,000 CSV rows: the dry run and the import each finish well within a worker's
# 30 s timeout. Larger files go through the import-listings command.
UPLOAD_LIMIT = 512 * 1024
SHOWN_ROWS = 200


@bp.get("/imports")
@admin_required
def import_form() -> str:
    """Upload a bulk file; the columns and the template are described here."""
    return render_template(
        "admin/imports.html", form=UploadForm(), columns=bulk.CSV_COLUMNS, limit=UPLOAD_LIMIT
    )


@bp.get("/imports/template.csv")
@admin_required
def import_template() -> FlaskResponse:
    """The CSV template with its documented columns and one fictional row."""
    return FlaskResponse(
        bulk.csv_template(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="listings-template.csv"'},
    )


@bp.post("/imports")
@admin_required
def import_check() -> tuple[str, int] | str:
    """Dry run: what the file would do, with a button to confirm. Nothing is written yet."""
    request.max_content_length = UPLOAD_LIMIT + 64 * 1024
    form = UploadForm()

    def again(message: str) -> tuple[str, int]:
        flash(message, "error")
        return (
            render_template(
                "admin/imports.html", form=form, columns=bulk.CSV_COLUMNS, limit=UPLOAD_LIMIT
            ),
            400,
        )

    if not form.validate_on_submit():
        return again(
            "; ".join(str(e) for errors in form.errors.values() for e in errors)
            if "csrf_token" not in form.errors
            else gettext("The form expired; try again.")
        )
    upload = form.file.data
    content = upload.read(UPLOAD_LIMIT + 1)
    if len(content) > UPLOAD_LIMIT:
        return again(
            gettext(
                "The file is larger than %(limit)s KB; "
                "import it with flask --app directory import-listings.",
                limit=UPLOAD_LIMIT // 1024,
            )
        )
    filename = (upload.filename or "upload.csv").rsplit("/", 1)[-1][:200]
    try:
        report = imports.import_file(
            db.session,
            lambda: io.BytesIO(content),
            filename,
            imports.WriteOptions(
                publish=form.publish.data, actor=current_user, keep_outcomes=SHOWN_ROWS
            ),
            skip_invalid=form.skip_invalid.data,
        )
    except bulk.BulkFileError as exc:
        db.session.rollback()
        return again(str(exc))
    db.session.rollback()  # a dry run: nothing of the import stays
    token = None
    if report.written:
        token = secrets.token_urlsafe(24)
        db.session.add(
            ImportUpload(
                token=token,
                filename=filename,
                content=content,
                publish=form.publish.data,
                skip_invalid=form.skip_invalid.data,
                uploaded_by=current_user.id,
            )
        )
        db.session.commit()
    return render_template(
        "admin/import_report.html",
        report=report,
        filename=filename,
        token=token,
        publish=form.publish.data,
        confirm=ConfirmForm(),
    )


@bp.post("/imports/<upload_token>/confirm")
@admin_required
def import_confirm(upload_token: str) -> Response:
    """Import a checked upload for real."""
    if not ConfirmForm().validate_on_submit():
        flash(gettext("The form expired; upload the file again."), "error")
        return redirect(url_for("admin.import_form"))
    upload = db.session.execute(
        select(ImportUpload).where(ImportUpload.token == upload_token[:64])
    ).scalar_one_or_none()
    if upload is None or upload.imported_at is not None:
        flash(
            gettext("That upload is unknown or was already imported; upload the file again."),
            "error",
        )
        return redirect(url_for("admin.import_form"))
    content = upload.content
    try:
        report = imports.import_file(
            db.session,
            lambda: io.BytesIO(content),
            upload.filename,
            imports.WriteOptions(publish=upload.publish, actor=current_user),
            skip_invalid=upload.skip_invalid,
        )
    except bulk.BulkFileError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.import_form"))
    if not report.written:
        db.session.rollback()
        flash(
            gettext("Nothing was imported: %(count)s invalid rows.", count=report.invalid), "error"
        )
        return redirect(url_for("admin.import_form"))
    upload.imported_at = utcnow()
    db.session.commit()
    flash(f"Imported {report.summary()}.", "success")
    return redirect(url_for("admin.duplicates" if report.duplicates else "admin.queue"))


@bp.get("/duplicates")
@admin_required
def duplicates() -> str:
    """Imported rows that look like existing listings, and look-alike published listings."""
    pairs, pair_count = dedupe.published_pairs(db.session)
    return render_template(
        "admin/duplicates.html",
        candidates=dedupe.pending_candidates(db.session),
        pairs=pairs,
        pair_count=pair_count,
        form=DuplicateForm(),
        pair_form=PairForm(),
    )


@bp.post("/duplicates/<int:duplicate_id>/<any(merge, keep):decision>")
@admin_required
def decide_duplicate(duplicate_id: int, decision: str) -> Response:
    """Merge an imported row into the listing it resembles, or keep it as its own listing."""
    item = db.get_or_404(PossibleDuplicate, duplicate_id)
    if not DuplicateForm().validate_on_submit():
        flash(gettext("The form expired; try again."), "error")
        return redirect(url_for("admin.duplicates"))
    try:
        target = imports.decide_candidate(db.session, current_user, item, decision == "merge")
    except (imports.DuplicateDecisionError, moderation.ModerationError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.duplicates"))
    db.session.commit()
    if decision == "merge":
        flash(
            gettext(
                "Merged into %(name)s; its changes wait in the queue.", name=target.display_name
            ),
            "success",
        )
    else:
        flash(
            gettext("Kept apart: %(name)s is a listing of its own.", name=target.display_name),
            "success",
        )
    return redirect(url_for("admin.duplicates"))


@bp.post("/duplicates/pair/<any(merge, keep):decision>")
@admin_required
def decide_pair(decision: str) -> Response:
    """Two published listings: merge the second into the first, or keep both."""
    form = PairForm()
    if not form.validate_on_submit():
        flash(gettext("Choose two listings from the list."), "error")
        return redirect(url_for("admin.duplicates"))
    first = db.session.get(Clinic, int(form.first.data))
    second = db.session.get(Clinic, int(form.second.data))
    if first is None or second is None:
        abort(404)
    try:
        imports.decide_pair(
            db.session, current_user, first, second, decision == "merge", form.reason.data or ""
        )
    except (imports.DuplicateDecisionError, moderation.ModerationError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.duplicates"))
    db.session.commit()
    flash(gettext("Merged.") if decision == "merge" else gettext("Kept apart."), "success")
    return redirect(url_for("admin.duplicates"))
