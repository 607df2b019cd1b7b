"""Moderators' forms: decisions with reasons, listing status."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from directory.models import ClinicStatus
from directory.validators import choice_list


class ApproveForm(FlaskForm):
    """Approve, optionally over a reviewed conflict."""

    reason = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])
    override_conflict = BooleanField("I have reviewed the changes made since; apply this anyway")


class RejectForm(FlaskForm):
    """Reject, with the reason the requester will read."""

    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class StatusForm(FlaskForm):
    """Publish, unpublish or suspend a listing."""

    status = SelectField(
        "New status",
        choices=choice_list(
            [
                (ClinicStatus.PUBLISHED.value, "Published"),
                (ClinicStatus.DRAFT.value, "Unpublished (draft)"),
                (ClinicStatus.SUSPENDED.value, "Suspended"),
            ]
        ),
    )
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])
