"""The site's languages: which one a request gets, the switch, and the `lang` of a page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

from babel import Locale, dates, numbers
from flask import (
    Blueprint,
    Flask,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

# Language code shown to visitors and in `lang` attributes -> the Babel locale behind it.
# US Spanish: money as "$1,250", dates as "24 de noviembre de 2026".
LOCALES = {"en": "en_US", "es": "es_US"}
DEFAULT = "en"
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 60 * 60
# Each language's name in itself, for the switch in the header.
NAMES = {"en": "English", "es": "Español"}

bp = Blueprint("i18n", __name__)


def N_(message: str) -> str:  # noqa: N802 - the name Babel's extractor looks for
    """Mark a message for the catalogue; it is translated where it is shown."""
    return message


def chosen_language() -> str:
    """The language for this request: ?lang=, else the cookie, else Accept-Language, else en."""
    for explicit in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if explicit in LOCALES:
            return explicit
    # Best quality first; "es-MX" counts as Spanish even when a plain "en" is also listed.
    for tag, quality in request.accept_languages:
        primary = tag.split("-")[0].split("_")[0].lower()
        if quality > 0 and primary in LOCALES:
            return primary
    return DEFAULT


# Each language's Babel locale, parsed once. Requests share these objects, so the locale
# keyed memos below find their entries by identity: comparing two equal Babel locales
# costs more than the lookup itself, and a page looks some hundreds up.
_LOCALE_OBJECTS = {language: Locale.parse(name) for language, name in LOCALES.items()}


def select_locale() -> Locale:
    """Flask-Babel's locale selector: the Babel locale of the chosen language."""
    if not has_request_context():  # commands and mail built outside a request
        return _LOCALE_OBJECTS[DEFAULT]
    return _LOCALE_OBJECTS[chosen_language()]


def _page_locale() -> Locale | None:
    """Flask-Babel's get_locale(), read straight from where it keeps the locale once chosen
    (and where force_locale puts its own): a page asks hundreds of times, and each
    get_locale() goes through the `g` proxy three times."""
    if not has_app_context():
        return None
    kept = getattr(g._get_current_object(), "_flask_babel", None)
    locale: Locale | None = getattr(kept, "babel_locale", None)
    return locale if locale is not None else get_locale()


def babel_locale() -> str:
    """The Babel locale to format numbers and dates in: the request's, else en_US."""
    locale = _page_locale()
    if locale is None:
        return LOCALES[DEFAULT]
    # str() of a Babel locale rebuilds its identifier each time; a page asks hundreds of times.
    name = _LOCALE_NAMES.get(locale)
    if name is None:
        name = _LOCALE_NAMES[locale] = str(locale)
    return name


_LOCALE_NAMES: dict[Locale, str] = {}
_CATALOGUES: dict[Locale, Any] = {}


def catalogue() -> Any:
    """The page's message catalogue, kept per locale: Flask-Babel finds it again, through
    several context lookups, for each of the hundreds of messages a result page shows."""
    locale = _page_locale()
    if locale is None:
        return get_translations()
    found = _CATALOGUES.get(locale)
    if found is None:
        found = _CATALOGUES[locale] = get_translations()
    return found


_FINISHED: dict[Locale | None, dict[str, Markup]] = {}


@pass_context
def _template_gettext(context: Context, message: str, /, **values: Any) -> str:
    """`_()` in templates, as Jinja's newstyle gettext gives it (translated, escaped when
    the template escapes, then `%` applied), with each message that takes no values kept
    finished per locale: a page shows about a hundred, and Jinja's own wrapper costs more
    than the translation."""
    autoescape = context.eval_ctx.autoescape
    if values or not autoescape:
        text = catalogue().ugettext(message)
        return (Markup(text) if autoescape else text) % values  # noqa: S704 - as Jinja does
    table = _FINISHED.setdefault(_page_locale(), {})
    finished = table.get(message)
    if finished is None:
        finished = table[message] = Markup(catalogue().ugettext(message)) % {}  # noqa: S704
    return finished


def load_languages(app: Flask) -> None:
    """Read each language's messages and its number, money and date formats now, in
    gunicorn's master before it forks, instead of on each worker's first page in it."""
    with app.test_request_context("/"):
        for name in LOCALES.values():
            with force_locale(name):
                get_translations()
            numbers.format_currency(Decimal("1234.5"), "USD", locale=name)
            dates.format_date(date.today(), "d MMMM y", locale=name)


def current_language() -> str:
    """ "en" or "es": the language of the page being built, for `lang` attributes."""
    locale = _page_locale()
    return locale.language if locale is not None and locale.language in LOCALES else DEFAULT


def _local_target(target: str | None) -> str:
    """A path on this site to return to; anything else (another host, a scheme) goes home."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/"
    return target


@bp.get("/language")
def choose() -> ResponseReturnValue:
    """Remember the visitor's language (?lang=) for a year and return to the page they were on."""
    code = request.args.get("lang", "")
    target = _local_target(request.args.get("next"))
    response = redirect(target)
    if code in LOCALES:
        response.set_cookie(
            COOKIE, code, max_age=COOKIE_SECONDS, samesite="Lax", secure=request.is_secure
        )
    return response


def switch_links() -> list[dict[str, Any]]:
    """The header's "English · Español" links, each returning to the current page."""
    here = request.full_path if request.query_string else request.path
    # Drop a ?lang= the visitor arrived with, so the choice they click wins on return.
    if request.args.get("lang") is not None:
        args = request.args.to_dict(flat=False)
        args.pop("lang", None)
        query = urlencode(args, doseq=True)
        here = f"{request.path}?{query}" if query else request.path
    current = current_language()
    return [
        {
            "code": code,
            "name": name,
            "url": url_for("i18n.choose", lang=code, next=here),
            "current": code == current,
        }
        for code, name in NAMES.items()
    ]


def register(app: Flask) -> None:
    """Bind Flask-Babel with the selector, the switch route and the template helpers."""
    from directory.extensions import babel

    babel.init_app(app, default_locale=LOCALES[DEFAULT], locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: catalogue().ugettext(message),
        ngettext=lambda one, many, n: catalogue().ungettext(one, many, n),
        newstyle=True,
    )
    # `_()` straight to it too: Jinja's `_` looks `gettext` up and calls it, a second call.
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = _template_gettext
    app.register_blueprint(bp)
    app.add_template_global(current_language)
    app.add_template_global(switch_links)
