"""Account mail through a real SMTP server on loopback (aiosmtpd), as production sends it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from directory.extensions import db
from directory.models import OutboxMessage, PendingRegistration
from tests.conftest import free_port, post_form

BASE = "https://directory.example.org"
PASSWORD = "purple elephants juggle quietly"


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _smtp_app(app_like: Any, port: int) -> Any:
    return app_like(
        MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, PUBLIC_BASE_URL=BASE
    )


def test_registration_mail_is_delivered_by_smtp_and_kept_nowhere(app_like, inbox, caplog):
    handler, port = inbox
    site = _smtp_app(app_like, port)
    caplog.set_level("DEBUG")
    with site.app_context():
        response = post_form(
            site.test_client(),
            "/account/register",
            {"email": "owner@example.org", "password": PASSWORD, "confirm": PASSWORD},
        )
    assert response.status_code == 200
    (message,) = handler.messages
    assert message["To"] == "owner@example.org"
    assert message["Subject"] == "Confirm your e-mail address"
    body = message.get_payload(decode=True).decode()
    link = re.search(r"https://\S+", body).group(0)
    assert link.startswith(f"{BASE}/account/verify/")
    # The link's token is neither stored nor logged (the test server's own log aside).
    token = link.rsplit("/", 1)[1]
    site_log = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    assert site_log and not any(token in line for line in site_log)
    assert db.session.execute(select(func.count(OutboxMessage.id))).scalar_one() == 0


def test_when_smtp_is_down_the_person_is_told_and_nothing_is_kept(app_like):
    site = _smtp_app(app_like, free_port())  # nothing listens there
    with site.app_context():
        response = post_form(
            site.test_client(),
            "/account/register",
            {"email": "owner@example.org", "password": PASSWORD, "confirm": PASSWORD},
        )
    assert response.status_code == 503
    assert "could not send the e-mail" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(PendingRegistration.id))).scalar_one() == 0
