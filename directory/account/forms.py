"""Account forms; the password rules themselves live in the accounts service."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from directory.validators import email_address


class RegisterForm(FlaskForm):
    """A new owner account."""

    email = StringField(
        lazy_gettext("E-mail"), validators=[DataRequired(), Length(max=254), email_address]
    )
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        lazy_gettext("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", lazy_gettext("The passwords differ."))],
    )


class LoginForm(FlaskForm):
    """Sign in."""

    email = StringField(lazy_gettext("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(lazy_gettext("Keep me signed in on this device"))


class ForgotForm(FlaskForm):
    """Ask for a password reset link."""

    email = StringField(
        lazy_gettext("E-mail"), validators=[DataRequired(), Length(max=254), email_address]
    )


class ResetForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField(
        lazy_gettext("New password"), validators=[DataRequired(), Length(max=256)]
    )
    confirm = PasswordField(
        lazy_gettext("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", lazy_gettext("The passwords differ."))],
    )


class ChangePasswordForm(FlaskForm):
    """Change a password, knowing the current one."""

    current = PasswordField(
        lazy_gettext("Current password"), validators=[DataRequired(), Length(max=256)]
    )
    password = PasswordField(
        lazy_gettext("New password"), validators=[DataRequired(), Length(max=256)]
    )
    confirm = PasswordField(
        lazy_gettext("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", lazy_gettext("The passwords differ."))],
    )
