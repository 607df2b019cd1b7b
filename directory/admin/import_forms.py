"""Moderators' forms for bulk imports and possible duplicates."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class UploadForm(FlaskForm):
    """A CSV or HSDS JSON file to check (nothing is written until it is confirmed)."""

    file = FileField(
        lazy_gettext("CSV or HSDS JSON file"),
        validators=[FileRequired(lazy_gettext("Choose a file."))],
    )
    publish = BooleanField(
        lazy_gettext("Publish new listings at once (otherwise they wait in the queue)")
    )
    skip_invalid = BooleanField(lazy_gettext("Import the valid rows even if some rows are invalid"))


class ConfirmForm(FlaskForm):
    """Confirm a checked upload."""


class DuplicateForm(FlaskForm):
    """Merge or keep apart; the note is optional."""

    reason = TextAreaField(
        lazy_gettext("Note (optional)"), validators=[Optional(), Length(max=200)]
    )


class PairForm(FlaskForm):
    """Two published listings that may be one clinic."""

    first = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,12}$")])
    second = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,12}$")])
    reason = TextAreaField(
        lazy_gettext("Note (optional)"), validators=[Optional(), Length(max=200)]
    )
