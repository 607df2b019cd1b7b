"""Ketamine clinic directory: the Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from directory import compression, config, routing, security, settings, shared_pieces, template_code
from directory.search import geocoding, spatial


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, errors, commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=_shipped("templates"),
        static_folder=_shipped("static"),
    )
    app.url_rule_class = routing.LazyBuilderRule
    config.load(app, test_config)
    site_settings = settings.install(app)
    os.makedirs(app.instance_path, exist_ok=True)
    _trust_proxies(app)

    _init_extensions(app)
    app.extensions["geocoder"] = geocoding.from_settings(site_settings)
    security.register_converters(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    template_code.share(app)
    routing.keep_plain_links(app)

    from directory import assets, auth, caching, cli, errors, i18n, read_only
    from directory.listings import (
        search_points,  # noqa: F401  (the points searches read)
        service_ids,  # noqa: F401  (listeners keep the HSDS ids)
        state_programs,  # noqa: F401  (and each state's programs)
    )
    from directory.prices import lowest  # noqa: F401  (its listeners keep lowest_prices)
    from directory.public import stored_cards  # noqa: F401  (and the result cards)

    read_only.register(app)  # first: before any hook reads the database
    i18n.register(app)
    assets.register(app)
    auth.register(app)
    caching.register(app)
    errors.register(app)
    cli.register(app)
    security.register(app)
    return app


def _shipped(folder: str) -> str:
    """The top-level folder in a checkout, or its copy inside an installed package."""
    in_checkout = Path(__file__).resolve().parent.parent / folder
    return f"../{folder}" if in_checkout.is_dir() else folder


def _trust_proxies(app: Flask) -> None:
    """Read X-Forwarded-* only from as many proxies as the settings say sit in front."""
    counts = {
        key: int(app.config[f"PROXY_FIX_X_{key.upper()}"]) for key in ("for", "proto", "host")
    }
    if any(counts.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=counts["for"], x_proto=counts["proto"], x_host=counts["host"]
        )


def _init_extensions(app: Flask) -> None:
    from directory.extensions import (
        MIGRATIONS_DIR,
        csrf,
        db,
        enable_sqlite_pragmas,
        enable_time_budget,
        limiter,
        mail,
        migrate,
    )

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    compression.init_app(app)
    mail.init_app(app)
    shared_pieces.init_app(app)
    with app.app_context():
        enable_sqlite_pragmas(
            db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], app.config["SQLITE_MMAP_BYTES"]
        )
        enable_time_budget(db.engine)
        spatial.install_sqlite_math(db.engine)


def _register_blueprints(app: Flask) -> None:
    from directory.account.views import bp as account_bp
    from directory.admin.views import bp as admin_bp
    from directory.api.views import bp as api_bp
    from directory.extensions import csrf
    from directory.ops import bp as ops_bp
    from directory.owner.views import bp as owner_bp
    from directory.public.views import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(owner_bp, url_prefix="/owner")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(ops_bp)
    # The read-only JSON API takes no form posts, so it has no CSRF token to check.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def _register_template_helpers(app: Flask) -> None:
    from directory import formatting

    formatting.register(app)
