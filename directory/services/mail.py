"""Outgoing mail behind a seam: the outbox backend stores and prints, never sends."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from directory.models import OutboxMessage

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The configured backend cannot send."""


def send(session: Session, settings: Mapping[str, Any], to: str, subject: str, body: str) -> None:
    """Deliver a message with the backend named by MAIL_BACKEND."""
    backend = settings.get("MAIL_BACKEND", "outbox")
    if backend != "outbox":
        raise MailError(f"Mail backend {backend!r} is not available; use 'outbox'.")
    session.add(OutboxMessage(to=to, subject=subject, body=body))
    session.flush()
    # Printed so a developer running the site can follow links from the console.
    log.warning("Mail to %s: %s\n%s", to, subject, body)
