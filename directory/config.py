"""Configuration: defaults, then the environment, then the test dictionary."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

DEV_SECRET_KEY = "dev-only-secret-change-me"  # noqa: S105 - refused outside development


class Defaults:
    """Settings every deployment starts from."""

    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_QUERY_STRING_LENGTH = 2048
    SQLITE_BUSY_TIMEOUT_MS = 5000  # how long a write waits for a lock before a friendly 503
    MAX_QUERY_PARAMETERS = 40
    MAX_FORM_PARTS = 200  # the listing form has about 80 fields
    SEARCH_DEFAULT_RADIUS_MILES = 25.0
    SEARCH_MAX_RADIUS_MILES = 500.0
    SEARCH_PER_PAGE = 20
    SEARCH_MAX_PER_PAGE = 100
    COMPARE_MAX_CLINICS = 6
    PRICE_STALE_AFTER_DAYS = 365
    SITE_NAME = "Ketamine Clinic Directory"
    # "development" relaxes what only makes sense over HTTPS; anything else is production.
    DEPLOYMENT = "production"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    REPORT_RATE_LIMIT = "5 per hour"
    REGISTER_RATE_LIMIT = "10 per hour"
    LOCKOUT_AFTER_FAILURES = 5
    LOCKOUT_MINUTES = 15
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 256
    TOKEN_MAX_AGE_SECONDS = 60 * 60 * 24
    MAIL_BACKEND = "outbox"  # outbox: stored and printed, never sent
    MAIL_SENDER = "no-reply@directory.invalid"
    GEOCODER = "gazetteer"  # or "nominatim" for owner-entered street addresses
    NOMINATIM_USER_AGENT = "ketamine-clinic-directory"
    STALE_LISTING_DAYS = 182
    MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/csv",
        "application/json",
        "application/javascript",
        "image/svg+xml",
    ]
    COMPRESS_MIN_SIZE = 1000
    COMPRESS_ALGORITHM = ["gzip"]


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config from the defaults, DIRECTORY_/FLASK_ variables and test_config."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("FLASK")
    app.config.from_prefixed_env("DIRECTORY")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_url(os.environ["DATABASE_URL"])
    if test_config:
        app.config.update(test_config)
    if app.config["DEPLOYMENT"] == "development" or app.config.get("TESTING"):
        if "SESSION_COOKIE_SECURE" not in (test_config or {}):
            app.config["SESSION_COOKIE_SECURE"] = False
            app.config["REMEMBER_COOKIE_SECURE"] = False
    elif app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError(
            "Refusing to start in production with the development SECRET_KEY: set "
            "DIRECTORY_SECRET_KEY, or DIRECTORY_DEPLOYMENT=development on your own machine."
        )
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = os.path.join(app.instance_path, "directory.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"


def _normalise_url(url: str) -> str:
    """Point plain postgres:// URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
