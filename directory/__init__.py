"""Ketamine clinic directory: the Flask application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from directory import config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, errors, commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    config.load(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)

    from directory import cli, errors

    errors.register(app)
    cli.register(app)
    _limit_query_length(app)
    return app


def _limit_query_length(app: Flask) -> None:
    """Refuse very long query strings before any work is done on them."""
    from flask import abort, request

    @app.before_request
    def _check_query_length() -> None:
        if len(request.query_string) > app.config["MAX_QUERY_STRING_LENGTH"]:
            abort(414)


def _init_extensions(app: Flask) -> None:
    from directory.extensions import csrf, db, enable_sqlite_pragmas

    db.init_app(app)
    csrf.init_app(app)
    with app.app_context():
        enable_sqlite_pragmas(db.engine)


def _register_blueprints(app: Flask) -> None:
    from directory.api.views import bp as api_bp
    from directory.extensions import csrf
    from directory.public.views import bp as public_bp

    app.register_blueprint(public_bp)
    # The read-only JSON API takes no form posts, so it has no CSRF token to check.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def _register_template_helpers(app: Flask) -> None:
    from directory import formatting

    formatting.register(app)
