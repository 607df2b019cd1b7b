"""Cookies, production settings and security headers on every page, for every role."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from directory import create_app
from directory.config import DEV_SECRET_KEY
from directory.extensions import db
from directory.listings import moderation, snapshots
from directory.models import Clinic, PatientReport, ReportCategory, SourceDocument
from tests.conftest import (
    MICHIGAN,
    PASSWORD,
    IsolatedClient,
    check_security_headers,
    csrf_token,
    login,
    post_form,
)

NEW_PASSWORD = "purple elephants juggle quietly"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


# --- cookies, configuration and headers -------------------------------------------------------


def _set_cookies(response: Any) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(client, make_user):
    make_user("owner@example.org")
    response = post_form(
        client,
        "/account/login",
        {"email": "owner@example.org", "password": PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    cookies = _set_cookies(response)
    assert {"session", "remember_token"} <= set(cookies)
    for name in ("session", "remember_token"):
        attributes = [a.strip().lower() for a in cookies[name].split(";")]
        assert "httponly" in attributes, cookies[name]
        assert "samesite=lax" in attributes, cookies[name]


def _production_config(app: Any, **overrides: Any) -> dict[str, Any]:
    config = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SERVER_NAME": "localhost",
        "RATELIMIT_ENABLED": False,
        "DEPLOYMENT": "production",
        "SECRET_KEY": "a-long-random-production-secret-0123456789",
        "PUBLIC_BASE_URL": "https://localhost",
        "MAIL_SERVER": "127.0.0.1",
    }
    config.update(overrides)
    return config


def test_production_sends_the_session_cookie_over_https_only(app, make_user):
    make_user("owner@example.org")
    production = create_app(_production_config(app))
    try:
        assert production.config["SESSION_COOKIE_SECURE"] is True
        assert production.config["REMEMBER_COOKIE_SECURE"] is True
        production.test_client_class = IsolatedClient
        browser = production.test_client()
        token = csrf_token(browser, "https://localhost/account/login")
        response = browser.post(
            "https://localhost/account/login",
            data={"csrf_token": token, "email": "owner@example.org", "password": PASSWORD},
            headers={"Referer": "https://localhost/account/login"},
        )
        assert response.status_code == 302
        attributes = [a.strip().lower() for a in _set_cookies(response)["session"].split(";")]
        assert {"secure", "httponly", "samesite=lax"} <= set(attributes)
    finally:
        with production.app_context():
            db.session.remove()
            db.engine.dispose()


def test_production_refuses_the_development_secret(app):
    with pytest.raises(RuntimeError, match="development SECRET_KEY"):
        create_app(_production_config(app, SECRET_KEY=DEV_SECRET_KEY))


@pytest.mark.parametrize(
    ("url", "status", "mimetype"),
    [
        ("/", 200, "text/html"),
        ("/api/v1/regions", 200, "application/json"),
        ("/no-such-page", 404, "text/html"),
        ("/api/v1/no-such-thing", 404, "application/json"),
        ("/clinics/no-such-clinic", 404, "text/html"),
    ],
)
def test_security_headers_on_pages_json_and_errors(client, url, status, mimetype):
    response = client.get(url)
    assert (response.status_code, response.mimetype) == (status, mimetype)
    check_security_headers(response)


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def _inline_code(page: str) -> list[str]:
    """Script the CSP would block: inline <script> other than JSON-LD, handlers, javascript:."""
    found = [
        f"<script{attrs}>"
        for attrs in SCRIPT_TAG.findall(page)
        if "src=" not in attrs and 'type="application/ld+json"' not in attrs
    ]
    found += EVENT_HANDLER.findall(page)
    found += re.findall(r'(?:href|action|src)="\s*javascript:[^"]*"', page, re.IGNORECASE)
    return found


def test_every_page_for_every_role_has_the_headers_and_no_inline_script(app, seeded, make_user):
    michigan = db.session.execute(select(Clinic).where(Clinic.slug == MICHIGAN)).scalar_one()
    owner = make_user("owner@example.org", clinics=(michigan,))
    make_user("admin@example.org", admin=True)
    payload = snapshots.snapshot(michigan) | {"website": "https://kim.example.org"}
    revision = moderation.propose_edit(db.session, owner, michigan, payload, "Our new site")
    db.session.commit()
    document = SourceDocument(sha256="0" * 64, text="Lakeview Ketamine Clinic\nCall (312) 555-0142")
    db.session.add(document)
    report = moderation.report(db.session, michigan, ReportCategory.PRICE, "The price is wrong")
    db.session.commit()
    values = {
        "report_id": report.id,
        "slug": MICHIGAN,
        "state": "MI",
        "revision_id": revision.id,
        "token": "not-a-token",
        "document_id": document.id,
    }
    values |= dict.fromkeys(("org_id", "service_id", "sal_id", "taxonomy_id", "term_id"), "none")
    queries = {
        "public.search_page": "?near=48336",
        "public.compare": f"?clinics={MICHIGAN},renew-ketamine",
        "public.costs": "?state=MI",
    }
    adapter = app.url_map.bind("localhost")
    urls = ["/no-such-page", "/search?near=nowhere-at-all"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and "GET" in (rule.methods or ()):
            built = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
            urls.append(built + queries.get(rule.endpoint, ""))

    seen = 0
    for email in (None, "owner@example.org", "admin@example.org"):
        browser = app.test_client()
        if email:
            assert login(browser, email).status_code == 302
        for url in urls:
            response = browser.get(url, follow_redirects=True)
            assert response.status_code < 500, url
            if response.mimetype == "text/html":
                seen += 1
                assert _inline_code(response.get_data(as_text=True)) == [], (email, url)
                headers = response.headers
                assert "script-src 'self'" in headers["Content-Security-Policy"], url
                assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], url
                assert headers["X-Content-Type-Options"] == "nosniff", url
                assert headers["X-Frame-Options"] == "DENY", url
                assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", url
    assert seen > 3 * 20
    # The clinic page does carry its JSON-LD data block.
    assert 'type="application/ld+json"' in app.test_client().get(f"/clinics/{MICHIGAN}").get_data(
        as_text=True
    )


def test_a_form_sent_without_its_cookie_says_why_and_gives_back_the_text(client, seeded, make_user):
    report = f"/clinics/{MICHIGAN}/report"
    note = "The phone number now rings a pharmacy on Orchard Lake Road."
    sent = {"csrf_token": "none", "category": "phone", "note": note}
    response = client.post(report, data=sent, headers={"Referer": f"http://localhost{report}"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<h1>Your form was not sent</h1>" in page and "blocking this site's cookies" in page
    assert re.search(
        r'<textarea id="typed-1" readonly[^>]*>' + re.escape(note) + "</textarea>", page
    )
    assert f'<a class="button" href="{report}">Back to the form</a>' in page
    assert "phone</textarea>" not in page  # a choice is picked again, not copied
    db.session.expire_all()
    assert db.session.execute(select(PatientReport)).first() is None

    # a password is never given back; a page elsewhere is not linked
    make_user("owner@example.org")
    sent = {"csrf_token": "none", "email": "owner@example.org", "password": NEW_PASSWORD}
    response = client.post(
        "/account/login", data=sent, headers={"Referer": "https://elsewhere.example/form"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and NEW_PASSWORD not in page
    assert "Back to the form" not in page and "elsewhere.example" not in page
    for referrer in ("http://localhost/\t/elsewhere.example", "http://localhost/\\elsewhere"):
        sent = {"csrf_token": "none", "category": "phone", "note": note}
        page = client.post(report, data=sent, headers={"Referer": referrer})
        assert "Back to the form" not in page.get_data(as_text=True)
    # the API's clients get the reason as JSON
    answer = client.post(report, data=sent, headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert "could not confirm it came from its own page" in answer.get_json()["message"]
