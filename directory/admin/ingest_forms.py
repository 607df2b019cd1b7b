"""Moderators' forms for adding a clinic from its web page."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional


class AddFromPageForm(FlaskForm):
    """A page's address, or the page saved as a file."""

    url = StringField(lazy_gettext("Web page address"), validators=[Optional(), Length(max=2000)])
    page_file = FileField(lazy_gettext("Or upload the page (HTML or text)"))

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        """Exactly one of the address and the file."""
        if not super().validate(extra_validators):
            return False
        has_url = bool((self.url.data or "").strip())
        has_file = bool(self.page_file.data and self.page_file.data.filename)
        if has_url == has_file:
            self.url.errors = [
                *self.url.errors,
                gettext("Give a web page address or a file, not both."),
            ]
            return False
        return True


class SaveReviewForm(FlaskForm):
    """The reviewed facts (read from the form by name) and a note for the moderators."""

    note = TextAreaField(
        lazy_gettext("Note for the moderators (optional)"), validators=[Length(max=2000)]
    )
