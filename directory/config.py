"""Configuration: defaults, then the environment, then the test dictionary."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

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
    # How much of an SQLite file is read through memory mapping: shared by every worker in
    # the operating system's page cache, not copied into each connection's own cache. Keep
    # the file on a local disk, and replace it only with the backup commands: a mapped file
    # that fails to read or is cut short under a worker stops that worker (0 turns it off).
    SQLITE_MMAP_BYTES = 1024 * 1024 * 1024
    # Database work one request may do before it answers 503 instead of holding a worker
    # until gunicorn kills it (its timeout is 30 s).
    REQUEST_TIME_BUDGET_SECONDS = 10.0
    EXPORT_RATE_LIMIT = "20 per minute;200 per hour"
    EXPORT_MAX_ROWS = 5000
    # The HSDS data package is built once per change of the data and kept as a file in
    # EXPORTS_DIR (relative to the instance folder; "" for its exports/). A directory with
    # more published listings than this is not built within a download (about 2 s per
    # 1,000 listings): after a change it serves the package built last until
    # `build-hsds-datapackage` runs (as the site's user, so both can write the folder).
    HSDS_DATAPACKAGE_BUILD_MAX_LISTINGS = 2500
    EXPORTS_DIR = ""
    MAX_QUERY_PARAMETERS = 40
    MAX_FORM_PARTS = 200  # the listing form has about 80 fields
    SEARCH_DEFAULT_RADIUS_MILES = 25.0
    SEARCH_MAX_RADIUS_MILES = 500.0
    SEARCH_PER_PAGE = 20
    SEARCH_MAX_PER_PAGE = 100
    # Search pages filled in from their shape's content, rendered once
    # (public/search_shapes.py); False renders every one whole.
    SEARCH_PAGES_BY_SHAPE = True
    COMPARE_MAX_CLINICS = 6
    PRICE_STALE_AFTER_DAYS = 365
    SITE_NAME = "Ketamine Clinic Directory"
    # Every absolute link (mail, JSON-LD, OpenAPI, CSV) is built from this, never from the
    # request's Host header. Required in production; development and tests have defaults.
    PUBLIC_BASE_URL: str | None = None
    # Hosts the site answers for (Flask refuses others with 400). Defaults to the host of
    # PUBLIC_BASE_URL; a JSON list or a comma-separated string in the environment.
    TRUSTED_HOSTS: list[str] | None = None
    # Set to the number of proxies in front of the site to trust their X-Forwarded-*
    # headers; 0 trusts none (then the client address is the socket's).
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    # "development" relaxes what only makes sense over HTTPS; anything else is production.
    DEPLOYMENT = "production"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    # "Keep me signed in" lasts two weeks at most (Flask-Login's default is a year), and
    # any session ends after a while without a request.
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    SESSION_IDLE_MINUTES = 60
    REMEMBERED_IDLE_DAYS = 7
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    # memory:// counts per worker process; serving with several workers needs Redis
    # (REDIS_URL), and production refuses to start otherwise (gunicorn_config.py).
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL: str | None = None
    # Result cards the workers share (directory/shared_pieces.py): a Redis of their own,
    # or else REDIS_URL's.
    SHARED_CARDS_URL: str | None = None
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    REPORT_RATE_LIMIT = "5 per hour"
    REGISTER_RATE_LIMIT = "10 per hour"
    # Wrong current passwords on the change-password form, per account.
    CHANGE_PASSWORD_RATE_LIMIT = "5 per 15 minutes"  # noqa: S105 - a rate, not a secret
    LOCKOUT_AFTER_FAILURES = 5
    LOCKOUT_MINUTES = 15
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 256
    TOKEN_MAX_AGE_SECONDS = 60 * 60 * 24
    # smtp (production's default) or outbox (stored, never sent: development and tests).
    MAIL_BACKEND: str | None = None
    MAIL_SENDER = "no-reply@directory.invalid"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_TIMEOUT = 10
    GEOCODER = "gazetteer"  # or "nominatim" for owner-entered street addresses
    # Reading clinic pages and hospital price files from other sites (admins and commands).
    INGEST_FETCH_TIMEOUT_SECONDS = 10.0
    INGEST_ALLOW_PRIVATE_ADDRESSES = False  # tests serve pages on loopback
    HPT_FETCH_TIMEOUT_SECONDS = 30.0  # a wait limit between bytes; big files take minutes
    HPT_MAX_FILE_BYTES = 16 * 1024**3
    NOMINATIM_USER_AGENT = "ketamine-clinic-directory"
    STALE_LISTING_DAYS = 182
    QUEUE_PER_PAGE = 25
    # One owner cannot fill the moderation queue: new clinics waiting at once, and a rate.
    OWNER_MAX_PENDING_NEW_CLINICS = 5
    OWNER_SUBMIT_RATE_LIMIT = "20 per hour;60 per day"
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
    # ISA-L's level 2 (of 0 to 3): see directory/compression.py.
    COMPRESS_LEVEL = 2


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config from the defaults, DIRECTORY_/FLASK_ variables and test_config."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("FLASK")
    app.config.from_prefixed_env("DIRECTORY")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_url(os.environ["DATABASE_URL"])
    if os.environ.get("REDIS_URL"):
        app.config["REDIS_URL"] = os.environ["REDIS_URL"]
    if test_config:
        app.config.update(test_config)
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    if app.config["DEPLOYMENT"] == "development" or app.config.get("TESTING"):
        if "SESSION_COOKIE_SECURE" not in (test_config or {}):
            app.config["SESSION_COOKIE_SECURE"] = False
            app.config["REMEMBER_COOKIE_SECURE"] = False
    elif app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError(
            "Refusing to start in production with the development SECRET_KEY: set "
            "DIRECTORY_SECRET_KEY, or DIRECTORY_DEPLOYMENT=development on your own machine."
        )
    _public_url_and_hosts(app)
    _mail_backend(app)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = os.path.join(app.instance_path, "directory.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"


DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
TESTING_BASE_URL = "http://localhost"


def _public_url_and_hosts(app: Flask) -> None:
    """Check PUBLIC_BASE_URL and derive TRUSTED_HOSTS from it unless they are given."""
    cfg = app.config
    development = cfg["DEPLOYMENT"] == "development"
    if not cfg.get("PUBLIC_BASE_URL"):
        if cfg.get("TESTING"):
            cfg["PUBLIC_BASE_URL"] = TESTING_BASE_URL
        elif development:
            cfg["PUBLIC_BASE_URL"] = DEVELOPMENT_BASE_URL
        else:
            raise RuntimeError(
                "Refusing to start in production without DIRECTORY_PUBLIC_BASE_URL (for "
                "example https://directory.example.org): links in mail are built from it."
            )
    base = urlsplit(str(cfg["PUBLIC_BASE_URL"]))
    if base.scheme not in ("http", "https") or not base.hostname or base.path not in ("", "/"):
        raise RuntimeError(
            "DIRECTORY_PUBLIC_BASE_URL must be a scheme and host such as "
            f"https://directory.example.org, not {cfg['PUBLIC_BASE_URL']!r}."
        )
    cfg["PUBLIC_BASE_URL"] = f"{base.scheme}://{base.netloc}"
    hosts = cfg.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        hosts = [h.strip() for h in hosts.split(",") if h.strip()]
    if not hosts:
        hosts = [base.hostname]
        if development or cfg.get("TESTING"):
            hosts += ["localhost", "127.0.0.1"]
    cfg["TRUSTED_HOSTS"] = sorted(set(hosts))


def _mail_backend(app: Flask) -> None:
    """Outbox unless told otherwise in development and tests; real mail in production."""
    cfg = app.config
    local = cfg["DEPLOYMENT"] == "development" or cfg.get("TESTING")
    if not cfg.get("MAIL_BACKEND"):
        cfg["MAIL_BACKEND"] = "outbox" if local else "smtp"
    if cfg["MAIL_BACKEND"] not in ("smtp", "outbox"):
        raise RuntimeError(
            f"DIRECTORY_MAIL_BACKEND must be smtp or outbox, not {cfg['MAIL_BACKEND']!r}."
        )
    if cfg["MAIL_BACKEND"] == "outbox" and not local:
        raise RuntimeError(
            "Refusing to start in production with the outbox mail backend: mail would never "
            "reach anyone. Set DIRECTORY_MAIL_SERVER (and port, TLS, user, password)."
        )


def check_worker_storage(config: Any, workers: int) -> None:
    """Refuse several production workers that would each keep their own rate limits."""
    shared = not str(config["RATELIMIT_STORAGE_URI"]).startswith("memory://")
    if workers > 1 and not shared and config["DEPLOYMENT"] != "development":
        raise RuntimeError(
            f"Refusing to serve with {workers} workers and per-process rate limits: set "
            "REDIS_URL (for example redis://127.0.0.1:6379/0) so the limits are shared."
        )


def _normalise_url(url: str) -> str:
    """Point plain postgres:// URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
