"""Taxonomy names (treatments, conditions, ways to pay) in the page's language."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from babel import Locale

from directory.i18n import N_, babel_locale, catalogue
from directory.listings import taxonomy

# The taxonomy's English names and descriptions, so the catalogue holds each one.
TERMS = frozenset(
    {
        N_("IV ketamine infusion"),
        N_("Esketamine (Spravato)"),
        N_("IM ketamine"),
        N_("Oral or sublingual ketamine"),
        N_("At-home program"),
        N_("Ketamine-assisted psychotherapy"),
        N_("Consultation"),
        N_("Integration therapy"),
        N_("Ketamine given through an intravenous drip."),
        N_("A nasal spray taken in the office under observation."),
        N_("Ketamine given as an intramuscular injection."),
        N_("Ketamine taken as a tablet or lozenge."),
        N_("Ketamine taken at home within a telehealth program."),
        N_("Therapy sessions combined with ketamine."),
        N_("An initial evaluation to decide whether ketamine fits."),
        N_("Therapy after treatment to make sense of it."),
        N_("Depression"),
        N_("Treatment-resistant depression"),
        N_("Anxiety"),
        N_("PTSD"),
        N_("OCD"),
        N_("Chronic pain"),
        N_("Suicidal ideation"),
        N_("Bipolar depression"),
        N_("Postpartum depression"),
        N_("Self-pay"),
        N_("Private insurance (in network)"),
        N_("Out of network (superbill offered)"),
        N_("Medicare"),
        N_("Medicaid"),
        N_("TRICARE"),
        N_("VA Community Care"),
        N_("Sliding-scale fees"),
        N_("Financing (for example CareCredit)"),
        N_("HSA or FSA card"),
        # Short names on a result card's price line (search.query.SHORT_TREATMENT_NAMES).
        N_("Oral"),
        N_("At-home"),
        N_("Psychotherapy (KAP)"),
        N_("Integration"),
        # Where a proposal, claim or report stands.
        N_("pending"),
        N_("approved"),
        N_("rejected"),
        N_("withdrawn"),
        N_("draft"),
        N_("published"),
        N_("suspended"),
        # How a stored source document is described (seeds/documents/titles.toml).
        N_("a page on the clinic's web site"),
        N_("a web page"),
        N_("Stored copy of a web page"),
        # Who administers treatment, as the listing form's examples name them (DESIGN's
        # care team); another answer is the clinic's own words and stays as written.
        N_("Anesthesiologist"),
        N_("Psychiatrist"),
        N_("Emergency physician"),
        N_("Certified registered nurse anesthetist (CRNA)"),
        N_("Nurse practitioner"),
        # What a quoted claim is about (seeds/clinics.toml's quotes).
        N_("Long-term effect"),
        N_("Response rate"),
        N_("How long it lasts"),
        N_("How fast it works"),
        N_("Safety"),
        # Languages whose names Babel's data lacks (taxonomy.json).
        N_("Sign language"),
        # The reason the site itself stores on a proposal a newer one replaced
        # (listings/moderation.py).
        N_("Replaced by a newer proposal."),
    }
)


def term(name: str, found: Any = None) -> str:
    """A taxonomy name in the page's language (`found`: the page's catalogue, when the caller
    has it already); any other text (a clinic's own) as it is."""
    if name not in TERMS:
        return name
    return str((found or catalogue()).ugettext(name))


def terms(names: Iterable[str], separator: str = ", ") -> str:
    """Taxonomy names in the page's language, joined (one filter call instead of a map, and
    one look for the page's catalogue instead of one a name)."""
    found = catalogue()
    return separator.join(term(name, found) for name in names)


def language_names(codes: Iterable[str]) -> str:
    """Languages by name in the page's language, joined with commas."""
    return ", ".join(language_name(code) for code in codes)


def language_name(code: str) -> str:
    """A language's name in the page's language ("Spanish", "español"), from Babel's data."""
    return _language_name(code, babel_locale())


@lru_cache(maxsize=1024)
def _language_name(code: str, locale_name: str) -> str:
    locale = Locale.parse(locale_name)
    english = taxonomy.LANGUAGE_NAMES.get(code, code)
    if locale.language == "en":
        return english
    return locale.languages.get(code) or term(english)
