"""The one form a patient fills: reporting wrong information."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from directory.models import REPORT_LABELS
from directory.validators import choice_list


class ReportForm(FlaskForm):
    """What is wrong with a listing. `website_url` is a honeypot: people never see it."""

    category = RadioField(
        "What is wrong?",
        validators=[DataRequired("Choose what is wrong.")],
        choices=choice_list([(c.value, label) for c, label in REPORT_LABELS.items()]),
    )
    note = TextAreaField("Details (optional)", validators=[Optional(), Length(max=2000)])
    website_url = StringField("Leave this empty", validators=[Optional(), Length(max=200)])
