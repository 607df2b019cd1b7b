"""The audit log and the outgoing mail outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models.base import Base, CreatedAt, IntPk

if TYPE_CHECKING:
    from directory.models.user import User


class AuditEvent(Base):
    """One decision or admin sign-in: who, when, what, and the state before and after."""

    __tablename__ = "audit_events"

    id: Mapped[IntPk]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[CreatedAt] = mapped_column(index=True)

    actor: Mapped[User | None] = relationship()


class OutboxMessage(Base):
    """A message the site sent; in development and tests this is all that happens to it."""

    __tablename__ = "outbox"

    id: Mapped[IntPk]
    to: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
