"""Accounts: registration, e-mail verification, sign-in with lockout, password changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from directory.models import Role, User, new_session_token, utcnow
from directory.services import audit, mail

# Checked against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


class AccountError(ValueError):
    """A request about an account that cannot be granted; the message is safe to show."""


SIGN_IN_REFUSED = (
    "E-mail or password is incorrect. After several failed attempts sign-in pauses for a "
    "while; you can reset your password at any time."
)


class InvalidCredentials(AccountError):
    """Wrong e-mail or password, or a paused account; deliberately does not say which.

    A locked account answers exactly like an unknown e-mail, so the lockout cannot be
    used to find out who has an account.
    """


class WrongPassword(AccountError):
    """The current password given to confirm a change is wrong."""


class AccountLocked(InvalidCredentials):
    """Too many failed attempts; try again later."""


def normalise_email(email: str) -> str:
    """Trim and lower-case an e-mail address."""
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    """The account with this e-mail, if any."""
    return session.execute(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).scalar_one_or_none()


def check_password_rules(password: str, settings: Mapping[str, Any]) -> None:
    """Length rules: long passphrases welcome."""
    low, high = int(settings["PASSWORD_MIN_LENGTH"]), int(settings["PASSWORD_MAX_LENGTH"])
    if len(password) < low:
        raise AccountError(f"Use at least {low} characters; a few words make a good password.")
    if len(password) > high:
        raise AccountError(f"Use at most {high} characters.")


def register(
    session: Session, email: str, password: str, settings: Mapping[str, Any], verify_url: Any
) -> User | None:
    """Create an unverified owner account and mail a verification link.

    For an e-mail already registered nothing is created, and the existing owner is
    told by mail instead, so the form does not reveal who has an account.
    """
    check_password_rules(password, settings)
    existing = find_by_email(session, email)
    if existing is not None:
        mail.send(
            session,
            settings,
            existing.email,
            "Someone tried to register your e-mail",
            "An account already exists for this address. If this was you, sign in or "
            "reset your password.",
        )
        return None
    user = User(
        email=normalise_email(email),
        password_hash=generate_password_hash(password),
        role=Role.OWNER,
    )
    session.add(user)
    session.flush()
    token = make_token(settings, "verify", {"id": user.id, "email": user.email})
    mail.send(
        session,
        settings,
        user.email,
        "Confirm your e-mail address",
        f"Confirm your address to finish creating your account:\n{verify_url(token)}\n\n"
        "The link works for 24 hours.",
    )
    return user


def _serializer(settings: Mapping[str, Any], purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(settings["SECRET_KEY"]), salt=f"directory-{purpose}")


def make_token(settings: Mapping[str, Any], purpose: str, data: dict[str, Any]) -> str:
    """A signed, timestamped token for one purpose."""
    return _serializer(settings, purpose).dumps(data)


def read_token(settings: Mapping[str, Any], purpose: str, token: str) -> dict[str, Any]:
    """The data in a token, or AccountError if it is forged or expired."""
    try:
        data = _serializer(settings, purpose).loads(
            token, max_age=int(settings["TOKEN_MAX_AGE_SECONDS"])
        )
    except SignatureExpired as exc:
        raise AccountError("This link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise AccountError("This link is not valid.") from exc
    if not isinstance(data, dict):
        raise AccountError("This link is not valid.")
    return data


def verify_email(session: Session, settings: Mapping[str, Any], token: str) -> User:
    """Mark the account's e-mail verified."""
    data = read_token(settings, "verify", token)
    user = session.get(User, data.get("id"))
    if user is None or user.email != data.get("email"):
        raise AccountError("This link is not valid.")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    session.flush()
    return user


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # SQLite hands back naive times
    return moment


def authenticate(session: Session, email: str, password: str, settings: Mapping[str, Any]) -> User:
    """The account for these credentials; the same error for an unknown e-mail or a bad password.

    After LOCKOUT_AFTER_FAILURES failures in a row the account is locked for a while,
    doubling with each further failure.
    """
    user = find_by_email(session, email)
    now = utcnow()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise InvalidCredentials(SIGN_IN_REFUSED)
    locked_until = _aware(user.locked_until)
    if locked_until and locked_until > now:
        check_password_hash(_DUMMY_HASH, password)
        raise AccountLocked(SIGN_IN_REFUSED)
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        limit = int(settings["LOCKOUT_AFTER_FAILURES"])
        if user.failed_logins >= limit:
            extra = user.failed_logins - limit
            minutes = int(settings["LOCKOUT_MINUTES"]) * (2 ** min(extra, 6))
            user.locked_until = now + timedelta(minutes=minutes)
        session.flush()
        raise InvalidCredentials(SIGN_IN_REFUSED)
    if user.email_verified_at is None:
        raise AccountError("Confirm your e-mail address first: follow the link we sent you.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if user.is_admin:
        audit.record(session, user, "admin.sign_in", "user", user.id, f"{user.email} signed in")
    session.flush()
    return user


def request_password_reset(
    session: Session, email: str, settings: Mapping[str, Any], reset_url: Any
) -> None:
    """Mail a reset link if the account exists; say nothing either way."""
    user = find_by_email(session, email)
    if user is None:
        return
    # The token names the current password hash, so it dies once the password changes.
    token = make_token(settings, "reset", {"id": user.id, "pw": user.password_hash[-16:]})
    mail.send(
        session,
        settings,
        user.email,
        "Reset your password",
        f"Choose a new password here:\n{reset_url(token)}\n\nThe link works once, "
        "for 24 hours. If you did not ask for it, ignore this message.",
    )


def reset_password(
    session: Session, settings: Mapping[str, Any], token: str, new_password: str
) -> User:
    """Set a new password from a reset link; the link cannot be used again."""
    data = read_token(settings, "reset", token)
    user = session.get(User, data.get("id"))
    if user is None or user.password_hash[-16:] != data.get("pw"):
        raise AccountError("This link has already been used or is not valid.")
    _set_password(user, new_password, settings)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link proves the address
    session.flush()
    return user


def change_password(
    session: Session, user: User, old: str, new: str, settings: Mapping[str, Any]
) -> None:
    """Change a password, given the current one."""
    if not check_password_hash(user.password_hash, old):
        raise WrongPassword("Your current password is not right.")
    _set_password(user, new, settings)
    session.flush()


def _set_password(user: User, password: str, settings: Mapping[str, Any]) -> None:
    check_password_rules(password, settings)
    user.password_hash = generate_password_hash(password)
    user.session_token = new_session_token()  # other sessions end
    user.failed_logins = 0
    user.locked_until = None


def sign_out_everywhere(session: Session, user: User) -> None:
    """Invalidate every session of the account."""
    user.session_token = new_session_token()
    session.flush()


def create_admin(session: Session, email: str, password: str, settings: Mapping[str, Any]) -> User:
    """Create a verified admin, or promote and re-password an existing account."""
    check_password_rules(password, settings)
    user = find_by_email(session, email) or User(email=normalise_email(email), password_hash="")
    user.role = Role.ADMIN
    user.password_hash = generate_password_hash(password)
    user.email_verified_at = user.email_verified_at or utcnow()
    user.session_token = new_session_token()
    session.add(user)
    session.flush()
    audit.record(session, None, "admin.created", "user", user.id, f"{user.email} made an admin")
    return user


def load_user(session: Session, session_token: str) -> User | None:
    """The account for a session token (Flask-Login's user loader)."""
    if not session_token or len(session_token) > 64:
        return None
    return session.execute(
        select(User).where(User.session_token == session_token)
    ).scalar_one_or_none()
