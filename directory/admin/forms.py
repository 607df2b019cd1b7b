"""Moderators' forms: decisions with reasons, listing status."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from directory.models import ClinicStatus
from directory.validators import choice_list


class ApproveForm(FlaskForm):
    """Approve, optionally over a reviewed conflict."""

    reason = TextAreaField(
        lazy_gettext("Note (optional)"), validators=[Optional(), Length(max=2000)]
    )
    override_conflict = BooleanField(
        lazy_gettext("I have reviewed the changes made since; apply this anyway")
    )


class RejectForm(FlaskForm):
    """Reject, with the reason the requester will read."""

    reason = TextAreaField(lazy_gettext("Reason"), validators=[DataRequired(), Length(max=2000)])


class StatusForm(FlaskForm):
    """Publish, unpublish or suspend a listing."""

    status = SelectField(
        lazy_gettext("New status"),
        choices=choice_list(
            [
                (ClinicStatus.PUBLISHED.value, lazy_gettext("Published")),
                (ClinicStatus.DRAFT.value, lazy_gettext("Unpublished (draft)")),
                (ClinicStatus.SUSPENDED.value, lazy_gettext("Suspended")),
            ]
        ),
    )
    reason = TextAreaField(lazy_gettext("Reason"), validators=[DataRequired(), Length(max=2000)])
