"""Attacks from a security review, each tried the way the attacker did, against the site.

Host-header poisoning, registration timing, queue flooding, deliberate lockouts,
weak passwords, sub-cent prices, spreadsheet formulas, huge ids, invisible and
look-alike characters, and the small gaps around claims and forms.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from directory import create_app
from directory.accounts import service as accounts
from directory.extensions import db, limiter
from directory.listings import moderation
from directory.models import (
    Clinic,
    ClinicStatus,
    PendingRegistration,
    Revision,
    RevisionKind,
)
from directory.validators import mixed_script
from tests.conftest import (
    PASSWORD,
    configure,
    csrf_token,
    field_error,
    json_ld,
    listing_data,
    login,
    mails_to,
    post_form,
    price_row,
    register,
    signed_in,
    user_by_email,
)

NEW_PASSWORD = "purple elephants juggle quietly"
BASE = "https://directory.example.org"


def _links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


# --- High: absolute links come from the configured base URL, never the Host header -------


def test_a_forged_host_header_is_refused_and_no_reset_mail_is_sent(client, make_user):
    make_user("victim@example.org")
    token = csrf_token(client, "/account/forgot")
    response = client.post(
        "/account/forgot",
        data={"csrf_token": token, "email": "victim@example.org"},
        headers={"Host": "attacker.example"},
    )
    assert response.status_code == 400
    assert "does not answer for that host" in response.get_data(as_text=True)
    assert "988" in response.get_data(as_text=True)
    assert mails_to("victim@example.org") == []


def test_reset_and_verify_links_use_the_public_base_url_whatever_host_was_asked(
    app_like, app, make_user
):
    site = app_like(
        PUBLIC_BASE_URL=BASE, TRUSTED_HOSTS=["localhost", "alias.directory.example.org"]
    )
    make_user("owner@example.org")
    with site.app_context():
        browser = site.test_client()
        alias = "http://alias.directory.example.org/account/forgot"
        token = csrf_token(browser, alias)
        response = browser.post(
            alias,
            data={"csrf_token": token, "email": "owner@example.org"},
            headers={"X-Forwarded-Host": "evil.example"},
        )
        assert response.status_code == 200
        register(site.test_client(), "new@example.org", password=NEW_PASSWORD)
    (reset,) = mails_to("owner@example.org")
    (verify,) = mails_to("new@example.org")
    for message, path in ((reset, "/account/reset/"), (verify, "/account/verify/")):
        (link,) = _links(message.body)
        assert link.startswith(BASE + path), link


def test_json_ld_openapi_and_csv_links_use_the_public_base_url(app_like, app, seeded, make_clinic):
    make_clinic("Base URL Clinic", slug="base-url-clinic")
    site = app_like(PUBLIC_BASE_URL=BASE, TRUSTED_HOSTS=["localhost", "other.example"])
    headers = {"Host": "other.example"}
    with site.app_context():
        browser = site.test_client()
        page = browser.get("/clinics/base-url-clinic", headers=headers).get_data(as_text=True)
        [data] = json_ld(page)
        assert data["url"] == f"{BASE}/clinics/base-url-clinic"
        spec = browser.get("/api/v1/openapi.json", headers=headers).get_json()
        assert spec["servers"][0]["url"] == f"{BASE}/api/v1"
        detail = browser.get("/api/v1/clinics/base-url-clinic", headers=headers).get_json()
        assert detail["url"] == f"{BASE}/clinics/base-url-clinic"
        exported = browser.get("/search.csv?near=48336", headers=headers).get_data(as_text=True)
    urls = [row["url"] for row in csv.DictReader(io.StringIO(exported))]
    assert urls and all(u.startswith(f"{BASE}/clinics/") for u in urls)
    assert "other.example" not in exported


def test_production_needs_a_public_base_url(monkeypatch):
    monkeypatch.delenv("DIRECTORY_DEPLOYMENT", raising=False)
    monkeypatch.delenv("DIRECTORY_PUBLIC_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app({"SECRET_KEY": "a-real-secret", "DEPLOYMENT": "production"})
    with pytest.raises(RuntimeError, match="scheme and host"):
        create_app(
            {
                "SECRET_KEY": "a-real-secret",
                "DEPLOYMENT": "production",
                "PUBLIC_BASE_URL": "directory.example.org/path",
            }
        )


def test_forwarded_headers_count_only_through_a_configured_proxy(app_like, app):
    seen: list[str] = []

    def show() -> str:
        from flask import request

        seen.append(f"{request.remote_addr} {request.scheme}")
        return "ok"

    app.add_url_rule("/_peer", view_func=show)
    proxied = app_like(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    proxied.add_url_rule("/_peer", view_func=show)
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    app.test_client().get("/_peer", headers=forwarded)
    with proxied.app_context():
        proxied.test_client().get("/_peer", headers=forwarded)
    assert seen == ["127.0.0.1 http", "203.0.113.9 https"]


# --- Medium: bounded work --------------------------------------------------------------


def test_costs_csv_for_the_whole_directory_is_refused_with_a_message(client):
    response = client.get("/costs.csv")
    assert response.status_code == 400
    assert "Choose a state or a place" in response.get_data(as_text=True)
    page = client.get("/costs").get_data(as_text=True)
    assert "Choose a state or a place to download its prices" in page


def test_exports_are_capped_and_say_so(app, make_clinic):
    from tests.conftest import price

    for n in range(4):
        make_clinic(f"Capped {n}", prices=(price("iv-infusion", 400 + n),))
    configure(app, EXPORT_MAX_ROWS=3)
    client = app.test_client()
    search = client.get("/search.csv?near=48336")
    assert len(list(csv.DictReader(io.StringIO(search.get_data(as_text=True))))) == 3
    costs = client.get("/costs.csv?state=MI")
    assert len(list(csv.DictReader(io.StringIO(costs.get_data(as_text=True))))) == 3
    assert costs.headers["X-Rows-Truncated"] == "3"


def test_exports_are_rate_limited(app, make_clinic):
    make_clinic()
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)  # pick up the setting
    configure(app, EXPORT_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.get("/search.csv?near=48336").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


SLOW_QUERY = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50000000) "
    "SELECT count(*) FROM n"
)


def test_a_request_over_its_time_budget_answers_503_and_the_worker_lives(app):
    def slow() -> str:
        return str(db.session.execute(text(SLOW_QUERY)).scalar_one())

    app.add_url_rule("/_slow", view_func=slow)
    app.add_url_rule("/api/v1/_slow", endpoint="api_slow", view_func=slow)
    configure(app, REQUEST_TIME_BUDGET_SECONDS=0.2)
    client = app.test_client()
    started = datetime.now(UTC)
    page = client.get("/_slow")
    assert datetime.now(UTC) - started < timedelta(seconds=20)  # far from the 50M rows
    assert page.status_code == 503
    assert "needed more time than the directory allows" in page.get_data(as_text=True)
    assert "988" in page.get_data(as_text=True)
    api = client.get("/api/v1/_slow")
    assert api.status_code == 503 and "more time" in api.get_json()["message"]
    # The same process goes on answering, and commands have no budget at all.
    assert client.get("/about").status_code == 200
    assert db.session.execute(text("SELECT 1")).scalar_one() == 1


# --- Medium: registration reveals nothing and creates no account --------------------------


def test_registration_costs_the_same_for_known_and_new_addresses(app, make_user, monkeypatch):
    make_user("taken@example.org")
    hashed: list[str] = []
    real = accounts.generate_password_hash
    monkeypatch.setattr(accounts, "generate_password_hash", lambda p: hashed.append(p) or real(p))
    register(app.test_client(), "taken@example.org", password=NEW_PASSWORD)
    register(app.test_client(), "fresh@example.org", password=NEW_PASSWORD)
    # Both paths hash the password once and send one message.
    assert hashed == [NEW_PASSWORD, NEW_PASSWORD]
    assert len(mails_to("taken@example.org")) == len(mails_to("fresh@example.org")) == 1


def test_no_account_exists_until_the_address_is_confirmed(client):
    register(client, "pending@example.org", password=NEW_PASSWORD)
    assert user_by_email("pending@example.org") is None
    assert db.session.execute(select(func.count(PendingRegistration.id))).scalar_one() == 1
    # Someone else registering the same address does not block the real owner.
    register(client, "pending@example.org", password="another fine passphrase here")
    first, second = mails_to("pending@example.org")
    link = re.search(r"http://localhost(/account/verify/\S+)", first.body).group(1)
    assert client.get(link).status_code == 302
    user = user_by_email("pending@example.org")
    assert user is not None and user.email_verified_at is not None
    assert login(client, "pending@example.org", NEW_PASSWORD).status_code == 302
    # The other sign-up for the address is gone with it.
    other = re.search(r"http://localhost(/account/verify/\S+)", second.body).group(1)
    assert client.get(other).status_code == 400
    assert db.session.execute(select(func.count(PendingRegistration.id))).scalar_one() == 0


# --- Medium: one owner cannot flood the queue ----------------------------------------------


def _new_clinic(client: Any, name: str) -> Any:
    return post_form(client, "/owner/clinics/new", listing_data(name=name))


def test_an_owner_cannot_flood_the_queue_with_new_clinics(app, make_user):
    make_user("flood@example.org")
    client = app.test_client()
    login(client, "flood@example.org")
    limit = app.config["OWNER_MAX_PENDING_NEW_CLINICS"]
    for n in range(limit):
        assert _new_clinic(client, f"Flood Clinic {n}").status_code == 302
    refused = _new_clinic(client, "One Too Many")
    assert refused.status_code == 400
    assert "wait until they are reviewed" in refused.get_data(as_text=True)
    waiting = db.session.execute(
        select(func.count(Revision.id)).where(Revision.kind == RevisionKind.NEW_CLINIC)
    ).scalar_one()
    assert waiting == limit
    # The refused submission left no half-made listing behind.
    pending = db.session.execute(
        select(func.count(Clinic.id)).where(Clinic.status == ClinicStatus.PENDING)
    ).scalar_one()
    assert pending == limit


def test_new_clinic_and_edit_posts_are_rate_limited_per_account(app, make_user):
    make_user("fast@example.org")
    app.config["RATELIMIT_ENABLED"] = True
    configure(app, OWNER_SUBMIT_RATE_LIMIT="2 per hour")
    configure(app, OWNER_MAX_PENDING_NEW_CLINICS=99)
    limiter.init_app(app)
    client = app.test_client()
    login(client, "fast@example.org")
    statuses = [_new_clinic(client, f"Fast {n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]


def test_the_queue_pages_every_kind_and_counts_from_the_database(app, make_user, make_clinic):
    admin = make_user("admin@example.org", admin=True)
    owners = [make_user(f"owner{n}@example.org") for n in range(3)]
    for n in range(30):
        moderation.submit_new_clinic(
            db.session, owners[0], {**moderation.EMPTY_LISTING, "name": f"Queued {n:02d}"}
        )
    clinic = make_clinic("Edited Clinic")
    owners[1].clinics.append(clinic)
    moderation.propose_edit(
        db.session, owners[1], clinic, {**moderation.EMPTY_LISTING, "name": "Edited Clinic Renamed"}
    )
    db.session.commit()
    client = app.test_client()
    login(client, admin.email)
    first = client.get("/admin/").get_data(as_text=True)
    assert re.search(r"New clinics: <strong>30</strong>", first)
    assert re.search(r"Edits: <strong>1</strong>", first)
    assert "Edited Clinic" in first  # the other owner's edit is not buried
    assert "Queued 00" in first and "Queued 24" in first and "Queued 25" not in first
    assert "Page 1 of 2 (30 waiting" in first
    second = client.get("/admin/?new_clinics_page=2").get_data(as_text=True)
    assert "Queued 25" in second and "Queued 29" in second and "Queued 00" not in second
    # A page past the end shows the last one; nonsense is a 400.
    assert "Queued 29" in client.get("/admin/?new_clinics_page=50").get_data(as_text=True)
    assert client.get("/admin/?new_clinics_page=x").status_code == 400


# --- Low: deliberate lockouts do not keep the real owner out --------------------------------


def test_a_stranger_cannot_lock_the_owner_out_of_a_known_browser(app, make_user):
    make_user("owner@example.org")
    owner = app.test_client()
    assert login(owner, "owner@example.org").status_code == 302
    post_form(owner, "/account/logout", {}, form_page="/owner/")
    attacker = app.test_client()
    for _ in range(app.config["LOCKOUT_AFTER_FAILURES"] + 2):
        login(attacker, "owner@example.org", "guess guess guess")
    assert user_by_email("owner@example.org").locked_until is not None
    # A browser that never signed in is still held back, even with the right password...
    assert login(app.test_client(), "owner@example.org").status_code == 400
    # ...but the owner's own browser gets in with it, and the lock is lifted.
    assert login(owner, "owner@example.org").status_code == 302
    assert signed_in(owner)
    assert user_by_email("owner@example.org").locked_until is None
    # A device note for another account does not help.
    make_user("other@example.org")
    other = app.test_client()
    login(other, "other@example.org")
    for _ in range(app.config["LOCKOUT_AFTER_FAILURES"]):
        login(attacker, "owner@example.org", "guess guess guess")
    assert login(other, "owner@example.org").status_code == 400


# --- Low: mail, tokens, sessions -------------------------------------------------------------


def test_no_token_is_logged_in_any_deployment(app_like, app, make_user, caplog):
    make_user("owner@example.org")
    caplog.set_level("DEBUG")
    dev = app_like(TESTING=False, DEPLOYMENT="development")
    with dev.app_context():
        post_form(dev.test_client(), "/account/forgot", {"email": "owner@example.org"})
    (message,) = mails_to("owner@example.org")
    token = message.body.split("/account/reset/")[1].split()[0]
    assert token not in caplog.text


def test_remember_me_lasts_two_weeks_not_a_year(client, make_user):
    make_user("owner@example.org")
    token = csrf_token(client, "/account/login")
    response = client.post(
        "/account/login",
        data={
            "csrf_token": token,
            "email": "owner@example.org",
            "password": PASSWORD,
            "remember": "y",
        },
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "remember_token" in c)
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    when = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert timedelta(days=13) < when - datetime.now(UTC) <= timedelta(days=14, minutes=1)


def test_an_idle_session_is_signed_out(app, client, make_user):
    make_user("owner@example.org")
    login(client, "owner@example.org")
    assert signed_in(client)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] = int(datetime.now(UTC).timestamp()) - idle - 5
    assert not signed_in(client)
    assert "signed out after a while" in client.get("/account/login").get_data(as_text=True)


@pytest.mark.parametrize(
    "weak", ["aaaaaaaaaaaa", "passwordpassword", "owner@example.org1", "qwertyuiopasdf"]
)
def test_common_and_guessable_passwords_are_refused(client, weak):
    response = register(client, "owner@example.org", password=weak)
    assert response.status_code == 400
    assert "too easy to guess" in field_error(response.get_data(as_text=True), "password")
    assert db.session.execute(select(func.count(PendingRegistration.id))).scalar_one() == 0


def _change_password(client: Any, current: str, new: str = NEW_PASSWORD) -> Any:
    return post_form(
        client, "/account/password", {"current": current, "password": new, "confirm": new}
    )


def test_a_password_change_is_mailed_to_the_owner(client, make_user):
    make_user("owner@example.org")
    login(client, "owner@example.org")
    assert _change_password(client, PASSWORD).status_code == 302
    (notice,) = mails_to("owner@example.org")
    assert notice.subject == "Your password was changed"


def test_wrong_current_passwords_are_limited_per_account(app, make_user):
    make_user("owner@example.org")
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    client = app.test_client()
    login(client, "owner@example.org")
    tries = app.config["CHANGE_PASSWORD_RATE_LIMIT"].split()[0]
    statuses = [_change_password(client, "not it at all").status_code for _ in range(int(tries))]
    assert statuses == [400] * int(tries)
    assert _change_password(client, PASSWORD).status_code == 429
    assert mails_to("owner@example.org") == []


# --- Low: amounts, CSV cells, ids ------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0.004", "0.00", "0"])
def test_amounts_under_a_cent_are_refused(app, make_user, make_clinic, amount):
    clinic = make_clinic("Cents Clinic", slug="cents-clinic")
    make_user("owner@example.org", clinics=(clinic,))
    client = app.test_client()
    login(client, "owner@example.org")
    response = post_form(
        client,
        "/owner/clinics/cents-clinic/edit",
        listing_data(name="Cents Clinic", **price_row(amount=amount)),
    )
    assert response.status_code == 400
    assert "at least $0.01" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Revision.id))).scalar_one() == 0


def test_formula_after_a_separator_is_neutralised_in_csv(app, make_clinic):
    make_clinic("x;=1+1", slug="formula-clinic", website="https://example.com/a,@SUM(1)")
    rows = list(
        csv.DictReader(
            io.StringIO(app.test_client().get("/search.csv?near=48336").get_data(as_text=True))
        )
    )
    (row,) = rows
    assert row["name"] == "'x;=1+1"
    assert row["website"] == "'https://example.com/a,@SUM(1)"
    assert row["distance_miles"] and not row["distance_miles"].startswith("'")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/owner/revisions/99999999999999999999/withdraw", 404),
        ("get", "/admin/revisions/99999999999999999999", 404),
        ("get", "/admin/audit?page=99999999999999999999", 400),
        ("get", "/admin/audit?page=0", 400),
    ],
)
def test_huge_ids_and_pages_are_404_or_400(app, make_user, method, path, status):
    make_user("admin@example.org", admin=True)
    client = app.test_client()
    login(client, "admin@example.org")
    token = csrf_token(client, "/owner/")
    response = getattr(client, method)(path, data={"csrf_token": token})
    assert response.status_code == status


# --- Low: invisible characters and look-alikes ------------------------------------------


@pytest.mark.parametrize(
    "email",
    ["admin@examрle.org", "admin@example.org\u200b", "ad\u202emin@example.org"],
)
def test_look_alike_and_invisible_emails_are_refused(client, email):
    response = register(client, email, password=NEW_PASSWORD)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "email")
    assert db.session.execute(select(func.count(PendingRegistration.id))).scalar_one() == 0


def test_full_width_email_is_folded_before_it_is_stored(client):
    register(client, "ｏｗｎｅｒ@example.org", password=NEW_PASSWORD)
    assert db.session.execute(select(PendingRegistration.email)).scalar_one() == (
        "owner@example.org"
    )


@pytest.mark.parametrize("name", ["\u200b\u200b\u200b", "Clinic\u202e", "\u2066Calm\u2069"])
def test_invisible_and_bidi_characters_in_names_are_refused(app, make_user, name):
    make_user("owner@example.org")
    client = app.test_client()
    login(client, "owner@example.org")
    response = _new_clinic(client, name)
    assert response.status_code == 400
    assert "invisible characters" in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Revision.id))).scalar_one() == 0


def test_mixed_script_names_are_flagged_to_admins(app, make_user):
    owner = make_user("owner@example.org")
    make_user("admin@example.org", admin=True)
    assert mixed_script("Саlm Clinic") and not mixed_script("Zürich Calm Clinic")
    revision = moderation.submit_new_clinic(
        db.session, owner, {**moderation.EMPTY_LISTING, "name": "Саlm Clinic"}
    )
    db.session.commit()
    client = app.test_client()
    login(client, "admin@example.org")
    assert "Name mixes alphabets" in client.get("/admin/").get_data(as_text=True)
    page = client.get(f"/admin/revisions/{revision.id}").get_data(as_text=True)
    assert "mixes letters from different alphabets" in page


# --- Low: headers, claims, suspended listings, form parts ------------------------------------


def test_production_sends_hsts(app_like, app):
    site = app_like(
        TESTING=False,
        DEPLOYMENT="production",
        PUBLIC_BASE_URL="https://localhost",
        SECRET_KEY="a-long-random-production-secret",
        MAIL_SERVER="127.0.0.1",
    )
    with site.app_context():
        response = site.test_client().get("https://localhost/about")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in app.test_client().get("/about").headers


def test_drafts_and_example_clinics_cannot_be_claimed(app, make_user, make_clinic):
    make_clinic("Draft Clinic", slug="draft-clinic", status=ClinicStatus.DRAFT)
    make_clinic("Example Clinic", slug="example-clinic", is_example=True)
    make_clinic("Real Clinic", slug="real-clinic")
    make_user("owner@example.org")
    client = app.test_client()
    login(client, "owner@example.org")
    assert client.get("/owner/clinics/draft-clinic/claim").status_code == 404
    assert client.get("/owner/clinics/example-clinic/claim").status_code == 404
    assert client.get("/owner/clinics/real-clinic/claim").status_code == 200
    token = csrf_token(client, "/owner/clinics/real-clinic/claim")
    client.post("/owner/clinics/example-clinic/claim", data={"csrf_token": token, "note": "x"})
    assert (
        db.session.execute(
            select(func.count()).select_from(select(Revision.id).subquery())
        ).scalar_one()
        == 0
    )


def test_the_owner_of_a_suspended_listing_cannot_mark_it_checked(app, make_user, make_clinic):
    clinic = make_clinic(
        "Suspended Clinic",
        slug="suspended-clinic",
        status=ClinicStatus.SUSPENDED,
        last_verified_on=None,
    )
    make_user("owner@example.org", clinics=(clinic,))
    client = app.test_client()
    login(client, "owner@example.org")
    response = post_form(
        client,
        "/owner/clinics/suspended-clinic/confirm",
        {},
        form_page="/owner/",
        follow_redirects=True,
    )
    assert "Only a published listing can be marked as checked" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).last_verified_on is None


def test_url_encoded_forms_are_bounded_like_multipart_ones(app, client):
    limit = app.config["MAX_FORM_PARTS"]
    body = "&".join(f"f{n}=x" for n in range(limit + 1))
    response = client.post(
        "/account/login", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    repeated = "&".join("f=x" for _ in range(limit + 1))
    response = client.post(
        "/account/login", data=repeated, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
