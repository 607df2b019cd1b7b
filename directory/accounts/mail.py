"""Outgoing mail behind a seam chosen by MAIL_BACKEND.

- `smtp`: delivered through the configured SMTP server (Flask-Mailman); production's
  default. Nothing of the message is logged: mail holds sign-in links.
- `outbox`: stored in the outbox table and never sent; development's and the tests'
  default. In development the message is also printed to the console, so a developer
  can follow its links; production refuses this backend.
"""

from __future__ import annotations

import logging
import smtplib
import sys

from flask_mailman import EmailMessage
from sqlalchemy.orm import Session

from directory.models import OutboxMessage
from directory.settings import Settings

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The configured backend could not take the message."""


def send(session: Session, settings: Settings, to: str, subject: str, body: str) -> None:
    """Deliver a message with the backend named by MAIL_BACKEND."""
    backend = settings.mail_backend
    if backend == "smtp":
        _send_smtp(settings, to, subject, body)
    elif backend == "outbox":
        session.add(OutboxMessage(to=to, subject=subject, body=body))
        session.flush()
        if settings.deployment == "development" and not settings.testing:
            print(f"--- mail to {to}: {subject}\n{body}\n---", file=sys.stderr, flush=True)
    else:
        raise MailError(f"Mail backend {backend!r} is not available; use 'smtp' or 'outbox'.")
    log.info("Mail sent: %s", subject)  # never the address's link or the body


def _send_smtp(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage(subject=subject, body=body, from_email=settings.mail_sender, to=[to])
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        log.error("Mail could not be sent: %s", exc.__class__.__name__)
        raise MailError("The e-mail could not be sent just now.") from exc
