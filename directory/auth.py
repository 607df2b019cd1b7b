"""Who may see what: the login manager's loader and the per-route decorators."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, flash, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user, user_loaded_from_cookie
from sqlalchemy.exc import SQLAlchemyError

from directory import settings
from directory.accounts import service as accounts
from directory.errors import wants_json
from directory.extensions import db, login_manager
from directory.i18n import N_

F = TypeVar("F", bound=Callable[..., Any])


def register(app: Flask) -> None:
    """Wire Flask-Login to the accounts service."""
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = N_("Sign in to continue.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(session_token: str):  # type: ignore[no-untyped-def]
        try:
            return accounts.load_user(db.session, session_token)
        except SQLAlchemyError:
            db.session.rollback()  # database down: treat as signed out; the page says why
            return None

    @app.before_request
    def _end_idle_sessions() -> None:
        """Sign out a session unused for too long; remembered ones may idle for days."""
        if "_user_id" not in session:
            return
        now = int(time.time())
        seen = session.get("seen")
        site = settings.of(app)
        if session.get("remembered"):
            limit = site.remembered_idle_days * 86400
        else:
            limit = site.session_idle_minutes * 60
        if isinstance(seen, int) and now - seen > limit:
            logout_user()
            session.clear()
            flash(
                gettext("You were signed out after a while without activity. Sign in again."),
                "info",
            )
            return
        if not isinstance(seen, int) or now - seen > 60:
            session["seen"] = now  # at most once a minute, so the cookie rarely changes

    @user_loaded_from_cookie.connect_via(app)
    def _from_cookie(_app: Flask, user: Any = None) -> None:
        session["remembered"] = True
        session["seen"] = int(time.time())

    @login_manager.unauthorized_handler
    def _unauthorized():  # type: ignore[no-untyped-def]
        if wants_json():
            abort(401)
        # After sign-in the browser follows `next` with GET; a form's URL would answer 405.
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("account.login", next=target))


def login_required(view: F) -> F:
    """Signed-in accounts only: JSON clients get 401, browsers the sign-in page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Admins only: others signed in get 403; anonymous visitors are sent to sign in."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
