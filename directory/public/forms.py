"""The one form a patient fills: reporting wrong information."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from directory.models import REPORT_LABELS
from directory.validators import choice_list


class ReportForm(FlaskForm):
    """What is wrong with a listing. `website_url` is a honeypot: people never see it."""

    category = RadioField(
        lazy_gettext("What is wrong?"),
        validators=[DataRequired(lazy_gettext("Choose what is wrong."))],
        choices=choice_list([(c.value, label) for c, label in REPORT_LABELS.items()]),
    )
    note = TextAreaField(
        lazy_gettext("Details (optional)"), validators=[Optional(), Length(max=2000)]
    )
    website_url = StringField(
        lazy_gettext("Leave this empty"), validators=[Optional(), Length(max=200)]
    )
