"""Recording decisions in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from directory.models import AuditEvent, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit entry in the caller's transaction, so it lands with the change or not at all."""
    event = AuditEvent(
        action=action,
        target_type=target_type,
        target_id=target_id,
        actor_id=actor.id if actor else None,
        summary=summary,
        before=before,
        after=after,
    )
    session.add(event)
    session.flush()
    return event
