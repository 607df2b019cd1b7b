"""Template filters and globals: money, distances, dates, and the site-wide context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache, wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from babel import dates, numbers
from flask import Flask
from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from directory import settings
from directory.caching import VersionedMemo
from directory.extensions import db
from directory.i18n import babel_locale
from directory.links import link_urls, outside_url
from directory.listings import source_documents, supply_notes, taxonomy
from directory.models import REPORT_LABELS, Clinic, ClinicStatus
from directory.search import params as search_params
from directory.search import places as geo
from directory.terms import language_name, language_names, term, terms
from directory.validators import mixed_script

T = TypeVar("T")


# A result page formats a hundred amounts and dates, mostly the same few: Babel's
# formatting is kept per value and locale (each call parses its pattern again).
def _per_locale(empty: str) -> Callable[[Callable[[T, str], str]], Callable[[T | None], str]]:
    """Format a value in the page's locale, kept per value and locale; `empty` for None."""

    def decorate(format_value: Callable[[T, str], str]) -> Callable[[T | None], str]:
        kept = lru_cache(maxsize=4096)(format_value)

        @wraps(format_value)
        def formatted(value: T | None) -> str:
            return empty if value is None else kept(value, babel_locale())

        return formatted

    return decorate


@_per_locale(empty="—")
def money(cents: int, locale: str) -> str:
    """$1,234 for whole dollars, $1,234.50 otherwise, in the page's locale; a dash for nothing."""
    amount = Decimal(cents) / 100
    if cents % 100 == 0:
        return numbers.format_currency(
            amount, "USD", format="¤#,##0", locale=locale, currency_digits=False
        )
    return numbers.format_currency(amount, "USD", locale=locale)


def plain_dollars(cents: int | None) -> str:
    """1234.50: dollars with two decimals for files and machines; empty for nothing."""
    if cents is None:
        return ""
    dollars, rest = divmod(cents, 100)
    return f"{dollars}.{rest:02d}"


def miles(value: float | None) -> str:
    """A distance in miles to one decimal place, in the page's locale."""
    if value is None:
        return ""
    # Rounded as Babel rounds (half to even, from the float's shortest decimal form), so the
    # few hundred distinct tenths of a mile are each formatted once.
    tenths = Decimal(str(value)).quantize(_TENTH, rounding=ROUND_HALF_EVEN)
    return _miles(tenths, babel_locale())


_TENTH = Decimal("0.1")


def whole_miles(value: float) -> str:
    """A distance in whole miles, in the page's locale ("12 mi"): for a distance to a ZIP
    code's or city's centre, whose tenths would claim a precision it does not have."""
    return f"{number(round(value))} mi"


@lru_cache(maxsize=4096)
def _miles(tenths: Decimal, locale: str) -> str:
    return f"{numbers.format_decimal(tenths, format='#,##0.0', locale=locale)} mi"


@_per_locale(empty="")
def number(value: float | int, locale: str) -> str:
    """A count or amount with the locale's grouping ("1,250")."""
    return numbers.format_decimal(value, locale=locale)


class HeldCount(int):
    """A count whose text a page rendered with holes leaves as a hole (`|number` gives the
    hole), while its value still takes the template's branches."""

    hole: str

    def __new__(cls, value: int, hole: str) -> HeldCount:
        count = super().__new__(cls, value)
        count.hole = hole
        return count


def number_or_hole(value: float | int | None) -> str:
    """`|number` in templates: a count's grouped text, or a held count's hole."""
    if isinstance(value, HeldCount):
        return value.hole
    return number(value)


def source_host(url: str | None) -> str:
    """A source link's site name ("clinic.example.com"), so a patient sees where it points."""
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.") or "source"


# English keeps the site's "24 November 2026"; Spanish reads "24 de noviembre de 2026".
_LONG_DATE = {"en": "d MMMM y", "es": "d 'de' MMMM 'de' y"}


@_per_locale(empty="")
def long_date(value: date, locale: str) -> str:
    """24 November 2026, or 24 de noviembre de 2026 on a Spanish page."""
    pattern = _LONG_DATE.get(locale.split("_")[0], _LONG_DATE["en"])
    return dates.format_date(value, pattern, locale=locale)


def squeeze(html: Markup | str) -> Markup:
    """Fold each run of whitespace that spans lines into one newline (browsers show both
    alike), so a long list of indented cards weighs less.

    Line by line, as a pattern would (spaces and tabs before a newline, and any
    whitespace after it, become that newline): tried at every character of a whole page,
    the pattern took a millisecond.
    """
    safe = html if isinstance(html, Markup) else escape(html)
    lines = str(safe).split("\n")
    last = len(lines) - 1
    kept = [lines[0].rstrip(" \t") if last else lines[0]]
    for number, line in enumerate(lines[1:], start=1):
        line = line.lstrip()  # the newline before it takes its leading whitespace
        if number == last:
            kept.append(line)
        elif line:  # a blank line joins the run of whitespace
            kept.append(line.rstrip(" \t"))
    return Markup("\n".join(kept))  # noqa: S704 - escaped already


def supply_note(note: str) -> str:
    """An approval's or an undo's note on a supplied fact in the reader's language (it is
    kept in English); any other note as it is."""
    undone = supply_notes.restore(note)
    if undone is not None:
        return str(
            gettext(
                "Restored by a moderator on %(date)s (undo of change %(change)s).",
                date=long_date(undone.day),
                change=undone.change,
            )
        )
    found = supply_notes.approval(note)
    if found is None:
        return note
    if found.by_hospital:
        message = gettext(
            "Supplied by the hospital's price transparency file (proposal %(proposal)s), "
            "approved by a moderator on %(date)s.",
            proposal=found.proposal,
            date=long_date(found.day),
        )
    else:
        message = gettext(
            "Supplied by the clinic's owner (proposal %(proposal)s), approved by a moderator "
            "on %(date)s.",
            proposal=found.proposal,
            date=long_date(found.day),
        )
    return str(message)


# While a kept piece renders: the last day on which each "over 12 months old" answer it
# gave still holds (a date turns stale once; a stale date stays stale).
_TURNS: ContextVar[list[date] | None] = ContextVar("stale_turns", default=None)


def is_stale(as_of: date | None) -> bool:
    """True when a price's as-of date is older than the configured limit."""
    if as_of is None:
        return False
    limit = settings.current().price_stale_after_days
    stale = (date.today() - as_of).days > limit
    if not stale and (turns := _TURNS.get()) is not None:
        turns.append(as_of + timedelta(days=limit))
    return stale


@contextmanager
def stale_turns() -> Iterator[list[date]]:
    """Collect, while rendering, the last day each answer of `is_stale` holds: the piece
    rendered is the same up to the earliest of them."""
    turns: list[date] = []
    token = _TURNS.set(turns)
    try:
        yield turns
    finally:
        _TURNS.reset(token)


_EXAMPLE_DATA = VersionedMemo(size=1)


def _any_published_example() -> bool:
    found = db.session.execute(
        select(Clinic.id)
        .where(Clinic.is_example.is_(True), Clinic.status == ClinicStatus.PUBLISHED)
        .limit(1)
    ).first()
    return found is not None


def example_data_present() -> bool:
    """Whether any example clinic is published (the banner shows while one is).

    Every page's layout asks; the answer is kept per data version, so a page pays for the
    version read (shared with its HTTP validators) instead of a search of the clinics.
    """
    try:
        return _EXAMPLE_DATA.get(db.session, "example", _any_published_example)
    except SQLAlchemyError:
        # The error page for an unreachable database must still render.
        db.session.rollback()
        return False


def register(app: Flask) -> None:
    """Install the filters and the values every template may use."""
    app.add_template_filter(money)
    app.add_template_filter(miles)
    app.add_template_filter(whole_miles)
    app.add_template_filter(number_or_hole, "number")
    app.add_template_filter(supply_note)
    app.add_template_filter(term)
    app.add_template_filter(language_name)
    app.add_template_filter(terms)
    app.add_template_filter(language_names)
    app.add_template_filter(long_date)
    app.add_template_filter(source_host)
    app.add_template_filter(squeeze)
    app.add_template_filter(link_urls)
    app.add_template_filter(outside_url)
    app.add_template_filter(geo.state_display_name, "state_name")
    app.add_template_filter(geo.place_label)
    app.add_template_filter(geo.state_names)
    app.add_template_global(is_stale)
    app.add_template_global(source_documents.describe, "source_document")
    app.add_template_test(mixed_script, "mixed_script")
    app.add_template_test(search_params.is_yes, "yes")

    @app.context_processor
    def _site() -> dict[str, Any]:
        return {
            "site_name": app.config["SITE_NAME"],
            "treatment_choices": [(s, n) for s, n, _ in taxonomy.TREATMENTS],
            "condition_choices": taxonomy.CONDITIONS,
            "treatment_names": taxonomy.TREATMENT_NAMES,
            "condition_names": taxonomy.CONDITION_NAMES,
            "payment_choices": taxonomy.PAYMENT_OPTIONS,
            "language_choices": taxonomy.LANGUAGES,
            "payment_names": taxonomy.PAYMENT_NAMES,
            "language_names": taxonomy.LANGUAGE_NAMES,
            "example_data_present": example_data_present,
            "report_labels": REPORT_LABELS,
            "place_max_length": geo.MAX_PLACE_LENGTH,
        }
