"""The accounts the directory's own importers submit through: no password, never signed in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Role, User

# "!" is no hash werkzeug produces, so no password ever matches it.
NO_PASSWORD = "!"  # noqa: S105


def system_account(session: Session, email: str) -> User:
    """The account with this (never verified) address, made on first use; flushed."""
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        user = User(email=email, password_hash=NO_PASSWORD, role=Role.OWNER)
        session.add(user)
        session.flush()
    return user
