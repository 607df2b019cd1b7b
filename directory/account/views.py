"""Account pages. Thin: validate, call the accounts service, commit, redirect."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from directory import settings
from directory.account import forms
from directory.accounts import service as accounts
from directory.auth import login_required
from directory.extensions import db, limiter
from directory.links import external_url, safe_next
from directory.owner.forms import ActionForm
from directory.view_helpers import per_account

bp = Blueprint("account", __name__)


def _login_limit() -> str:
    return settings.current().login_rate_limit


def _register_limit() -> str:
    return settings.current().register_rate_limit


def _status(form) -> int:  # type: ignore[no-untyped-def]
    """400 for a submitted form that was refused, as everywhere else."""
    return 400 if form.is_submitted() else 200


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    """Create an owner account; a verification link goes by mail."""
    form = forms.RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.register(
                db.session,
                form.email.data,
                form.password.data,
                settings.current(),
                # the claim (or other page) that sent the visitor here survives the round trip
                lambda token: external_url(
                    "account.verify", token=token, next=safe_next(request.args.get("next"))
                ),
            )
        except accounts.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            return render_template("account/check_mail.html", email=form.email.data)
    return render_template("account/register.html", form=form), _status(form)


@bp.get("/verify/<token>")
def verify(token: str) -> ResponseReturnValue:
    """Confirm an e-mail address from the link."""
    try:
        accounts.verify_email(db.session, settings.current(), token[:1000])
    except accounts.AccountError as exc:
        return render_template(
            "account/message.html", title=gettext("Link not valid"), message=str(exc)
        ), 400
    db.session.commit()
    flash(gettext("Your e-mail is confirmed. You can sign in now."), "success")
    return redirect(url_for("account.login", next=safe_next(request.args.get("next"))))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    """Sign in; the same answer for an unknown e-mail and a wrong password."""
    form = forms.LoginForm()
    status = 200
    if form.validate_on_submit():
        known = accounts.device_user_id(settings.current(), request.cookies.get(DEVICE_COOKIE))
        try:
            user = accounts.authenticate(
                db.session, form.email.data, form.password.data, settings.current(), known
            )
        except accounts.AccountError as exc:
            db.session.commit()  # keep the failure count
            form.password.errors.append(str(exc))
            status = 400
        else:
            db.session.commit()
            session.clear()  # nothing from before sign-in carries over (session fixation)
            login_user(user, remember=form.remember.data)
            session["remembered"] = bool(form.remember.data)
            target = safe_next(request.args.get("next"))
            default = url_for("admin.queue") if user.is_admin else url_for("owner.dashboard")
            response = redirect(target or default)
            _remember_device(response, user)
            return response
    elif request.method == "POST":
        status = 400
    return render_template("account/login.html", form=form), status


DEVICE_COOKIE = "known_device"


def _remember_device(response: Response, user) -> None:  # type: ignore[no-untyped-def]
    """Note in this browser that it signed in to the account, so a lockout caused by
    someone else's guesses does not keep the owner out (see accounts.authenticate)."""
    cfg = settings.current()
    response.set_cookie(
        DEVICE_COOKIE,
        accounts.device_token(cfg, user),
        max_age=accounts.DEVICE_MAX_AGE_SECONDS,
        secure=cfg.session_cookie_secure,
        httponly=True,
        samesite="Lax",
        path=url_for("account.login"),
    )


def _wrong_current_password(_response: Response) -> bool:
    return bool(g.get("wrong_current_password"))


def _change_password_limit() -> str:
    return settings.current().change_password_rate_limit


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out of this browser."""
    return _sign_out(gettext("You are signed out."), clear_session=True)


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere() -> Response:
    """End every session of the account."""
    return _sign_out(gettext("You are signed out on every device."), clear_session=False)


def _sign_out(message: str, clear_session: bool) -> Response:
    if ActionForm().validate_on_submit():
        # Sessions live in signed cookies: a new session token is what makes a copied
        # cookie worthless once its owner has signed out.
        accounts.sign_out_everywhere(db.session, current_user)
        db.session.commit()
        logout_user()
        if clear_session:
            session.clear()
        flash(message, "success")
    return redirect(url_for("public.index"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def forgot() -> ResponseReturnValue:
    """Ask for a reset link; the answer does not reveal whether the account exists."""
    form = forms.ForgotForm()
    if form.validate_on_submit():
        accounts.request_password_reset(
            db.session,
            form.email.data,
            settings.current(),
            lambda token: external_url("account.reset", token=token),
        )
        db.session.commit()
        return render_template("account/check_mail.html", email=form.email.data, reset=True)
    return render_template("account/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> ResponseReturnValue:
    """Choose a new password from a reset link (works once)."""
    form = forms.ResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(
                db.session, settings.current(), token[:1000], form.password.data
            )
        except accounts.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            logout_user()
            flash(gettext("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("account.login"))
    return render_template("account/reset.html", form=form), _status(form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _change_password_limit,
    key_func=per_account,
    methods=["POST"],
    deduct_when=_wrong_current_password,
)
def change_password() -> ResponseReturnValue:
    """Change the password; other sessions end."""
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                db.session, current_user, form.current.data, form.password.data, settings.current()
            )
        except accounts.WrongPassword as exc:
            g.wrong_current_password = True  # counted against the account's tries
            form.current.errors.append(str(exc))
        except accounts.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the session token changed
            flash(gettext("Your password is changed."), "success")
            return redirect(url_for("owner.dashboard"))
    return render_template("account/password.html", form=form), _status(form)
