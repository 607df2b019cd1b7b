"""Error pages: JSON for the API and for clients that ask for it, HTML for everyone else."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from directory.extensions import db


def wants_json() -> bool:
    """True for the API and for clients that prefer JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def error_response(status: int, message: str, errors: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """The same error as JSON or as a page."""
    if wants_json():
        body: dict[str, object] = {"status": status, "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | tuple[object, int]:
        if exc.code is None:
            return exc  # type: ignore[return-value]
        return error_response(exc.code, _message(exc))

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(_exc: StaleDataError) -> Response | tuple[object, int]:
        # Two people changed the same request at once; the later one saves nothing.
        db.session.rollback()
        return error_response(409, MESSAGES[409])

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError) -> Response | tuple[object, int]:
        # The database is down, locked or unreachable: say so kindly, keep the crisis line.
        db.session.rollback()
        app.logger.error("Database unavailable: %s", exc.__class__.__name__)
        response = error_response(503, MESSAGES[503])
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response | tuple[object, int]:
        db.session.rollback()
        app.logger.exception("Unhandled error", exc_info=exc)
        return error_response(500, _message(InternalServerError()))


MESSAGES = {
    400: "The request could not be understood.",
    404: "There is no page at this address.",
    405: "That method is not allowed here.",
    409: "Someone else changed this at the same moment, so nothing was saved. Reload the "
    "page to see the latest version and try again.",
    413: "The request is too large.",
    414: "The address is too long.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. Nothing you entered was lost; please try again.",
    503: "The directory is briefly unavailable. Please try again in a minute.",
}


def _message(exc: HTTPException) -> str:
    return MESSAGES.get(exc.code or 500, exc.description or "Error")
