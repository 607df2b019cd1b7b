"""What a deployment relies on: health check, static caching, compression, the secret key."""

from __future__ import annotations

import gc
import gzip
import re
from types import SimpleNamespace

import pytest
from flask_babel import get_domain
from sqlalchemy import event

from directory import create_app, gunicorn_config
from directory.config import DEV_SECRET_KEY
from directory.extensions import db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_says_503_when_the_database_is_unreachable(tmp_path):
    missing = tmp_path / "no-such-dir" / "db.sqlite3"  # SQLite cannot create it
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unavailable"}


def test_stylesheet_is_fingerprinted_and_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/static/css/site\.([0-9a-f]{10})\.css)"', html)
    assert href, "the page links a fingerprinted stylesheet"
    with client.get(href.group(1)) as response:
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert b"--brand" in response.get_data()
    # A stale fingerprint is not served as if it were current.
    assert client.get("/static/css/site.0000000000.css").status_code == 404


def test_pages_with_forms_or_errors_are_not_kept_by_shared_caches(client):
    # Anonymous read-only pages may be cached briefly (tests/test_speed.py); pages that
    # carry a CSRF token, and error pages, never are.
    for path in ("/account/login", "/account/register", "/clinics/no-such-clinic"):
        assert client.get(path).headers["Cache-Control"] == "private, no-cache", path


def test_text_responses_are_compressed_when_asked(client, seeded):
    plain = client.get("/regions")
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    response = client.get("/regions", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
    body = response.get_data()
    assert gzip.decompress(body) == plain.get_data()
    assert int(response.headers["Content-Length"]) == len(body) < len(plain.get_data()) / 2
    # Caches keep one copy per encoding, per language and per cookie.
    assert set(re.split(r",\s*", response.headers["Vary"])) >= {"Accept-Encoding", "Cookie"}
    api = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "br, gzip"})
    assert api.headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(api.get_data()) == client.get("/api/v1/openapi.json").get_data()


def test_responses_are_sent_plain_when_gzip_is_refused_or_would_not_help(client, seeded):
    for refused in ("identity", "gzip;q=0", "br"):
        response = client.get("/regions", headers={"Accept-Encoding": refused})
        assert "Content-Encoding" not in response.headers, refused
        assert b"Browse clinics by state" in response.get_data()
    # A short answer is not worth compressing.
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers
    assert small.get_json()["status"] == "ok"
    # A revalidation answers 304 with no body, whatever the encoding asked.
    first = client.get("/regions", headers={"Accept-Encoding": "gzip"})
    again = client.get(
        "/regions", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.get_data() == b""


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.delenv("DIRECTORY_DEPLOYMENT", raising=False)
    with pytest.raises(RuntimeError, match="development SECRET_KEY"):
        create_app({"SECRET_KEY": DEV_SECRET_KEY, "DEPLOYMENT": "production"})


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.delenv("DIRECTORY_DEPLOYMENT", raising=False)
    app = create_app(
        {
            "SECRET_KEY": "a-real-secret",
            "DEPLOYMENT": "production",
            "PUBLIC_BASE_URL": "https://directory.example.org",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_over_long_query_strings_are_refused(client):
    response = client.get("/search?near=" + "a" * 3000)
    assert response.status_code == 414


def test_patients_get_a_friendly_503_with_the_crisis_line_when_the_database_is_down(tmp_path):
    missing = tmp_path / "no-such-dir" / "db.sqlite3"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"}
    )
    client = app.test_client()
    page = client.get("/search?near=48336")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "briefly unavailable" in html and "tel:988" in html
    api = client.get("/api/v1/clinics?near=48336")
    assert api.status_code == 503 and api.get_json()["status"] == 503


def test_too_many_parameters_are_refused(client):
    query = "&".join(f"p{i}=1" for i in range(60))
    assert client.get(f"/search?near=48336&{query}").status_code == 400
    assert client.get(f"/api/v1/clinics?{query}").get_json()["status"] == 400


def test_oversized_bodies_are_refused(client):
    response = client.post("/account/login", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_test_only_packages_are_not_served(client):
    assert client.get("/static/vendor/axe-core/axe.min.js").status_code == 404


def test_workers_fork_with_the_preloaded_application_set_apart_from_the_collector():
    """gunicorn's master freezes what it loaded before each fork, so a worker's full
    collections walk only the objects the worker made."""
    gc.unfreeze()
    try:
        gunicorn_config.pre_fork(server=None, worker=None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_workers_fork_with_the_templates_compiled_and_the_languages_read(app):
    """gunicorn's master compiles every page template, reads each language and the search
    points before the first fork: a worker, even one started again, shows its first pages
    without doing it."""
    app.jinja_env.cache.clear()
    with app.app_context():
        get_domain().cache.clear()
        engine = db.engine
    # Nothing the workers would share after the fork: the connection that read the search
    # points is closed before it.
    used: list[int] = []
    closed: list[int] = []

    def checked_out(connection: object, *_: object) -> None:
        used.append(id(connection))

    def closing(connection: object, *_: object) -> None:
        closed.append(id(connection))

    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "close", closing)
    try:
        gunicorn_config.when_ready(SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app)))
    finally:
        event.remove(engine, "checkout", checked_out)
        event.remove(engine, "close", closing)
    assert used and set(used) <= set(closed)
    assert engine.pool.checkedin() == 0

    compiled = {name for _loader, name in app.jinja_env.cache.keys()}
    assert set(app.jinja_env.list_templates(extensions=["html"])) <= compiled
    assert {"base.html", "public/search.html", "public/_clinic_article.html"} <= compiled
    with app.app_context():
        assert {locale for locale, _domain in get_domain().cache} >= {"en_US", "es_US"}
