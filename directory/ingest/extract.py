"""The candidate listing a clinic's page states, each fact with the page's own words.

Precision comes before recall: a fact is output only with a quote that appears in the
page's visible text, a sentence about the market is not the clinic's price, a fax number
is not a phone, and a page that does not describe a clinic yields nothing at all.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import phonenumbers
import usaddress
from price_parser import Price

from directory.ingest import pages
from directory.ingest.pages import Page
from directory.search import places as geo


class NotAClinicPage(ValueError):
    """The page does not describe a clinic (a news article, a blog post, an empty page)."""


# --- the text as sentences --------------------------------------------------------------------

_SENTENCE_END = re.compile(
    r"\n|(?<=[.!?])(?<!\bDr\.)(?<!\bSt\.)(?<!\bSte\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bNo\.)"
    r"(?<![A-Z]\.[A-Z]\.)\s+(?=[A-Z0-9“\"(])"
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass
class _Text:
    """The visible text with line and sentence boundaries, to quote what a match sits in."""

    text: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)
    lower: str = ""

    def __post_init__(self) -> None:
        pos = 0
        for match in _SENTENCE_END.finditer(self.text):
            self._add(pos, match.start())
            pos = match.end()
        self._add(pos, len(self.text))
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", self.text)]
        lower = self.text.lower()
        # Positions in the lower-case copy must be positions in the text.
        self.lower = lower if len(lower) == len(self.text) else self.text.translate(_ASCII_LOWER)

    def _add(self, start: int, end: int) -> None:
        if self.text[start:end].strip():
            self.starts.append(start)
            self.ends.append(end)

    def sentences_with(self, anchors: tuple[str, ...]) -> list[tuple[int, int]]:
        """The sentences holding any of these lower-case words, in page order.

        Finding plain words is fast; the patterns then run on those sentences only, so a
        1 MB page costs one pass per word rather than one regular-expression scan per fact.
        """
        spans: set[tuple[int, int]] = set()
        for anchor in anchors:
            pos = self.lower.find(anchor)
            while pos >= 0:
                span = self.sentence_at(pos)
                spans.add(span)
                pos = self.lower.find(anchor, max(span[1], pos + 1))
        return sorted(spans)

    def sentence_at(self, pos: int) -> tuple[int, int]:
        """The span of the sentence holding a position."""
        i = max(bisect.bisect_right(self.starts, pos) - 1, 0)
        return self.starts[i], self.ends[i]

    def sentence(self, pos: int) -> str:
        """The sentence holding a position."""
        start, end = self.sentence_at(pos)
        return self.text[start:end].strip()

    def line_start(self, pos: int) -> int:
        """Where the line holding a position starts."""
        return self.line_starts[bisect.bisect_right(self.line_starts, pos) - 1]

    def line(self, pos: int) -> str:
        """The line holding a position."""
        i = bisect.bisect_right(self.line_starts, pos) - 1
        end = self.text.find("\n", self.line_starts[i])
        return self.text[self.line_starts[i] : end if end >= 0 else len(self.text)]

    def lines(self) -> list[str]:
        """Every line of the text."""
        return self.text.split("\n")


# --- vocabularies -----------------------------------------------------------------------------

TREATMENT_PATTERNS: dict[str, str] = {
    "iv-infusion": r"ketamine\s+infusions?|infusion\s+therapy|\bIV\s+ketamine|intravenous\s+"
    r"ketamine|ketamine\s+IV\b",
    "esketamine": r"\besketamine\b|\bspravato\b",
    "im-ketamine": r"\bIM\s+ketamine|intramuscular\s+(?:ketamine|injections?)",
    "oral-ketamine": r"(?:oral|sublingual)\s+ketamine|ketamine\s+(?:lozenges?|troches?|tablets?)",
    "at-home": r"at[- ]home\s+(?:ketamine\s+)?(?:program|treatment|therapy)|home[- ]based\s+"
    r"ketamine",
    "kap": r"ketamine[- ]assisted\s+(?:psycho)?therapy|\bKAP\b",
    "consultation": r"\bconsultations?\b|initial\s+(?:evaluation|assessment)",
    "integration": r"\bintegration\s+(?:therapy|sessions?|coaching|support|visits?)",
}
# In a price line the treatment is often named in passing ("Booster infusion: $400").
PRICE_TREATMENT_PATTERNS: dict[str, str] = {
    "esketamine": r"esketamine|spravato",
    "im-ketamine": r"\bIM\b|intramuscular|injection",
    "oral-ketamine": r"\boral\b|sublingual|lozenge|troche|tablet",
    "at-home": r"at[- ]home|home program",
    "kap": r"psychotherapy|\bKAP\b",
    "integration": r"integration",
    "consultation": r"consult|evaluation|assessment",
    "iv-infusion": r"infusion|\bIV\b|intravenous",
}
CONDITION_PATTERNS: dict[str, str] = {
    "treatment-resistant-depression": r"treatment[-\u2010\u2011 ]resistant\s+(?:major\s+)?"
    r"depression|refractory\s+depression",
    "bipolar-depression": r"\bbipolar(?:\s+(?:depression|disorder))?\b",
    "postpartum-depression": r"post[- ]?partum\s+depression|perinatal\s+depression",
    "depression": r"\bdepression\b|\bdepressive\b",
    "anxiety": r"\banxiety\b",
    "ptsd": r"\bPTSD\b|post[- ]traumatic\s+stress",
    "ocd": r"\bOCD\b|obsessive[- ]compulsive",
    "chronic-pain": r"chronic\s+pain|fibromyalgia|\bCRPS\b|neuropathic\s+pain|"
    r"\b(?:for|and|or|treat|treats|treating|relieve|manage)\s+pain\b",
    "suicidal-ideation": r"suicidal\s+(?:ideation|thoughts)",
}
_COMPILED = {
    slug: re.compile(pattern, re.I)
    for slug, pattern in [*TREATMENT_PATTERNS.items(), *CONDITION_PATTERNS.items()]
}
# Plain lower-case words that every match of a fact's pattern contains (see sentences_with).
ANCHORS: dict[str, tuple[str, ...]] = {
    "iv-infusion": ("infusion", "iv ", "intravenous", "ketamine iv"),
    "esketamine": ("esketamine", "spravato"),
    "im-ketamine": ("im ", "intramuscular"),
    "oral-ketamine": ("oral", "sublingual", "lozenge", "troche", "tablet"),
    "at-home": ("home",),
    "kap": ("assisted", "kap"),
    "consultation": ("consultation", "initial"),
    "integration": ("integration",),
    "treatment-resistant-depression": ("resistant", "refractory"),
    "bipolar-depression": ("bipolar",),
    "postpartum-depression": ("partum", "perinatal"),
    "depression": ("depress",),
    "anxiety": ("anxiety",),
    "ptsd": ("ptsd", "traumatic"),
    "ocd": ("ocd", "obsessive"),
    "chronic-pain": ("pain", "fibromyalgia", "crps"),
    "suicidal-ideation": ("suicidal",),
    "insurance": ("insurance", "insurers", "health plans", "network"),
    "self_pay": ("self", "cash", "pocket"),
    "hsa_fsa": ("hsa", "fsa", "health savings", "flexible spending"),
    "financing": ("carecredit", "care credit", "financing", "payment plan", "advance care"),
    "credit_card": ("credit card", "visa", "mastercard", "american express", "discover card"),
    "languages": ("habla", "speak", "services in", "care in", "available in", "fluent in"),
    "telehealth": ("telehealth", "telemedicine", "virtual", "online", "home", "remote"),
    # Amounts, "free" price lines, and "call for pricing" (its words: pricing, prices, ...).
    "prices": ("$", "free", "pricing", "prices", "rates", "cost", "quote"),
}
# A treatment is the clinic's when the sentence offers it or the line is a heading.
_OFFER = re.compile(
    r"\b(?:we|our|us|offer|offers|offering|provide|provides|provider|available|schedule|book|"
    r"contact|call|price|prices|pricing|cost|session|sessions|program|candidate)\b|\$",
    re.I,
)
# A condition counts when the sentence ties it to treatment.
_TREATS = re.compile(
    r"ketamine|treat|therap|infusion|relie|symptom|help|heal|reduce|spravato|esketamine|"
    r"work with|living with|patients with|adults with|people with",
    re.I,
)
# A general condition inside a more specific one ("bipolar depression") is not its own fact.
_SPECIFIC = {
    "depression": ("treatment-resistant-depression", "bipolar-depression", "postpartum-depression")
}


def _phrases(*phrases: str) -> re.Pattern[str]:
    """Any of the phrases (each a regular expression) as whole words, in any case."""
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.I)


# A sentence about the market, not about the clinic.
_MARKET = _phrases(
    "usually",
    "typically",
    "typical",
    "average",
    "averages",
    "on average",
    "nationwide",
    "nationally",
    r"across the (?:country|us|u\.s\.|united states)",
    "national",
    "generally",
    "(?:most|other|many|some) clinics",
    "clinics charge",
    "can cost",
    "may cost",
    "can range",
    "ranges? from",
    "anywhere from",
    "industry",
    "elsewhere",
)
_FIRST_PERSON = _phrases("we", "our", "us")
_CALL_FOR_PRICING = re.compile(
    r"(?:call|contact|ask)\b[^.\n]{0,40}\b(?:for|about)\s+(?:current\s+)?(?:pricing|prices|"
    r"rates|costs?|a quote)|pricing (?:is )?available (?:on|upon) request",
    re.I,
)
_FREE_CONSULTATION = re.compile(
    r"\b(?:free|complimentary|no[- ]cost)\s+(?:initial\s+|phone\s+|15[- ]minute\s+|"
    r"30[- ]minute\s+)?(?:consultation|evaluation|assessment|screening)s?\b|"
    r"\b(?:consultation|evaluation)s?\s+(?:is|are)\s+(?:always\s+)?(?:free|complimentary)\b",
    re.I,
)
_CALL_TO_ACTION = _phrases(
    "contact us",
    "call us",
    "call today",
    "give us a call",
    "schedule (?:a|an|your)",
    "book (?:a|an|your)",
    "request (?:an )?appointment",
    "check your eligibility",
    "free consultation",
    "our (?:clinic|office|team)",
    "we (?:offer|provide)",
    "visit us",
    "se habla",
)
_NAME_WORDS = re.compile(
    r"\b(?:Ketamine|Clinic|Clinics|Center|Centers|Centre|Health|Wellness|Institute|Medical|"
    r"Medicine|Psychiatry|Psychiatric|Infusions?|Therapeutics|Care|Associates|Practice|"
    r"Group|Mind|Minds|Recovery|Healing|Behavioral|Telehealth)\b"
)
_NAME = r"((?:[A-Z][\w'’&.-]*|of|and|for|the|&)(?:[ \t]+(?:[A-Z][\w'’&.-]*|of|and|for|the|&))*)"
# The phrases pages put a clinic's name in, each run on the sentences holding its words.
_NAME_PATTERNS = [
    (
        re.compile(r"^(?:Contact|Welcome to|About)\s+" + _NAME + r"$"),
        ("contact", "welcome", "about"),
    ),
    (
        re.compile(r"\b(?:contact|welcome to|call|visit)\s+(?:the\s+)?" + _NAME),
        ("contact", "welcome to", "call", "visit"),
    ),
    (re.compile(r"©\s*(?:\d{4}\s+)?" + _NAME), ("©",)),
    (re.compile(r"^" + _NAME + r"\s+is\s+(?:a|an|the|[A-Z][\w]*[’']s)\b"), (" is ",)),
    (re.compile(r"\bat\s+" + _NAME + r",\s+we\b"), (", we",)),
]
_NAME_TRAILING = re.compile(r"(?:\s+(?:of|and|for|the|&))+$|[.]$")
_NOT_NAMES = {"ketamine", "ketamine infusion therapy", "ketamine infusions", "spravato"}

LANGUAGES = {
    "spanish": "es",
    "español": "es",
    "vietnamese": "vi",
    "mandarin": "zh",
    "cantonese": "zh",
    "chinese": "zh",
    "korean": "ko",
    "russian": "ru",
    "arabic": "ar",
    "portuguese": "pt",
    "french": "fr",
    "tagalog": "tl",
    "hindi": "hi",
    "polish": "pl",
    "haitian creole": "ht",
}
_LANG_NAMES = "|".join(sorted(LANGUAGES, key=len, reverse=True))
_LANGUAGE = re.compile(
    r"\bse\s+habla\s+(español|espanol)|\bhablamos\s+(español|espanol)|\b(?:speak|speaks|"
    r"speaking|services in|care in|available in|fluent in|-speaking)\s+((?:(?:"
    + _LANG_NAMES
    + r")(?:,\s*|\s+and\s+|\s+or\s+)?)+)|\b("
    + _LANG_NAMES
    + r")[- ]speaking\b",
    re.I,
)
PAYMENT_PATTERNS: dict[str, str] = {
    "insurance": r"\b(?:we|our clinic)\s+(?:accept|take|bill)\s+(?:(?:most|many|major|all)\s+)*"
    r"(?:insurance|insurers|health plans)|\bin[- ]network\s+with\b|insurance\s+(?:is\s+)?"
    r"accepted",
    "self_pay": r"\bself[- ]pay\b|\bcash[- ]pay\b|out[- ]of[- ]pocket",
    "hsa_fsa": r"\bHSA\b|\bFSA\b|health savings account|flexible spending",
    "financing": r"carecredit|care credit|\bfinancing\b|payment plans?|advance care card",
    "credit_card": r"credit cards?|\bvisa\b|mastercard|american express|discover card",
}
_NEGATED = _phrases(
    "not", "no", "don't", "do not", "cannot", "can't", "never", "doesn't", "does not"
)

_TELEHEALTH = re.compile(r"telehealth|telemedicine|virtual|online|at[- ]home|remote", re.I)
_SERVES = re.compile(r"licensed|serv(?:e|es|ing)|available|patients in|residents of", re.I)
_STATE_NAMES = sorted(((name, code) for code, name in geo.all_states()), key=lambda s: -len(s[0]))
_STATE_NAME_RE = re.compile(r"\b(" + "|".join(re.escape(n) for n, _ in _STATE_NAMES) + r")\b")
_STATE_CODE_BY_NAME = {n.lower(): c for n, c in _STATE_NAMES}
_STATE_CODES = {code for code, _ in geo.all_states()}
_STATE_CODE_RE = re.compile(r"(?<![\w.])([A-Z]{2})(?![\w])")

MAX_LOCATIONS = 25
MAX_SAME_WARNING = 5
# US numbers that appear on many pages and are never the clinic's own.
NOT_CLINIC_NUMBERS = {"+18002738255", "+18007994889", "+18006624357", "+18009848000"}
TOLL_FREE_AREA_CODES = {"800", "833", "844", "855", "866", "877", "888"}
_PHONEISH = re.compile(r"\d{3}\)?[ .\-–]*\d{3}[ .\-–]*\d{4}")
# Starts at the area code (a fast scan); the "(" or "1-" before it is read separately.
_VANITY = re.compile(
    r"([2-9]\d{2})\)?[ .-]*((?=[A-Z0-9-]*[A-Z]{3})[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){6,9})(?!\w)"
)
_VANITY_PREFIX = re.compile(r"(?:(?<![\w-])1[ .-]?)?\($|(?<![\w-])1[ .-]?$|(?<![\w-])$")
_FAX = re.compile(r"\bfax\b|\bf:\s*$|\bfacsimile\b", re.I)
_TEXT_LINE = re.compile(r"\btext(?:\s+us)?\b|\bsms\b", re.I)
_STATE_ZIP = re.compile(
    r"(?:,\s*|\s+)([A-Z]{2}|"
    + "|".join(re.escape(n) for n, _ in _STATE_NAMES)
    + r")\.?,?\s+(\d{5})(?:-\d{4})?\b"
)
_STREET_START = re.compile(r"^\d{1,6}\s+\S")
_MID_STREET = re.compile(r"(?<![\d$.,(-])\b\d{1,6}\s+[A-Z0-9][\w.]*\s+\w")
_SUITE_LINE = re.compile(r"^(?:suite|ste\.?|unit|floor|fl\.?|#|building|bldg\.?)\s*\S", re.I)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}\b")
_WEBSITE = re.compile(
    r"\b(?:https?://)?(?:www\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?:/[^\s]*)?|"
    r"\bhttps?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s]*)?",
)
_NOT_CLINIC_SITES = re.compile(
    r"(?:\.gov|\.edu|nih\.|wikipedia|facebook|instagram|twitter|x\.com|youtube|linkedin|"
    r"google\.|pubmed|doi\.org)",
    re.I,
)
_AMOUNT = re.compile(r"\$\s?\d[\d,]*(?:\.\d{2})?")
_RANGE = re.compile(r"\$\s?\d[\d,]*(?:\.\d{2})?\s*(?:-|–|—|to)\s*\$?\s?\d[\d,]*", re.I)
_NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
}
_COUNT = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_SERIES = [
    re.compile(r"series\s+of\s+" + _COUNT, re.I),
    re.compile(
        _COUNT + r"[- ](?:infusions?|sessions?|treatments?)\s*(?:series|package|bundle)?", re.I
    ),
    re.compile(r"(?:package|bundle)\s+of\s+" + _COUNT, re.I),
]
_PER_MONTH = re.compile(r"per\s+month|/\s?mo(?:nth)?\b|\ba\s+month\b|\bmonthly\b", re.I)
_PER_SESSION = re.compile(
    r"per\s+(?:infusion|session|treatment|visit|dose|injection)|/\s?(?:infusion|session|"
    r"treatment)|\beach\b|\bsingle\b|\ba\s+session\b|\bbooster\b|\bone\s+(?:infusion|session)",
    re.I,
)
_INCLUDED = re.compile(r"\b(?:includes?|including|covers)\s+([^.;$\n]{3,120})", re.I)
_FREE_PRICE_LINE = re.compile(
    r"(?:consultation|evaluation|assessment)[^.\n$]{0,40}?(?::|\s-\s|–|—|\s)\s*(?:is\s+)?"
    r"(?:free|\$0(?:\.00)?)\b",
    re.I,
)
CLINIC_TYPES = {
    "MedicalClinic",
    "MedicalBusiness",
    "MedicalOrganization",
    "LocalBusiness",
    "Physician",
    "Psychiatric",
    "HealthAndBeautyBusiness",
    "Hospital",
}
ARTICLE_TYPES = {
    "NewsArticle",
    "BlogPosting",
    "Article",
    "ReportageNewsArticle",
    "OpinionNewsArticle",
}


# --- the candidate ------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A listing as a page states it: every fact with its quote, and what was left out."""

    name: dict[str, Any] | None = None
    locations: list[dict[str, Any]] = field(default_factory=list)
    service_area_states: list[str] = field(default_factory=list)
    service_area_quotes: list[str] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    website: dict[str, Any] | None = None
    email: dict[str, Any] | None = None
    treatments: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    prices: list[dict[str, Any]] = field(default_factory=list)
    free_consultation: dict[str, Any] | None = None
    payment_options: list[dict[str, Any]] = field(default_factory=list)
    languages: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source_url: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape (README): every field, in the order declared above."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def extract(page: Page) -> Candidate:
    """The candidate listing a page states; NotAClinicPage when it describes no clinic."""
    text = _Text(page.text)
    clinic_items = [i for i in page.items if pages.item_types(i) & CLINIC_TYPES]
    found = Candidate(source_url=page.url)
    found.phones = _phones(text, found.warnings)
    found.locations = _locations(text, clinic_items, found.warnings)
    found.service_area_states, found.service_area_quotes = _service_area(text)
    found.name = _name(text, clinic_items, found.locations, page.heading)
    found.email = _email(text)
    found.website = _website(text)
    found.treatments = _mentions(text, TREATMENT_PATTERNS, _OFFER, headings=True)
    found.conditions = _mentions(text, CONDITION_PATTERNS, _TREATS, headings=True)
    found.prices = _prices(text, found.warnings, {t["slug"] for t in found.treatments})
    for price in found.prices:  # a priced treatment is an offered one
        if price["treatment"] not in {t["slug"] for t in found.treatments}:
            found.treatments.append({"slug": price["treatment"], "quote": price["quote"]})
    found.free_consultation = _free_consultation(text) or next(
        (
            {"value": True, "quote": p["quote"]}
            for p in found.prices
            if p["unit"] == "consultation" and p["amount_cents"] == 0
        ),
        None,
    )
    found.payment_options = _payment_options(text)
    found.languages = _languages(text)
    _check_clinic(page, text, found)
    _require_quotes(page, found)
    if found.name is None:
        found.warnings.insert(0, "The page states no clinic name; the name is left empty.")
    if not found.locations and not found.service_area_states:
        found.warnings.insert(
            0, "The page states no address or area served; the location is left empty."
        )
    return found


def extract_text(raw: str, content_type: str | None = None, url: str | None = None) -> Candidate:
    """Extract from a page's source, HTML or plain text."""
    is_html = (content_type or "").startswith("text/html") or (
        content_type is None and pages.looks_like_html(raw)
    )
    return extract(pages.from_html(raw, url) if is_html else pages.from_text(raw, url))


def _check_clinic(page: Page, text: _Text, found: Candidate) -> None:
    """Refuse pages with nothing a clinic would say about itself."""
    article = any(pages.item_types(i) & ARTICLE_TYPES for i in page.items)
    contact = bool(
        [p for p in found.phones if p["kind"] != "fax"] or found.locations or found.email
    )
    offers = bool(_CALL_TO_ACTION.search(text.text) or found.prices or found.free_consultation)
    clinic_item = any(pages.item_types(i) & CLINIC_TYPES for i in page.items)
    if clinic_item or contact or (offers and not article):
        return
    raise NotAClinicPage(
        "This page does not describe a clinic: it gives no phone, address or e-mail of its "
        "own and offers no treatment (it reads like a news article or a blog post)."
    )


def _require_quotes(page: Page, found: Candidate) -> None:
    """Drop any fact whose quote the visible text does not show."""

    def keep(fact: dict[str, Any] | None) -> bool:
        return fact is not None and page.shows(str(fact.get("quote") or ""))

    for name in ("name", "website", "email", "free_consultation"):
        if not keep(getattr(found, name)):
            setattr(found, name, None)
    for name in ("locations", "phones", "treatments", "conditions", "prices"):
        setattr(found, name, [f for f in getattr(found, name) if keep(f)])
    found.payment_options = [f for f in found.payment_options if keep(f)]
    found.languages = [f for f in found.languages if keep(f)]
    if not all(page.shows(q) for q in found.service_area_quotes):
        found.service_area_states, found.service_area_quotes = [], []


# --- phones ---------------------------------------------------------------------------------


def _display(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _kind(number: phonenumbers.PhoneNumber, before: str) -> str:
    tail = before[-30:]
    if _FAX.search(tail):
        return "fax"
    if _TEXT_LINE.search(tail) and not re.search(r"\bcall\b", tail, re.I):
        return "text"
    national = str(number.national_number)
    if national[:3] in TOLL_FREE_AREA_CODES:
        return "toll_free"
    return "main"


def _phones(text: _Text, warnings: list[str]) -> list[dict[str, Any]]:
    """Phone numbers, vanity forms folded onto their digits, faxes marked as faxes."""
    by_number: dict[str, dict[str, Any]] = {}
    read: set[int] = set()
    for candidate in _PHONEISH.finditer(text.text):
        offset = text.line_start(candidate.start())
        if offset in read:
            continue
        read.add(offset)
        line = text.line(offset)
        for match in phonenumbers.PhoneNumberMatcher(
            line, "US", leniency=phonenumbers.Leniency.VALID
        ):
            _add_phone(
                by_number,
                match.number,
                match.raw_string,
                line[: match.start],
                text,
                offset + match.start,
                vanity=False,
            )
    for vanity in _VANITY.finditer(text.text):
        line_start = text.line_start(vanity.start())
        prefix = _VANITY_PREFIX.search(
            text.text[max(line_start, vanity.start() - 4) : vanity.start()]
        )
        if prefix is None:
            continue  # the digits run on from a longer word or number
        digits = phonenumbers.convert_alpha_characters_in_number(vanity.group(2))
        digits = re.sub(r"\D", "", digits)[:7]  # "KETAMINE": letters past the seventh are extra
        if len(digits) < 7:
            continue
        try:
            number = phonenumbers.parse(vanity.group(1) + digits, "US")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            begin = vanity.start() - len(prefix.group(0))
            raw = text.text[begin : vanity.end()]
            before = text.text[line_start:begin]
            _add_phone(by_number, number, raw, before, text, begin, vanity=True)
    phones = []
    for e164, phone in by_number.items():
        if e164 in NOT_CLINIC_NUMBERS:
            warnings.append(f"Left out {phone['display']}: a national helpline, not the clinic's.")
            continue
        if phone["kind"] == "fax":
            warnings.append(f"{phone['display']} is a fax number, not a phone to call.")
        phones.append(phone)
    return phones


def _add_phone(
    by_number: dict[str, dict[str, Any]],
    number: phonenumbers.PhoneNumber,
    raw: str,
    before: str,
    text: _Text,
    pos: int,
    vanity: bool,
) -> None:
    if number.country_code != 1 or len(str(number.national_number)) != 10:
        return
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    kind = _kind(number, before)
    quote = text.sentence(pos)
    phone = by_number.get(e164)
    if phone is None:
        phone = by_number[e164] = {
            "e164": e164,
            "display": _display(number),
            "vanity": None,
            "kind": kind,
            "quote": None,
        }
    elif phone["kind"] == "fax" and kind != "fax":
        phone["kind"] = kind  # the same number also offered for calls
    if vanity:
        if phone["vanity"] is None:
            phone["vanity"] = raw.strip()
            phone["vanity_quote"] = quote
        if phone["quote"] is None:
            phone["quote"] = quote
    elif phone["quote"] is None or phone.get("vanity_quote") == phone["quote"]:
        phone["quote"] = quote


# --- places ---------------------------------------------------------------------------------


def _locations(
    text: _Text, clinic_items: list[dict[str, Any]], warnings: list[str]
) -> list[dict[str, Any]]:
    """Street addresses (usaddress) ending in a state and ZIP; else a metro area named."""
    lines = text.lines()
    found: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for i, line in enumerate(lines):
        if len(found) >= MAX_LOCATIONS:
            warnings.append(
                f"The page gives more than {MAX_LOCATIONS} addresses; only the first "
                f"{MAX_LOCATIONS} are read (a clinic page lists a few)."
            )
            break
        for match in _STATE_ZIP.finditer(line):
            location = _address_at(lines, i, line[: match.end()])
            if location is None:
                continue
            key = (location["address_1"].lower(), location["postal_code"])
            if key not in seen:
                seen.add(key)
                found.append(location)
    for item in clinic_items:
        for address in _item_addresses(item):
            street = str(address.get("streetAddress") or "").strip()
            if street and not any(
                street.split(" ")[0] == loc["address_1"].split(" ")[0]
                and str(address.get("postalCode", loc["postal_code"])) == loc["postal_code"]
                for loc in found
            ):
                warnings.append(
                    f"The page's structured data gives the address {street!r}, which its "
                    "visible text does not show; it is left out."
                )
    if not found:
        metro = _metro(text)
        if metro:
            found.append(metro)
    return found


def _address_at(lines: list[str], i: int, last: str) -> dict[str, Any] | None:
    """Parse the address block ending on line i (the street may sit up to 3 lines above)."""
    block = [last]
    if not _STREET_START.match(last) and not _MID_STREET.search(last):
        for j in range(i - 1, max(i - 4, -1), -1):
            block.insert(0, lines[j])
            if _STREET_START.match(lines[j]):
                break
            if not _SUITE_LINE.match(lines[j]) and j < i - 1:
                return None
        else:
            # "Farmington Hills MI 48336" alone, or "123 Main St, Town, ST 12345" mid-line
            block = [last]
    # The street may start mid-line ("Visit us at 500 Example Ave, ...").
    first = block[0]
    street = _MID_STREET.search(first)
    if street is None:
        return None
    block[0] = first[street.start() :]
    joined = ", ".join(part.strip().rstrip(",") for part in block)
    try:
        tags, kind = usaddress.tag(joined)
    except usaddress.RepeatedLabelError:
        return None
    if kind != "Street Address" or not all(
        tags.get(k) for k in ("AddressNumber", "StreetName", "PlaceName", "StateName", "ZipCode")
    ):
        return None
    state = geo.state_code(tags["StateName"])
    if state is None:
        return None
    street_parts = (
        "AddressNumber",
        "StreetNamePreDirectional",
        "StreetNamePreType",
        "StreetName",
        "StreetNamePostType",
        "StreetNamePostDirectional",
    )
    unit_parts = ("OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier")
    address_2 = " ".join(tags[k] for k in unit_parts if tags.get(k)).strip(", ") or None
    return {
        "address_1": " ".join(tags[k] for k in street_parts if tags.get(k)).strip(", "),
        "address_2": address_2,
        "city": tags["PlaceName"].strip(", "),
        "state": state,
        "postal_code": tags["ZipCode"][:5],
        "quote": "\n".join(block),
    }


def _item_addresses(item: dict[str, Any]) -> list[dict[str, Any]]:
    raw = item.get("address")
    raw = raw if isinstance(raw, list) else [raw]
    return [a for a in raw if isinstance(a, dict)]


_METROS = {alias: m for m in geo.METROS for alias in (m.name.lower(), *m.aliases)}
_METRO_RE = re.compile(
    r"\b("
    + "|".join(
        re.escape(alias) for alias in sorted(_METROS, key=len, reverse=True) if len(alias) > 3
    )
    + r")(?:[’']s)?\b",
    re.I,
)


def _metro(text: _Text) -> dict[str, Any] | None:
    """A metro area the clinic places itself in ("Chicagoland's leading provider")."""
    for match in _METRO_RE.finditer(text.text):
        sentence = text.sentence(match.start())
        if not _FIRST_PERSON.search(sentence) and not re.search(
            r"provider|clinic|serving|located|offices?", sentence, re.I
        ):
            continue
        metro = _METROS[match.group(1).lower()]
        return {
            "address_1": None,
            "address_2": None,
            "city": None,
            "state": metro.anchor.rsplit(", ", 1)[1].upper(),
            "postal_code": None,
            "metro": metro.name,
            "quote": sentence,
        }
    return None


def _service_area(text: _Text) -> tuple[list[str], list[str]]:
    """The states a telehealth or at-home program says it serves."""
    states: list[str] = []
    quotes: list[str] = []
    for start, end in text.sentences_with(ANCHORS["telehealth"]):
        sentence = text.text[start:end]
        if not (_TELEHEALTH.search(sentence) and _SERVES.search(sentence)):
            continue
        named = [_STATE_CODE_BY_NAME[m.group(1).lower()] for m in _STATE_NAME_RE.finditer(sentence)]
        codes = [c for c in _STATE_CODE_RE.findall(sentence) if c in _STATE_CODES]
        if len(codes) >= 2 or named:
            named.extend(codes if len(codes) >= 2 else [])
        if not named:
            continue
        for code in named:
            if code not in states:
                states.append(code)
        quotes.append(sentence.strip())
    return states, quotes


# --- name, website, e-mail --------------------------------------------------------------------


def _clean_name(raw: str) -> str | None:
    name = _NAME_TRAILING.sub("", raw.strip()).strip()
    name = re.sub(r"^(?:the|The)\s+", "", name)
    if not _NAME_WORDS.search(name) or name.lower() in _NOT_NAMES or len(name) > 80:
        return None
    if len(name.split()) < 2:
        return None
    return name


_HEADING_END = re.compile(
    r"(?:Clinics?|Centers?|Centre|Institute|Wellness|Psychiatry|Care|Health|Telehealth|Ketamine|"
    r"Infusions?|Psychotherapy|Medical|Medicine|Group|Associates|Practice|Therapeutics)$"
)


def _heading_name(line: str) -> str | None:
    """A page's main heading when it is plainly a clinic's name, not an article title."""
    line = re.sub(r"^(?:Welcome to|Contact|About)\s+", "", line.strip())
    if len(line.split()) > 7 or re.search(r"\d|[?:!|]", line) or not _HEADING_END.search(line):
        return None
    if re.match(r"(?:How|What|Why|When|Where|Is|Are|Can|Does|Do|The Best|Ketamine)\b", line):
        return None
    return _clean_name(line)


def _name(
    text: _Text,
    clinic_items: list[dict[str, Any]],
    locations: list[dict[str, Any]],
    heading_text: str = "",
) -> dict[str, Any] | None:
    """The clinic's name: from its structured data if shown, else the phrases pages use."""
    flat = pages.normalise(text.text)
    for item in clinic_items:
        name = pages.normalise(str(item.get("name") or ""))
        if name and name in flat:
            pos = text.text.find(name)
            quote = text.sentence(pos) if pos >= 0 else name
            return {"value": name, "quote": quote if pages.normalise(quote) else name}
    votes: dict[str, list[str]] = {}
    for pattern, anchors in _NAME_PATTERNS:
        for start, end in text.sentences_with(anchors):
            sentence = text.text[start:end].strip()
            for match in pattern.finditer(sentence):
                if found := _clean_name(match.group(1)):
                    votes.setdefault(found, []).append(sentence)
    lines = text.lines()
    heading = _heading_name(heading_text or (lines[0] if lines else ""))
    if heading:
        votes.setdefault(heading, []).append(heading_text or lines[0])
    for location in locations:
        first = location["quote"].split("\n")[0]
        if first in lines:
            i = lines.index(first)
            above = _clean_name(lines[i - 1]) if i > 0 else None
            if above and not re.search(r"\d", above):
                votes.setdefault(above, []).append(lines[i - 1] + "\n" + first)
    if not votes:
        return None
    best = max(votes, key=lambda n: (len(votes[n]), len(n)))
    return {"value": best, "quote": votes[best][0]}


def _email(text: _Text) -> dict[str, Any] | None:
    match = _EMAIL.search(text.text)
    if match is None:
        return None
    return {"value": match.group(0).lower(), "quote": text.sentence(match.start())}


def _website(text: _Text) -> dict[str, Any] | None:
    """The clinic's own site, as the page writes it (never a cited source or a social site)."""
    for start, end in text.sentences_with(("www.", "http")):
        sentence = text.text[start:end].strip()
        for match in _WEBSITE.finditer(sentence):
            raw = match.group(0).rstrip(".,;:)")
            if not _NOT_CLINIC_SITES.search(raw):
                site = raw if raw.startswith("http") else f"https://{raw}"
                return {"value": site, "quote": sentence}
    return None


# --- treatments and conditions --------------------------------------------------------------


def _mentions(
    text: _Text, patterns: dict[str, str], context: re.Pattern[str], headings: bool
) -> list[dict[str, Any]]:
    """Each slug whose words appear in a sentence with the right context, or a short heading."""
    found = []
    for slug in patterns:
        quote = None
        for start, end in text.sentences_with(ANCHORS[slug]):
            sentence = text.text[start:end].strip()
            if _MARKET.search(sentence) and not _FIRST_PERSON.search(sentence):
                continue
            heading = headings and len(sentence.split()) <= 8 and not sentence.endswith("?")
            if not (heading or context.search(sentence)):
                continue
            # Each specific pattern ends with the general word, so a shared end means inside.
            inside = {
                m.end()
                for other in _SPECIFIC.get(slug, ())
                for m in _COMPILED[other].finditer(sentence)
            }
            if any(m.end() not in inside for m in _COMPILED[slug].finditer(sentence)):
                quote = sentence
                break
        if quote:
            found.append({"slug": slug, "quote": quote})
    return found


# --- prices ---------------------------------------------------------------------------------


def _count(raw: str) -> int:
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw.lower()]


def _price_treatment(*contexts: str) -> str | None:
    for context in contexts:
        for slug, pattern in PRICE_TREATMENT_PATTERNS.items():
            if re.search(pattern, context, re.I):
                return slug
    return None


def _prices(text: _Text, warnings: list[str], offered: set[str]) -> list[dict[str, Any]]:
    """Prices the clinic states for itself, each with its unit."""
    prices: list[dict[str, Any]] = []
    said_call = False
    market = 0
    for start, end in text.sentences_with(ANCHORS["prices"]):
        sentence = text.text[start:end].strip()
        if _CALL_FOR_PRICING.search(sentence) and not said_call:
            said_call = True
            warnings.append(f"The page asks patients to call for pricing: {sentence!r}.")
        if "$" not in sentence and not _FREE_PRICE_LINE.search(sentence):
            continue
        if _MARKET.search(sentence) and not _FIRST_PERSON.search(sentence):
            market += 1
            if market <= MAX_SAME_WARNING:
                warnings.append(f"Left out a sentence about prices in general: {sentence!r}.")
            continue
        if _RANGE.search(sentence):
            market += 1
            if market <= MAX_SAME_WARNING:
                warnings.append(f"Left out a price range, not one price: {sentence!r}.")
            continue
        prices.extend(_prices_in(sentence, warnings, offered))
    if market > MAX_SAME_WARNING:
        warnings.append(
            f"Left out {market - MAX_SAME_WARNING} more sentences about prices in general."
        )
    unique: list[dict[str, Any]] = []
    for price in prices:
        key = (price["treatment"], price["amount_cents"], price["unit"], price["sessions_included"])
        if key not in {
            (p["treatment"], p["amount_cents"], p["unit"], p["sessions_included"]) for p in unique
        }:
            unique.append(price)
    return unique


def _prices_in(sentence: str, warnings: list[str], offered: set[str]) -> list[dict[str, Any]]:
    found = []
    amounts = list(_AMOUNT.finditer(sentence))
    free = _FREE_PRICE_LINE.search(sentence)
    if free and not amounts:
        return [
            {
                "treatment": "consultation",
                "amount_cents": 0,
                "unit": "consultation",
                "sessions_included": None,
                "included": "",
                "quote": sentence,
            }
        ]
    for n, match in enumerate(amounts):
        left = sentence[amounts[n - 1].end() if n else 0 : match.start()]
        right = sentence[match.end() : amounts[n + 1].start() if n + 1 < len(amounts) else None]
        # The nearest clause to the left names what this amount is for.
        near_left = re.split(r"[;,]|\bor\b|\band\b", left)[-1] if n else left
        parsed = Price.fromstring(sentence[match.start() :])
        if parsed.amount is None:
            continue
        cents = int((parsed.amount * Decimal(100)).to_integral_value())
        right_named = re.split(r"\bincludes?\b|\bincluding\b|[;]", right)[0]
        treatment = _price_treatment(near_left, right_named, left)
        if treatment is None and _PER_MONTH.search(right_named) and "at-home" in offered:
            treatment = "at-home"  # a monthly membership of an at-home program
        if treatment is None:
            warnings.append(f"Left out a price that names no treatment: {sentence!r}.")
            continue
        unit, sessions = _unit(treatment, near_left, right)
        if unit is None:
            warnings.append(
                f"Left out a price without a unit (per session, series...): {sentence!r}."
            )
            continue
        included = _INCLUDED.search(right)
        found.append(
            {
                "treatment": treatment,
                "amount_cents": cents,
                "unit": unit,
                "sessions_included": sessions,
                "included": included.group(1).strip() if included else "",
                "quote": sentence,
            }
        )
    return found


def _unit(treatment: str, left: str, right: str) -> tuple[str | None, int | None]:
    right_clause = re.split(r"[;,]|\bor\b|\band\b|\bincludes?\b|\bincluding\b", right)[0]
    for context in (right_clause, left):
        for pattern in _SERIES:
            match = pattern.search(context)
            if match and (
                "series" in context.lower()
                or "package" in context.lower()
                or "bundle" in context.lower()
                or re.search(r"\bfor\s+" + re.escape(match.group(0)), context, re.I)
            ):
                return "series", _count(match.group(1))
        if _PER_MONTH.search(context):
            return "month", None
        if treatment == "consultation":
            return "consultation", None
        if _PER_SESSION.search(context):
            return "session", 1
    return None, None


def _free_consultation(text: _Text) -> dict[str, Any] | None:
    for start, end in text.sentences_with(("free", "complimentary", "no-cost", "no cost")):
        sentence = text.text[start:end].strip()
        if _FREE_CONSULTATION.search(sentence):
            return {"value": True, "quote": sentence}
    return None


def _payment_options(text: _Text) -> list[dict[str, Any]]:
    found = []
    for option, pattern in PAYMENT_PATTERNS.items():
        for start, end in text.sentences_with(ANCHORS[option]):
            sentence = text.text[start:end].strip()
            if not re.search(pattern, sentence, re.I):
                continue
            if option == "insurance" and _NEGATED.search(sentence):
                continue
            if _MARKET.search(sentence) and not _FIRST_PERSON.search(sentence):
                continue
            found.append({"value": option, "quote": sentence})
            break
    return found


def _languages(text: _Text) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start, end in text.sentences_with(ANCHORS["languages"]):
        sentence = text.text[start:end].strip()
        for match in _LANGUAGE.finditer(sentence):
            words = " ".join(g for g in match.groups() if g).lower()
            for name, code in LANGUAGES.items():
                if re.search(r"\b" + name + r"\b", words) and code not in found:
                    found[code] = {"value": code, "quote": sentence}
            if ("espanol" in words or "español" in words) and "es" not in found:
                found["es"] = {"value": "es", "quote": sentence}
    return list(found.values())
