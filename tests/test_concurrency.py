"""Many owners proposing and an admin deciding at once, over HTTP against gunicorn.

Runs on SQLite (WAL) in the first pass of `make test` and on PostgreSQL in the second.
Afterwards every proposal is accounted for, no approved change was applied over a
newer version without a recorded conflict, and every decision is in the audit log.
"""

from __future__ import annotations

import multiprocessing as mp
import re
import time

import pytest
import requests
from sqlalchemy import select

from directory import create_app
from directory.extensions import db
from directory.models import AuditEvent, Clinic, Decision, Revision, RevisionKind
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    MICHIGAN,
    PASSWORD,
    PASSWORD_HASH,
    LiveServer,
    _config,
    build_site,
    elements,
    gunicorn,
    listing_data,
    price_row,
    site_database,
    site_env,
    text,
)

pytestmark = pytest.mark.served

SLUG = MICHIGAN
OWNERS, PROPOSALS_EACH = 5, 4
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _token(session: requests.Session, url: str) -> str:
    return TOKEN.search(session.get(url, timeout=30).text).group(1)


def _signed_in(base: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{base}/account/login",
        timeout=30,
        allow_redirects=False,
        data={
            "csrf_token": _token(session, f"{base}/account/login"),
            "email": email,
            "password": password,
        },
    )
    assert response.status_code == 302, response.status_code
    return session


def _owner(base: str, index: int, statuses: mp.Queue) -> None:
    session = _signed_in(base, f"owner{index}@example.org", PASSWORD)
    edit = f"{base}/owner/clinics/{SLUG}/edit"
    for n in range(PROPOSALS_EACH):
        dollars = 100 + index * 10 + n
        response = session.post(
            edit,
            timeout=60,
            allow_redirects=False,
            data=listing_data(
                csrf_token=_token(session, edit),
                **price_row(amount=str(dollars), source_url=f"https://kim.example.org/{index}/{n}"),
            ),
        )
        errors = [text(e) for e in elements(response.text, ".field-error")]
        statuses.put(("owner", response.status_code, tuple(errors)))
        time.sleep(0.05)


def _admin(base: str, owners_done: mp.Event, statuses: mp.Queue) -> None:
    """Decide whatever is queued until the owners are done and the queue is empty."""
    session = _signed_in(base, ADMIN_EMAIL, ADMIN_PASSWORD)
    turn = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        finished = owners_done.is_set()
        queue = session.get(f"{base}/admin/", timeout=30).text
        ids = re.findall(r"/admin/revisions/(\d+)\"", queue)
        if not ids:
            if finished:
                return
            time.sleep(0.1)
            continue
        for revision_id in ids:
            page = f"{base}/admin/revisions/{revision_id}"
            turn += 1
            data = {"csrf_token": _token(session, page), "reason": "checked"}
            if turn % 3 == 0:
                action = "reject"
            else:
                action = "approve"
                if turn % 2 == 0:
                    data["override_conflict"] = "y"  # reviewed: apply over a newer version
            response = session.post(
                f"{page}/{action}", data=data, timeout=60, allow_redirects=False
            )
            statuses.put(("admin", response.status_code, ()))


@pytest.fixture
def own_site(tmp_path, template_db):
    """A site of its own: the shared live server carries other tests' proposals."""
    database_url, drop = site_database(tmp_path, template_db)
    env = site_env(database_url)
    build_site(env, clinics=20)
    try:
        with gunicorn(env) as (url, _server):
            yield LiveServer(url, database_url)
    finally:
        drop()


def test_concurrent_owners_and_admin_lose_nothing(own_site):
    live_server = own_site
    app = create_app(_config(live_server.database_url))
    with app.app_context():
        from directory.models import Role, User, utcnow

        clinic = db.session.execute(select(Clinic).where(Clinic.slug == SLUG)).scalar_one()
        for i in range(OWNERS):
            user = User(
                email=f"owner{i}@example.org",
                password_hash=PASSWORD_HASH,
                role=Role.OWNER,
                email_verified_at=utcnow(),
            )
            user.clinics = [clinic]
            db.session.add(user)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    statuses: mp.Queue = mp.Queue()
    context = mp.get_context("fork")
    owners = [
        context.Process(target=_owner, args=(live_server.url, i, statuses)) for i in range(OWNERS)
    ]
    owners_done = context.Event()
    admin = context.Process(target=_admin, args=(live_server.url, owners_done, statuses))
    admin.start()
    for proc in owners:
        proc.start()
    for proc in owners:
        proc.join(120)
    owners_done.set()
    admin.join(150)
    codes = []
    while not statuses.empty():
        codes.append(statuses.get())
    # 302: done. 409: someone changed the same request at that moment; nothing was saved,
    # and the person was told so.
    assert codes and all(code in (302, 409) for _, code, _ in codes), codes
    stored = sum(1 for role, code, _ in codes if role == "owner" and code == 302)

    with app.app_context():
        revisions = (
            db.session.execute(
                select(Revision)
                .where(Revision.kind == RevisionKind.EDIT)
                .order_by(Revision.applied_version)
            )
            .scalars()
            .all()
        )
        # Every accepted proposal is here and has an outcome.
        assert len(revisions) == stored
        outcomes = {r.status for r in revisions}
        assert outcomes <= {
            Decision.APPROVED,
            Decision.REJECTED,
            Decision.WITHDRAWN,
            Decision.PENDING,
        }
        approved = [r for r in revisions if r.status is Decision.APPROVED]
        assert approved, "the admin approved something"
        # Applied over a newer version only when the admin said so, and recorded.
        for r in approved:
            assert r.applied_version is not None
            if r.applied_version != r.base_version + 1:
                assert r.overrode_conflict, r.id
        versions = [r.applied_version for r in approved]
        assert len(versions) == len(set(versions))  # no two approvals wrote the same version
        # The listing shows the last approved price.
        clinic = db.session.execute(select(Clinic).where(Clinic.slug == SLUG)).scalar_one()
        last = max(approved, key=lambda r: r.applied_version)
        assert [p.amount_cents for p in clinic.prices] == [
            p["amount_cents"] for p in last.payload["prices"]
        ]
        # Every decision has its audit entry.
        decided = [r for r in revisions if r.status in (Decision.APPROVED, Decision.REJECTED)]
        events = (
            db.session.execute(select(AuditEvent).where(AuditEvent.target_type == "revision"))
            .scalars()
            .all()
        )
        assert sorted(e.target_id for e in events) == sorted(r.id for r in decided)
        db.session.remove()
        db.engine.dispose()
