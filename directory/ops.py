"""Operations endpoints: the health check used by load balancers and the benchmark."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from directory.extensions import db

bp = Blueprint("ops", __name__)
_PING = text("SELECT 1")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the database answers, 503 when it does not."""
    try:
        # On a connection of its own, outside a transaction: one round trip to the
        # server, where the session's would add BEGIN and ROLLBACK around it.
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(_PING)
    except SQLAlchemyError:
        current_app.logger.warning("Health check: database unavailable")
        response = jsonify(status="error", database="unavailable")
        response.headers["Cache-Control"] = "no-store"
        return response, 503
    response = jsonify(status="ok", database="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
