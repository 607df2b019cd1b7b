"""Account forms; the password rules themselves live in the accounts service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from directory.validators import email_address


class RegisterForm(FlaskForm):
    """A new owner account."""

    email = StringField("E-mail", validators=[DataRequired(), Length(max=254), email_address])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )


class LoginForm(FlaskForm):
    """Sign in."""

    email = StringField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Keep me signed in on this device")


class ForgotForm(FlaskForm):
    """Ask for a password reset link."""

    email = StringField("E-mail", validators=[DataRequired(), Length(max=254), email_address])


class ResetForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )


class ChangePasswordForm(FlaskForm):
    """Change a password, knowing the current one."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    password = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )
