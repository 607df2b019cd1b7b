"""Accounts over HTTP: registration, sign-in, sessions, passwords, cookies and headers."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from directory import create_app
from directory.accounts import service as accounts
from directory.accounts.service import SIGN_IN_REFUSED
from directory.extensions import db, limiter
from directory.models import AuditEvent, OutboxMessage, Role, User
from tests.conftest import (
    PASSWORD,
    IsolatedClient,
    _config,
    check_security_headers,
    csrf_token,
    field_error,
    login,
    mails_to,
    post_form,
    register,
    signed_in,
    user_by_email,
)

NEW_PASSWORD = "purple elephants juggle quietly"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def link_in(message: OutboxMessage, path: str) -> str:
    match = re.search(rf"http://localhost({re.escape(path)}\S+)", message.body)
    assert match, f"no {path} link in {message.body!r}"
    return match.group(1)


def normalised(page: str, email: str) -> str:
    """A page without what differs between two requests: the CSRF token and the e-mail typed."""
    return CSRF_VALUE.sub(r'\1TOKEN"', page).replace(email, "EMAIL")


# --- registration ------------------------------------------------------------------------------


def test_short_password_is_refused_next_to_the_field_and_nothing_is_stored(client):
    response = register(client, "new@example.org", password="too short", confirm="too short")
    page = response.get_data(as_text=True)
    assert field_error(page, "password") == (
        "Use at least 12 characters; a few words make a good password."
    )
    assert 'value="new@example.org"' in page  # what was typed is kept
    assert "Check your e-mail" not in page
    assert user_by_email("new@example.org") is None
    assert mails_to("new@example.org") == []


def test_long_passphrase_is_accepted_and_signs_in(client):
    passphrase = ("correct horse battery staple " * 8)[:200]
    assert len(passphrase) == 200
    response = register(client, "long@example.org", password=passphrase)
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    assert (
        client.get(link_in(mails_to("long@example.org")[-1], "/account/verify/")).status_code == 302
    )
    assert login(client, "long@example.org", passphrase).status_code == 302
    assert signed_in(client)


def test_duplicate_email_creates_nothing_and_answers_like_a_new_one(app, make_user):
    make_user("taken@example.org")
    fresh = register(app.test_client(), "fresh@example.org", password=NEW_PASSWORD)
    taken = register(app.test_client(), "TAKEN@example.org", password=NEW_PASSWORD)
    assert taken.status_code == fresh.status_code == 200
    assert normalised(taken.get_data(as_text=True), "TAKEN@example.org") == normalised(
        fresh.get_data(as_text=True), "fresh@example.org"
    )
    count = db.session.execute(
        select(func.count()).select_from(User).where(func.lower(User.email) == "taken@example.org")
    ).scalar_one()
    assert count == 1
    # The real owner is told by mail, with no link that would verify anything.
    (notice,) = mails_to("taken@example.org")
    assert notice.subject == "Someone tried to register your e-mail"
    assert "/account/verify/" not in notice.body
    # The existing password still works; the one typed by the second registrant does not.
    assert login(app.test_client(), "taken@example.org", NEW_PASSWORD).status_code == 400
    assert login(app.test_client(), "taken@example.org").status_code == 302


def test_verification_mail_holds_a_working_link_and_unverified_cannot_sign_in(client):
    assert register(client, "owner@example.org").status_code == 200
    (message,) = mails_to("owner@example.org")
    assert message.subject == "Confirm your e-mail address"

    # No account exists until the link is followed: signing in answers as for anyone.
    refused = login(client, "owner@example.org")
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "password") == SIGN_IN_REFUSED
    assert not signed_in(client)
    assert user_by_email("owner@example.org") is None

    response = client.get(link_in(message, "/account/verify/"))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/account/login"
    assert "Your e-mail is confirmed" in client.get("/account/login").get_data(as_text=True)
    assert user_by_email("owner@example.org").email_verified_at is not None
    assert login(client, "owner@example.org").status_code == 302
    assert signed_in(client)


def _token_for(app: Any, user: User, purpose: str = "verify", secret: str | None = None) -> str:
    data = {"id": user.id, "email": user.email}
    if secret is None:
        return accounts.make_token(app.extensions["settings"], purpose, data)
    return URLSafeTimedSerializer(secret, salt=f"directory-{purpose}").dumps(data)


def test_forged_tampered_or_expired_verification_links_are_refused(
    app, client, make_user, monkeypatch
):
    user = make_user("slow@example.org", verified=False)
    good = _token_for(app, user)
    with monkeypatch.context() as patched:
        two_days_ago = time.time() - 2 * 24 * 60 * 60
        patched.setattr(time, "time", lambda: two_days_ago)
        expired = _token_for(app, user)
    cases = {
        _token_for(app, user, secret="someone-elses-secret"): "This link is not valid.",
        good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"): "This link is not valid.",
        _token_for(app, user, purpose="reset"): "This link is not valid.",
        "not-a-token": "This link is not valid.",
        expired: "This link has expired. Ask for a new one.",
    }
    for token, message in cases.items():
        response = client.get(f"/account/verify/{token}")
        assert response.status_code == 400, token
        page = response.get_data(as_text=True)
        assert "Link not valid" in page and message in page
    assert user_by_email("slow@example.org").email_verified_at is None
    assert client.get(f"/account/verify/{good}").status_code == 302
    assert user_by_email("slow@example.org").email_verified_at is not None


# --- signing in -----------------------------------------------------------------------------


def test_unknown_email_and_wrong_password_get_the_same_answer(app, make_user):
    make_user("known@example.org")
    unknown = login(app.test_client(), "nobody@example.org", "wrong password 123")
    wrong = login(app.test_client(), "known@example.org", "wrong password 123")
    assert unknown.status_code == wrong.status_code == 400
    unknown_page = unknown.get_data(as_text=True)
    wrong_page = wrong.get_data(as_text=True)
    assert field_error(unknown_page, "password") == SIGN_IN_REFUSED
    assert field_error(wrong_page, "password") == SIGN_IN_REFUSED
    assert normalised(unknown_page, "nobody@example.org") == normalised(
        wrong_page, "known@example.org"
    )
    assert user_by_email("nobody@example.org") is None


def test_repeated_failures_lock_the_account_even_for_the_right_password(app, client, make_user):
    make_user("target@example.org")
    limit = app.config["LOCKOUT_AFTER_FAILURES"]
    for _ in range(limit):
        response = login(client, "target@example.org", "guess guess guess")
        assert response.status_code == 400
    user = user_by_email("target@example.org")
    assert user.failed_logins == limit
    locked_until = user.locked_until.replace(tzinfo=user.locked_until.tzinfo or UTC)
    assert locked_until > datetime.now(UTC)

    response = login(client, "target@example.org")
    assert response.status_code == 400
    # Word for word what an unknown e-mail gets, so the lockout reveals no account.
    assert field_error(response.get_data(as_text=True), "password") == SIGN_IN_REFUSED
    unknown = login(client, "nobody@example.org")
    assert field_error(unknown.get_data(as_text=True), "password") == SIGN_IN_REFUSED
    assert not signed_in(client)


def test_successful_sign_in_resets_the_failure_count(client, make_user):
    make_user("forgetful@example.org")
    for _ in range(3):
        login(client, "forgetful@example.org", "not my password")
    assert user_by_email("forgetful@example.org").failed_logins == 3
    assert login(client, "forgetful@example.org").status_code == 302
    user = user_by_email("forgetful@example.org")
    assert (user.failed_logins, user.locked_until) == (0, None)
    assert user.last_login_at is not None


def test_admin_sign_in_is_audited_and_owner_sign_in_is_not(app, make_user):
    admin = make_user("admin@example.org", admin=True)
    make_user("owner@example.org")
    admin_client = app.test_client()
    response = login(admin_client, admin.email)
    assert urlsplit(response.headers["Location"]).path == "/admin/"
    assert login(app.test_client(), "owner@example.org").status_code == 302
    events = db.session.execute(select(AuditEvent)).scalars().all()
    assert [(e.action, e.actor_id, e.target_id) for e in events] == [
        ("admin.sign_in", admin.id, admin.id)
    ]
    assert "admin@example.org signed in" in admin_client.get("/admin/audit").get_data(as_text=True)


def _browser_target(location: str) -> tuple[str, str]:
    """(host, path) a browser would go to: it drops tabs and newlines and reads \\ as /."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    parts = urlsplit(urljoin("http://localhost/account/login", cleaned))
    return parts.netloc, parts.path


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/\\\\evil.example",
        "\\\\evil.example",
        "///evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
    ],
)
def test_sign_in_never_redirects_off_site(client, make_user, target):
    make_user("owner@example.org")
    url = "/account/login?" + urlencode({"next": target})
    response = post_form(client, url, {"email": "owner@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert _browser_target(response.headers["Location"]) == ("localhost", "/owner/")


def test_sign_in_returns_to_the_page_that_asked_for_it(client, make_user):
    make_user("owner@example.org")
    asked = client.get("/owner/clinics/new")
    assert asked.status_code == 302
    login_url = asked.headers["Location"]
    parts = urlsplit(login_url)
    assert (parts.path, parse_qs(parts.query)) == (
        "/account/login",
        {"next": ["/owner/clinics/new"]},
    )
    response = post_form(client, login_url, {"email": "owner@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/owner/clinics/new"
    assert client.get("/owner/clinics/new").status_code == 200


# --- signing out ----------------------------------------------------------------------------


def test_logout_is_post_only_with_csrf_and_ends_the_session(client, make_user):
    make_user("owner@example.org")
    login(client, "owner@example.org")
    assert client.get("/account/logout").status_code == 405
    assert client.post("/account/logout").status_code == 400  # no CSRF token
    assert client.post("/account/logout", data={"csrf_token": "forged"}).status_code == 400
    assert signed_in(client)

    response = client.post("/account/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "You are signed out." in client.get("/").get_data(as_text=True)
    owner_page = client.get("/owner/")
    assert owner_page.status_code == 302
    parts = urlsplit(owner_page.headers["Location"])
    assert (parts.path, parse_qs(parts.query)) == ("/account/login", {"next": ["/owner/"]})


def test_sign_out_everywhere_ends_the_other_browsers_sessions(app, make_user):
    make_user("owner@example.org")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "owner@example.org")
    post_form(
        phone,
        "/account/login",
        {"email": "owner@example.org", "password": PASSWORD, "remember": "y"},
    )
    assert phone.get_cookie("remember_token") is not None
    assert signed_in(laptop) and signed_in(phone)

    response = post_form(laptop, "/account/logout-everywhere", {}, form_page="/owner/")
    assert response.status_code == 302
    assert not signed_in(laptop)
    assert not signed_in(phone)  # neither its session nor its remember-me cookie works
    assert login(phone, "owner@example.org").status_code == 302
    assert signed_in(phone)


# --- passwords ------------------------------------------------------------------------------


def test_password_reset_link_works_once_and_ends_other_sessions(app, client, make_user):
    make_user("owner@example.org")
    elsewhere = app.test_client()
    login(elsewhere, "owner@example.org")

    unknown = post_form(client, "/account/forgot", {"email": "nobody@example.org"})
    known = post_form(client, "/account/forgot", {"email": "owner@example.org"})
    assert unknown.status_code == known.status_code == 200
    assert normalised(unknown.get_data(as_text=True), "nobody@example.org") == normalised(
        known.get_data(as_text=True), "owner@example.org"
    )
    assert mails_to("nobody@example.org") == []
    (message,) = mails_to("owner@example.org")
    assert message.subject == "Reset your password"
    link = link_in(message, "/account/reset/")

    assert client.get(link).status_code == 200
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/account/login"

    again = post_form(
        client, link, {"password": "a third password here", "confirm": "a third password here"}
    )
    assert again.status_code != 302
    assert field_error(again.get_data(as_text=True), "password") == (
        "This link has already been used or is not valid."
    )

    assert not signed_in(elsewhere)
    assert login(app.test_client(), "owner@example.org").status_code == 400
    assert login(app.test_client(), "owner@example.org", "a third password here").status_code == 400
    assert login(client, "owner@example.org", NEW_PASSWORD).status_code == 302
    assert signed_in(client)


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, client, make_user):
    make_user("owner@example.org")
    elsewhere = app.test_client()
    login(client, "owner@example.org")
    login(elsewhere, "owner@example.org")

    wrong = post_form(
        client,
        "/account/password",
        {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code != 302
    assert "Your current password is not right." in wrong.get_data(as_text=True)
    assert signed_in(elsewhere)
    assert login(app.test_client(), "owner@example.org", NEW_PASSWORD).status_code == 400

    response = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/owner/"
    assert signed_in(client)  # this browser stays signed in
    assert not signed_in(elsewhere)
    assert login(app.test_client(), "owner@example.org").status_code == 400
    assert login(app.test_client(), "owner@example.org", NEW_PASSWORD).status_code == 302


def test_wrong_current_password_is_shown_next_to_the_current_password_field(client, make_user):
    make_user("owner@example.org")
    login(client, "owner@example.org")
    page = post_form(
        client,
        "/account/password",
        {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ).get_data(as_text=True)
    assert field_error(page, "current") == "Your current password is not right."
    assert field_error(page, "password") is None


@pytest.mark.parametrize("form", ["register", "reset", "change_password"])
def test_refused_account_forms_answer_400_like_the_other_forms(app, client, make_user, form):
    user = make_user("owner@example.org")
    short = {"password": "short", "confirm": "short"}
    if form == "register":
        response = post_form(client, "/account/register", {"email": "new@example.org", **short})
    elif form == "reset":
        token = accounts.make_token(
            app.extensions["settings"], "reset", {"id": user.id, "pw": user.password_hash[-16:]}
        )
        response = post_form(client, f"/account/reset/{token}", short)
    else:
        login(client, user.email)
        response = post_form(client, "/account/password", {"current": PASSWORD, **short})
    page = response.get_data(as_text=True)
    assert field_error(page, "password") == (
        "Use at least 12 characters; a few words make a good password."
    )
    # Sign-in, the report form and the owner forms answer a refused submission with 400.
    assert response.status_code == 400


# --- the create-admin command ----------------------------------------------------------------


def test_create_admin_command_makes_a_verified_admin_who_can_sign_in(app, runner):
    result = runner.invoke(
        args=["create-admin", "Boss@Example.org"], env={"ADMIN_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    assert "Admin ready: boss@example.org" in result.output
    user = user_by_email("boss@example.org")
    assert user.role is Role.ADMIN and user.email_verified_at is not None
    browser = app.test_client()
    response = login(browser, "boss@example.org")
    assert urlsplit(response.headers["Location"]).path == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_create_admin_command_rejects_a_short_password(runner):
    result = runner.invoke(
        args=["create-admin", "boss@example.org"], env={"ADMIN_PASSWORD": "short"}
    )
    assert result.exit_code != 0
    assert "Use at least 12 characters" in result.output
    assert user_by_email("boss@example.org") is None


# --- the sign-in rate limit ------------------------------------------------------------------


@pytest.fixture
def limited_app(app):
    """An app with rate limits on, over the test's own database (SQLite or PostgreSQL)."""
    limited = create_app(
        {**_config(app.config["SQLALCHEMY_DATABASE_URI"]), "RATELIMIT_ENABLED": True}
    )
    limited.test_client_class = IsolatedClient
    limiter.reset()
    try:
        yield limited
    finally:
        limiter.reset()
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()


def test_too_many_sign_in_attempts_get_a_friendly_429(limited_app):
    allowed = int(str(limited_app.config["LOGIN_RATE_LIMIT"]).split()[0])
    browser = limited_app.test_client()
    token = csrf_token(browser, "/account/login")
    attempt = {"csrf_token": token, "email": "someone@example.org", "password": "guess guess 12"}
    for _ in range(allowed):
        assert browser.post("/account/login", data=attempt).status_code == 400
    response = browser.post("/account/login", data=attempt)
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Too many requests. Please wait a moment and try again." in page
    assert "988" in page  # the usual layout, crisis line included
    assert "Retry-After" in response.headers
    check_security_headers(response)
    # Reading the form is not limited; JSON clients get JSON.
    assert browser.get("/account/login").status_code == 200
    as_json = browser.post("/account/login", data=attempt, headers={"Accept": "application/json"})
    assert as_json.status_code == 429 and as_json.get_json()["status"] == 429


def test_session_cookie_changes_at_sign_in_and_dies_at_sign_out(app, make_user):
    make_user("owner@example.org")
    browser = app.test_client()
    browser.get("/account/login")
    before = browser.get_cookie("session").value
    login(browser, "owner@example.org")
    signed_in_cookie = browser.get_cookie("session").value
    assert signed_in_cookie != before  # nothing of the anonymous session carries over
    assert browser.get("/owner/").status_code == 200

    thief = app.test_client()
    thief.set_cookie("session", signed_in_cookie, domain="localhost")
    assert thief.get("/owner/").status_code == 200  # a copied cookie works while signed in

    token = csrf_token(browser, "/owner/")
    browser.post("/account/logout", data={"csrf_token": token})
    assert browser.get("/owner/").status_code == 302
    assert thief.get("/owner/").status_code == 302  # and is worthless after sign-out
