"""People with accounts: clinic owners and admins, and which clinics an owner runs."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models.base import Base, CreatedAt, IntPk, str_enum
from directory.models.clinic import Clinic

clinic_owners = Table(
    "clinic_owners",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("clinic_id", ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Role(enum.StrEnum):
    """What an account may do."""

    OWNER = "owner"
    ADMIN = "admin"


def new_session_token() -> str:
    """A fresh random token; changing it signs the account out everywhere."""
    return secrets.token_urlsafe(24)


class User(Base):
    """An account. Flask-Login identifies it by session_token, not by id."""

    __tablename__ = "users"

    id: Mapped[IntPk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.OWNER)
    email_verified_at: Mapped[datetime | None]
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token, unique=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[CreatedAt]

    clinics: Mapped[list[Clinic]] = relationship(secondary=clinic_owners, order_by="Clinic.name")

    # Flask-Login's interface, written out so nothing depends on a mixin's defaults.
    @property
    def is_authenticated(self) -> bool:
        """Every loaded user is signed in."""
        return True

    @property
    def is_active(self) -> bool:
        """Only verified accounts may sign in."""
        return self.email_verified_at is not None

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """The session token, so a password change or sign-out-everywhere ends old sessions."""
        return self.session_token

    @property
    def is_admin(self) -> bool:
        """True for moderators."""
        return self.role is Role.ADMIN

    def owns(self, clinic: Clinic) -> bool:
        """True when an approved claim links this account to the clinic."""
        return any(c.id == clinic.id for c in self.clinics)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class PendingRegistration(Base):
    """A sign-up waiting for its e-mail to be confirmed: not an account yet.

    Nobody can sign in with it, and it does not block or reveal anything about the
    address; following the link in the mail turns it into an account.
    """

    __tablename__ = "pending_registrations"

    id: Mapped[IntPk]
    email: Mapped[str] = mapped_column(String(254), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[CreatedAt] = mapped_column(index=True)
