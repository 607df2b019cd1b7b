"""Faults: a worker killed mid-request, a locked or missing database. Nothing half-applied."""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from directory import create_app
from directory.extensions import db
from directory.listings import moderation, snapshots
from directory.models import AuditEvent, Clinic, Decision, Revision
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PG_URL,
    _config,
    build_site,
    gunicorn,
    site_database,
    site_env,
)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SLUG = "ketamine-institute-of-michigan"


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def _token_once_up(session: requests.Session, url: str) -> str:
    """The CSRF token of a page, asked again while gunicorn replaces killed workers."""
    for _attempt in range(100):
        with contextlib.suppress(requests.RequestException):
            response = session.get(url, timeout=10)
            if response.status_code == 200:
                return TOKEN.search(response.text).group(1)
        time.sleep(0.1)
    raise AssertionError(f"{url} did not come back after its workers were killed")


@pytest.mark.served
def test_workers_killed_mid_approval_leave_no_half_applied_decision(tmp_path, template_db):
    database_url, drop = site_database(tmp_path, template_db)
    env = site_env(database_url)
    build_site(env, clinics=20)
    app = create_app(_config(database_url))
    with app.app_context():
        from directory.models import User

        admin = db.session.execute(select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
        clinic = db.session.execute(select(Clinic).where(Clinic.slug == SLUG)).scalar_one()
        for n in range(12):  # proposals by the admin, each against the then-current listing
            payload = snapshots.snapshot(clinic) | {"website": f"https://kim{n}.example.org"}
            moderation.propose_edit(db.session, admin, clinic, payload)
            db.session.commit()
            # Each proposal replaces the admin's previous pending one: keep them all pending.
            db.session.execute(Revision.__table__.update().values(status=Decision.PENDING.value))
            db.session.commit()
        ids = list(db.session.execute(select(Revision.id)).scalars())
        db.session.remove()
        db.engine.dispose()

    killed = 0
    try:
        with gunicorn(env, workers=2) as (url, master):
            session = requests.Session()
            page = session.get(f"{url}/account/login", timeout=10).text
            session.post(
                f"{url}/account/login",
                timeout=10,
                data={
                    "csrf_token": TOKEN.search(page).group(1),
                    "email": ADMIN_EMAIL,
                    "password": ADMIN_PASSWORD,
                },
            )

            def kill_workers() -> None:
                nonlocal killed
                for pid in _workers(master.pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                        killed += 1

            for revision_id in ids:
                target = f"{url}/admin/revisions/{revision_id}"
                token = _token_once_up(session, target)
                # Every worker dies at a random moment of the approval: before its
                # transaction, in it, or after it; gunicorn then starts new ones.
                timer = threading.Timer(random.uniform(0.0, 0.15), kill_workers)  # noqa: S311
                timer.start()
                with contextlib.suppress(requests.RequestException):
                    session.post(
                        f"{target}/approve",
                        timeout=10,
                        allow_redirects=False,
                        data={"csrf_token": token, "override_conflict": "y"},
                    )
                timer.join()
        assert killed >= 3, "workers were killed while approvals ran"

        with app.app_context():
            revisions = db.session.execute(select(Revision)).scalars().all()
            approved = [r for r in revisions if r.status is Decision.APPROVED]
            audited = set(
                db.session.execute(
                    select(AuditEvent.target_id).where(AuditEvent.target_type == "revision")
                ).scalars()
            )
            for r in revisions:
                # The revision, the listing and the audit entry changed together or not at all.
                assert (r.status is Decision.APPROVED) == (r.id in audited), r.id
                assert (r.applied_version is not None) == (r.status is Decision.APPROVED)
            clinic = db.session.execute(select(Clinic).where(Clinic.slug == SLUG)).scalar_one()
            assert clinic.version == 1 + len(approved)
            if approved:
                last = max(approved, key=lambda r: r.applied_version)
                assert clinic.website == last.payload["website"]
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


@pytest.mark.skipif(bool(PG_URL), reason="an SQLite write lock; PostgreSQL has no file lock")
def test_a_locked_database_gives_a_friendly_503_then_recovers(app, client, seeded, tmp_path):
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 100
    locked = create_app(
        {**_config(app.config["SQLALCHEMY_DATABASE_URI"]), "SQLITE_BUSY_TIMEOUT_MS": 100}
    )
    browser = locked.test_client()
    url = f"/clinics/{SLUG}/report"
    token = TOKEN.search(browser.get(url).get_data(as_text=True)).group(1)
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    try:
        # Reading still works under WAL; writing waits, then gets a kind refusal.
        assert browser.get(f"/clinics/{SLUG}").status_code == 200
        response = browser.post(url, data={"csrf_token": token, "category": "phone"})
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert "briefly unavailable" in page and "tel:988" in page
    finally:
        holder.rollback()
        holder.close()
    response = browser.post(url, data={"csrf_token": token, "category": "phone"})
    assert response.status_code == 302  # recovered by itself
    with locked.app_context():
        from directory.models import PatientReport

        assert db.session.execute(select(func.count()).select_from(PatientReport)).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_health_check_recovers_when_the_database_comes_back(tmp_path):
    folder = tmp_path / "not-yet"
    app = create_app(_config(f"sqlite:///{folder / 'db.sqlite3'}"))
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    folder.mkdir()  # the volume is back
    assert client.get("/healthz").status_code == 200
