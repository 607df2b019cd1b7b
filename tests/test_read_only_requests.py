"""On PostgreSQL the public pages and the API read outside a transaction; writes keep one.

A reading request saves BEGIN, SET LOCAL and ROLLBACK; what it sees is unchanged (READ
COMMITTED gives each statement a fresh snapshot either way), its time budget still holds,
and a write in one is refused rather than saved piecemeal.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event, select, text, update

from directory.extensions import db
from directory.models import Clinic, PatientReport
from tests.conftest import MICHIGAN, PG_URL, configure, csrf_token

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's transactions and round trips")


@pytest.fixture
def statements(app: Flask) -> Iterator[list[tuple[str, str]]]:
    """Each statement the app runs, with whether its connection was in a transaction after it
    (psycopg's view of the server's state: IDLE outside one, INTRANS inside). The statement
    timeout each ran under, as the connection records it, goes to `statement_caps`."""
    seen: list[tuple[str, str]] = []
    caps: list[int | None] = []
    app.extensions["statement_caps"] = caps

    def after(connection, _cursor, statement, _parameters, _context, _many):  # type: ignore[no-untyped-def]
        status = connection.connection.dbapi_connection.info.transaction_status
        seen.append((status.name, statement))
        caps.append(connection.info.get("statement_cap_ms"))

    event.listen(db.engine, "after_cursor_execute", after)
    yield seen
    event.remove(db.engine, "after_cursor_execute", after)


def test_public_pages_and_the_api_read_outside_a_transaction(client, seeded, statements):
    for path in (
        f"/clinics/{MICHIGAN}",
        "/search?near=48334&radius=25",
        "/api/v1/clinics?near=48334&radius=25",
        f"/api/v1/clinics/{MICHIGAN}",
        "/api/v1/hsds/services",
        "/costs?state=MI",
        "/about",
    ):
        statements.clear()
        response = client.get(path)
        assert response.status_code == 200, path
        assert statements, path
        assert {status for status, _ in statements} == {"IDLE"}, (path, statements)
        assert not any(sql.lstrip().upper().startswith("SET LOCAL") for _, sql in statements)


def test_every_statement_of_a_reading_request_runs_under_its_budget(
    app, client, seeded, statements
):
    caps = app.extensions["statement_caps"]
    for path in ("/about", "/search?near=48334&radius=25", "/about", f"/clinics/{MICHIGAN}"):
        caps.clear()
        assert client.get(path).status_code == 200
        # The default budget of 10 s, from the first statement (the data version the HTTP
        # validators read) to the last: one SET on the connection served them all.
        assert caps and set(caps) == {10_000}, (path, caps)


def test_a_write_still_runs_in_one_transaction(client, seeded, statements):
    url = f"/clinics/{MICHIGAN}/report"
    form = {"category": "phone", "note": "Number is disconnected", "csrf_token": ""}
    form["csrf_token"] = csrf_token(client, url)
    statements.clear()
    assert client.post(url, data=form).status_code == 302
    assert "INTRANS" in {status for status, _ in statements}
    reports = db.session.execute(select(PatientReport.note)).scalars().all()
    assert reports == ["Number is disconnected"]


def test_a_reading_request_keeps_its_time_budget(app, client):
    slow_query = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50000000) "
        "SELECT count(*) FROM n"
    )

    def slow() -> str:
        return str(db.session.execute(text(slow_query)).scalar_one())

    def late() -> str:
        # Spends its budget before its second statement: that one never starts.
        db.session.execute(text("SELECT pg_sleep(0.3)"))
        return str(db.session.execute(text("SELECT 1")).scalar_one())

    app.add_url_rule("/api/v1/_slow", endpoint="api.slow", view_func=slow)
    app.add_url_rule("/api/v1/_late", endpoint="api.late", view_func=late)
    configure(app, REQUEST_TIME_BUDGET_SECONDS=0.2)
    for path in ("/api/v1/_slow", "/api/v1/_late"):
        answer = client.get(path)
        assert answer.status_code == 503, path
        assert "more time" in answer.get_json()["message"]
    # Outside a request nothing is capped, on whichever pooled connection comes next.
    for _ in range(3):
        assert db.session.execute(text("SELECT 1 FROM pg_sleep(1.1)")).scalar_one() == 1
        db.session.rollback()


def test_a_write_in_a_reading_request_is_refused_and_nothing_is_saved(app, client, seeded):
    clinic = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    name = clinic.name

    def rename() -> str:
        found = db.session.get(Clinic, clinic.id)
        assert found is not None
        found.name = "Renamed in a GET"
        db.session.commit()
        return "saved"

    def rename_in_sql() -> str:
        db.session.execute(update(Clinic).where(Clinic.id == clinic.id).values(name="Renamed"))
        return "saved"

    app.add_url_rule("/_rename", endpoint="public.rename", view_func=rename)
    app.add_url_rule("/_rename_in_sql", endpoint="api.rename", view_func=rename_in_sql)
    assert client.get("/_rename").status_code == 500
    assert client.get("/_rename_in_sql").status_code == 500
    db.session.expire_all()
    assert (
        db.session.execute(select(Clinic.name).where(Clinic.id == clinic.id)).scalar_one() == name
    )
