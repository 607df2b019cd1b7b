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
    SEARCH_DEFAULT_RADIUS_MILES = 25.0
    SEARCH_MAX_RADIUS_MILES = 500.0
    SEARCH_PER_PAGE = 20
    SEARCH_MAX_PER_PAGE = 100
    COMPARE_MAX_CLINICS = 6
    PRICE_STALE_AFTER_DAYS = 365
    SITE_NAME = "Ketamine Clinic Directory"


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config from the defaults, DIRECTORY_/FLASK_ variables and test_config."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("FLASK")
    app.config.from_prefixed_env("DIRECTORY")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_url(os.environ["DATABASE_URL"])
    if test_config:
        app.config.update(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = os.path.join(app.instance_path, "directory.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"


def _normalise_url(url: str) -> str:
    """Point plain postgres:// URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
