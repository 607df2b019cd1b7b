"""Accounts: registration, e-mail verification, sign-in with lockout, password changes."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from directory.accounts import mail
from directory.i18n import N_
from directory.listings import audit
from directory.models import PendingRegistration, Role, User, new_session_token, utcnow
from directory.settings import Settings

# Checked against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


class AccountError(ValueError):
    """A request about an account that cannot be granted; the message is safe to show."""


SIGN_IN_REFUSED = N_(
    "E-mail or password is incorrect. If you have just registered, follow the link in the "
    "confirmation e-mail first. After several failed attempts sign-in pauses for a while; "
    "you can reset your password at any time."
)
DEVICE_MAX_AGE_SECONDS = 60 * 60 * 24 * 90


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
    """Trim, fold compatibility characters (NFKC) and lower-case an e-mail address."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    """The account with this e-mail, if any."""
    return session.execute(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).scalar_one_or_none()


# zxcvbn's estimate of how many guesses a password takes, from 0 (instant) to 4; 3 resists
# an offline attack on a leaked hash for a long time.
MIN_PASSWORD_SCORE = 3
_SCORED_PREFIX = 72  # zxcvbn refuses longer input; a long prefix says enough


def check_password_rules(password: str, settings: Settings, related: tuple[str, ...] = ()) -> None:
    """Length rules, and no common or guessable passwords; long passphrases welcome.

    `related` are words an attacker would try first (the e-mail, the site's name).
    """
    low, high = settings.password_min_length, settings.password_max_length
    if len(password) < low:
        raise AccountError(
            gettext(
                "Use at least %(count)s characters; a few words make a good password.", count=low
            )
        )
    if len(password) > high:
        raise AccountError(gettext("Use at most %(count)s characters.", count=high))
    words = [w for text in (*related, settings.site_name) for w in _words(text)]
    estimate = zxcvbn(password[:_SCORED_PREFIX], user_inputs=words)
    if estimate["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(
            gettext(
                "This password is too easy to guess (it is common, repeats itself, or uses "
                "your e-mail). Try a few unrelated words, such as 'copper lantern orbit meadow'."
            )
        )


def _words(text: str) -> list[str]:
    """The text itself and its words, as an attacker's first guesses."""
    return [text.lower(), *(w for w in re.split(r"[^\w]+", text.lower()) if len(w) > 2)]


def register(
    session: Session, email: str, password: str, settings: Settings, verify_url: Any
) -> PendingRegistration | None:
    """Keep a sign-up aside and mail a link that turns it into an account.

    No account exists until the link is followed. For an e-mail already registered
    nothing is kept, and the existing owner is told by mail instead. Both paths hash
    the password and send one message, so neither the answer nor its timing reveals who
    has an account.
    """
    email = normalise_email(email)
    check_password_rules(password, settings, related=(email,))
    password_hash = generate_password_hash(password)
    _forget_old_registrations(session, settings)
    existing = find_by_email(session, email)
    if existing is not None:
        mail.send(
            session,
            settings,
            existing.email,
            gettext("Someone tried to register your e-mail"),
            gettext(
                "An account already exists for this address. If this was you, sign in or "
                "reset your password."
            ),
        )
        return None
    pending = PendingRegistration(email=email, password_hash=password_hash)
    session.add(pending)
    session.flush()
    token = make_token(settings, "verify", {"registration": pending.id, "email": email})
    mail.send(
        session,
        settings,
        email,
        gettext("Confirm your e-mail address"),
        gettext(
            "Confirm your address to finish creating your account:\n%(link)s\n\n"
            "The link works for 24 hours. If you did not ask for an account, ignore this "
            "message: nothing is created without it.",
            link=verify_url(token),
        ),
    )
    return pending


def _forget_old_registrations(session: Session, settings: Settings) -> None:
    cutoff = utcnow() - timedelta(seconds=settings.token_max_age_seconds)
    session.execute(delete(PendingRegistration).where(PendingRegistration.created_at < cutoff))


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=f"directory-{purpose}")


def make_token(settings: Settings, purpose: str, data: dict[str, Any]) -> str:
    """A signed, timestamped token for one purpose."""
    return _serializer(settings, purpose).dumps(data)


def read_token(
    settings: Settings, purpose: str, token: str, max_age: int | None = None
) -> dict[str, Any]:
    """The data in a token, or AccountError if it is forged or expired."""
    try:
        data = _serializer(settings, purpose).loads(
            token, max_age=max_age or settings.token_max_age_seconds
        )
    except SignatureExpired as exc:
        raise AccountError(gettext("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise AccountError(gettext("This link is not valid.")) from exc
    if not isinstance(data, dict):
        raise AccountError(gettext("This link is not valid."))
    return data


def verify_email(session: Session, settings: Settings, token: str) -> User:
    """Create the account a confirmed sign-up asked for (or mark an older unverified
    account verified)."""
    data = read_token(settings, "verify", token)
    if "registration" in data:
        return _complete_registration(session, data)
    user = session.get(User, data.get("id"))
    if user is None or user.email != data.get("email"):
        raise AccountError(gettext("This link is not valid."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    session.flush()
    return user


def _complete_registration(session: Session, data: dict[str, Any]) -> User:
    pending = session.get(PendingRegistration, data.get("registration"))
    existing = find_by_email(session, str(data.get("email", "")))
    if existing is not None and existing.email_verified_at is not None:
        raise AccountError(
            gettext("This address is already confirmed. Sign in, or reset your password.")
        )
    if pending is None or pending.email != data.get("email"):
        raise AccountError(gettext("This link has already been used or is not valid."))
    user = existing or User(email=pending.email, role=Role.OWNER, password_hash="")
    user.password_hash = pending.password_hash
    user.email_verified_at = utcnow()
    user.session_token = new_session_token()
    session.add(user)
    # Every other sign-up for the address dies with this one.
    session.execute(delete(PendingRegistration).where(PendingRegistration.email == pending.email))
    session.flush()
    return user


def device_token(settings: Settings, user: User) -> str:
    """A signed note that this browser has signed in to the account before."""
    return make_token(settings, "device", {"id": user.id})


def device_user_id(settings: Settings, token: str | None) -> int | None:
    """The account a device note names, if it is genuine and recent."""
    if not token or len(token) > 500:
        return None
    try:
        data = read_token(settings, "device", token, max_age=DEVICE_MAX_AGE_SECONDS)
    except AccountError:
        return None
    user_id = data.get("id")
    return user_id if isinstance(user_id, int) else None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # SQLite hands back naive times
    return moment


def authenticate(
    session: Session,
    email: str,
    password: str,
    settings: Settings,
    known_device_user: int | None = None,
) -> User:
    """The account for these credentials; the same error for an unknown e-mail or a bad password.

    After LOCKOUT_AFTER_FAILURES failures in a row the account is locked for a while,
    doubling with each further failure. The lock holds back strangers only: a browser
    that signed in to the account before (`known_device_user`) may still sign in with
    the right password, so nobody can lock a real owner out by guessing on purpose.
    """
    user = find_by_email(session, email)
    now = utcnow()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise InvalidCredentials(gettext(SIGN_IN_REFUSED))
    locked_until = _aware(user.locked_until)
    if locked_until and locked_until > now and known_device_user != user.id:
        check_password_hash(_DUMMY_HASH, password)
        raise AccountLocked(gettext(SIGN_IN_REFUSED))
    if not check_password_hash(user.password_hash, password):
        if locked_until and locked_until > now:
            raise AccountLocked(gettext(SIGN_IN_REFUSED))  # a known device guessing: no longer lock
        user.failed_logins += 1
        limit = settings.lockout_after_failures
        if user.failed_logins >= limit:
            extra = user.failed_logins - limit
            minutes = settings.lockout_minutes * (2 ** min(extra, 6))
            user.locked_until = now + timedelta(minutes=minutes)
        session.flush()
        raise InvalidCredentials(gettext(SIGN_IN_REFUSED))
    if user.email_verified_at is None:
        raise AccountError(
            gettext("Confirm your e-mail address first: follow the link we sent you.")
        )
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if user.is_admin:
        audit.record(session, user, "admin.sign_in", "user", user.id, f"{user.email} signed in")
    session.flush()
    return user


def request_password_reset(
    session: Session, email: str, settings: Settings, reset_url: Any
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
        gettext("Reset your password"),
        gettext(
            "Choose a new password here:\n%(link)s\n\nThe link works once, "
            "for 24 hours. If you did not ask for it, ignore this message.",
            link=reset_url(token),
        ),
    )


def reset_password(session: Session, settings: Settings, token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link cannot be used again."""
    data = read_token(settings, "reset", token)
    user = session.get(User, data.get("id"))
    if user is None or user.password_hash[-16:] != data.get("pw"):
        raise AccountError(gettext("This link has already been used or is not valid."))
    _set_password(user, new_password, settings)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link proves the address
    session.flush()
    _tell_password_changed(session, settings, user)
    return user


def change_password(session: Session, user: User, old: str, new: str, settings: Settings) -> None:
    """Change a password, given the current one."""
    if not check_password_hash(user.password_hash, old):
        raise WrongPassword(gettext("Your current password is not right."))
    _set_password(user, new, settings)
    session.flush()
    _tell_password_changed(session, settings, user)


def _tell_password_changed(session: Session, settings: Settings, user: User) -> None:
    """Tell the owner, so a change they did not make does not go unnoticed."""
    mail.send(
        session,
        settings,
        user.email,
        gettext("Your password was changed"),
        gettext(
            "The password of your account was just changed, and every other session was "
            "signed out.\n\nIf you did not do this, reset your password now from the sign-in "
            "page and tell the moderators by replying to this message."
        ),
    )


def _set_password(user: User, password: str, settings: Settings) -> None:
    check_password_rules(password, settings, related=(user.email,))
    user.password_hash = generate_password_hash(password)
    user.session_token = new_session_token()  # other sessions end
    user.failed_logins = 0
    user.locked_until = None


def sign_out_everywhere(session: Session, user: User) -> None:
    """Invalidate every session of the account."""
    user.session_token = new_session_token()
    session.flush()


def create_admin(session: Session, email: str, password: str, settings: Settings) -> User:
    """Create a verified admin, or promote and re-password an existing account."""
    check_password_rules(password, settings, related=(email,))
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
