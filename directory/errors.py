"""Error pages: JSON for the API and for clients that ask for it, HTML for everyone else."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError
from werkzeug.wrappers import Response

from directory.accounts.mail import MailError
from directory.extensions import db
from directory.links import safe_next


def wants_json() -> bool:
    """True for the API and for clients that prefer JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def error_response(
    status: int, message: str, errors: dict[str, str] | None = None
) -> ResponseReturnValue:
    """The same error as JSON or as a page."""
    message = str(message)  # a lazy translation, now in the request's language
    if wants_json():
        body: dict[str, object] = {"status": status, "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        if exc.code is None:
            return exc
        if isinstance(exc, SecurityError):
            return _untrusted_host()
        return error_response(exc.code, _message(exc))

    @app.errorhandler(CSRFError)
    def _form_not_confirmed(_exc: CSRFError) -> ResponseReturnValue:
        # No cookie came back with the form (blocked, or the browser was restarted): say
        # why, and give back what was typed, so nothing has to be written twice.
        if wants_json():
            return error_response(400, FORM_NOT_CONFIRMED)
        page = render_template(
            "errors/form_not_sent.html",
            message=FORM_NOT_CONFIRMED,
            typed=_typed_text(),
            back=_same_site_referrer(),
        )
        return page, 400

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(_exc: StaleDataError) -> ResponseReturnValue:
        # Two people changed the same request at once; the later one saves nothing.
        db.session.rollback()
        return error_response(409, MESSAGES[409])

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError) -> ResponseReturnValue:
        # The database is down, locked or unreachable: say so kindly, keep the crisis line.
        db.session.rollback()
        if _over_budget(exc):
            app.logger.warning("Request over its time budget: %s", request.path)
            return error_response(503, OVER_BUDGET)
        app.logger.error("Database unavailable: %s", exc.__class__.__name__)
        response = error_response(503, MESSAGES[503])
        return response

    @app.errorhandler(MailError)
    def _mail_failed(_exc: MailError) -> ResponseReturnValue:
        # Nothing is kept that promised a mail the person will never get.
        db.session.rollback()
        return error_response(503, MAIL_FAILED)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        db.session.rollback()
        app.logger.exception("Unhandled error", exc_info=exc)
        return error_response(500, _message(InternalServerError()))


MESSAGES = {
    400: lazy_gettext("The request could not be understood."),
    404: lazy_gettext("There is no page at this address."),
    405: lazy_gettext("That method is not allowed here."),
    409: lazy_gettext(
        "Someone else changed this at the same moment, so nothing was saved. Reload the "
        "page to see the latest version and try again."
    ),
    413: lazy_gettext("The request is too large."),
    414: lazy_gettext("The address is too long."),
    429: lazy_gettext("Too many requests. Please wait a moment and try again."),
    500: lazy_gettext(
        "Something went wrong on our side. Nothing you entered was lost; please try again."
    ),
    503: lazy_gettext("The directory is briefly unavailable. Please try again in a minute."),
}


MAIL_FAILED = lazy_gettext(
    "We could not send the e-mail just now, so nothing was saved. Please try again in a "
    "few minutes."
)
OVER_BUDGET = lazy_gettext(
    "This request needed more time than the directory allows for one page. Narrow it (a "
    "smaller radius, a state, a treatment) and try again."
)


FORM_NOT_CONFIRMED = lazy_gettext(
    "Your form was not sent: this site could not confirm it came from its own page. Your "
    "browser may be blocking this site's cookies, or it was restarted while the page was "
    "open. The site keeps one cookie to protect its forms, not to follow you. Allow "
    "cookies for this site, then go back to the form and send it again."
)
# Form fields never given back on a page: secrets, and the form's own token.
_SECRET_FIELDS = ("password", "confirm", "token", "secret", "code")


def _typed_text() -> list[str]:
    """The sentences a refused form carried (values with a space: not codes or choices,
    which are quick to pick again), without passwords or tokens."""
    return [
        value.strip()
        for name, value in request.form.items(multi=True)
        if not any(secret in name.lower() for secret in _SECRET_FIELDS) and " " in value.strip()
    ][:20]


def _same_site_referrer() -> str | None:
    """The page the form was sent from, when it is one of this site's."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def _over_budget(exc: OperationalError) -> bool:
    """True when the database stopped a statement because the request's budget ran out."""
    name = type(exc.orig).__name__
    return name == "QueryCanceled" or "interrupted" in str(exc.orig)


def _untrusted_host() -> Response:
    """A request for a host name this site does not serve: no links can be built for it,
    so the answer is plain text, with the crisis line all the same."""
    return Response(
        "400 Bad Request: this site does not answer for that host name.\n\n"
        "In crisis? Call or text 988 (Suicide & Crisis Lifeline). In an emergency, call 911.\n",
        status=400,
        mimetype="text/plain",
    )


def _message(exc: HTTPException) -> str:
    return str(MESSAGES.get(exc.code or 500, exc.description or "Error"))
