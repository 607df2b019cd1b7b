"""The fixed messages of a listing's card and facts, translated once per language.

A result page shows some twenty messages in each of 25 cards; through `_()` each one finds
the request's locale and catalogue again. Here each is translated once per locale, exactly
as the templates' `_()` would give it (escaped, `%` applied), and a template fills the few
with placeholders with `%` as `_()` does: `w.pay_by % {"ways": ...}`.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import force_locale
from markupsafe import Markup

from directory.i18n import DEFAULT, LOCALES, N_, catalogue

# Messages with placeholders are kept as format strings; the others are final.
MESSAGES = {
    "example": N_("Example data"),
    "remote": N_("Telehealth / at-home program"),
    "metro_area": N_("%(metro)s area, %(state)s"),
    "no_street": N_("(street address not published)"),
    "serves": N_("Serves %(service_areas)s by telehealth"),
    "or_vanity": N_("or %(vanity)s"),
    "verified_by_clinic": N_("Last verified %(date)s (confirmed by the clinic)"),
    "verified_by_directory": N_("Last verified %(date)s (checked by the directory)"),
    "not_verified": N_("Not yet verified by the clinic or the directory"),
    "not_verified_lately": N_("Not verified in over 12 months"),
    "accepting": N_("Accepting new patients"),
    "not_accepting": N_("Not taking new patients"),
    "pay_by": N_("Pay by: %(ways)s"),
    "languages": N_("Languages: %(languages)s"),
    "from_price": N_("from <strong>%(price)s</strong>"),
    "per_session": N_("per session, published"),
    "prices_on_page": N_("Published prices on the clinic page"),
    "no_prices": N_("No published prices"),
    "cash_price": N_("Cash price:"),
    "from": N_("from"),
    "hospital_charge": N_("Hospital standard charge, from the hospital's price transparency file"),
    "as_of": N_(", as of"),
    "over_a_year_old": N_("Over 12 months old"),
    # After a card's prices when each of them is over 12 months old.
    "all_over_a_year_old": N_("All over 12 months old"),
    "free_consultation": N_("Free consultation"),
    "insurance_for": N_("Insurance accepted for %(treatments)s"),
    "insurance_for_some": N_("Insurance accepted for some treatments"),
    # A card's parts rendered per request.
    "away": N_("<strong>%(distance)s</strong> away"),
    # To a ZIP code's or city's centre: the page says once what "about" means.
    "about_away": N_("About <strong>%(distance)s</strong> away"),
    "within_about_a_mile": N_("Within about <strong>1 mi</strong>"),
    # Placed at an area's centre, which can be far from the clinic.
    "area_only": N_("Distance not known: the clinic publishes only its area"),
    # After a distance, by how the clinic is placed (`approximate_` and the precision).
    "approximate_postal_code": N_("(approximate: ZIP code centre)"),
    "approximate_city": N_("(approximate: city centre)"),
    "in_comparison": N_("In your comparison"),
    # A link from a picked card up to the comparison above the results.
    "to_comparison": N_("Go to your comparison"),
    "remove": N_('Remove<span class="visually-hidden"> %(name)s from the comparison</span>'),
    "comparison_full": N_("Your comparison is full (%(count)s). Remove one to add this clinic."),
    "add": N_('Add to compare<span class="visually-hidden">: %(name)s</span>'),
}

_TABLES: dict[str, SimpleNamespace] = {}


def card_words(locale: str) -> SimpleNamespace:
    """The messages translated for the page's locale, which `locale` names."""
    table = _TABLES.get(locale)
    if table is None:
        table = _TABLES[locale] = SimpleNamespace(**_translated(locale))
    return table


def _translated(locale: str) -> dict[str, Markup]:
    # The catalogue of the locale named, whatever locale is current: the table is kept
    # under that name for every later page.
    with force_locale(locale):
        found = catalogue()
    table: dict[str, Markup] = {}
    for name, message in MESSAGES.items():
        text = Markup(found.ugettext(message))  # noqa: S704 - a translation, as `_()` takes it
        table[name] = text if "%(" in message else text % {}
    # Clinic-supplied text stays in English: on a page in another language it says so.
    language = locale.split("_")[0]
    english = language not in LOCALES or language == DEFAULT
    table["lang_attr"] = Markup("" if english else ' lang="en"')  # noqa: S704 - a constant
    return table
