"""The search parameters, declared once: the parser checks them and the API document lists them.

Each `Param` knows how to read its raw query-string value (clean value or an error
message) and how it is written in OpenAPI, so what the document says a parameter
takes and what the search accepts cannot drift apart.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString, gettext, lazy_gettext

from directory.i18n import N_
from directory.listings.taxonomy import (
    CONDITION_SLUGS,
    LANGUAGES,
    PAYMENT_OPTIONS,
    TREATMENT_SLUGS,
)
from directory.search import places as geo
from directory.settings import Settings

TRUE_WORDS = ("1", "true", "yes", "on", "y")
FALSE_WORDS = ("0", "false", "no", "off", "n")  # an empty value means "not given" too
SORTS = ("distance", "price", "name")
MAX_PRICE_DOLLARS = 100_000
MAX_VERIFIED_MONTHS = 120
MAX_PAGE = 100_000
MAX_LANGUAGES = 10
DEFAULT_MAX_RADIUS = 500.0
DEFAULT_MAX_PER_PAGE = 100


def is_yes(value: object) -> bool:
    """Whether a query-string value turns a yes/no filter on (the search form ticks its box)."""
    return isinstance(value, str) and value.strip().lower() in TRUE_WORDS


class Kind(enum.StrEnum):
    """How a parameter's text is read."""

    TEXT = "text"
    NUMBER = "number"  # a decimal; MONEY also takes "$1,200"
    MONEY = "money"
    STATE = "state"
    CHOICE = "choice"
    FLAG = "flag"
    CODES = "codes"  # repeatable, each value possibly a comma list
    COUNT = "count"  # a whole number from 1


@dataclass(frozen=True)
class Limits:
    """The limits that come from the site's settings."""

    max_radius: float = DEFAULT_MAX_RADIUS
    max_per_page: int = DEFAULT_MAX_PER_PAGE

    @classmethod
    def from_settings(cls, settings: Settings | None) -> Limits:
        """The limits the site's settings give, or the defaults."""
        if settings is None:
            return cls()
        return cls(settings.search_max_radius_miles, settings.search_max_per_page)


@dataclass(frozen=True)
class Param:
    """One query parameter of the search: its reading, its limits, its documentation."""

    name: str
    kind: Kind
    description: str
    # Shown when the value cannot be read; a lazy translation, read in the request's language.
    message: str | LazyString = ""
    values: tuple[str, ...] = ()  # CHOICE and CODES: the accepted codes
    max_length: int | None = None  # TEXT
    maximum: float | None = None  # NUMBER, MONEY, COUNT (None: from Limits)
    max_items: int | None = None  # CODES
    in_list_order: bool = False  # CODES: give the codes in the list's order, not the visitor's
    # The search form's filters show it (and the kept filters are keyed by it).
    in_filters: bool = False
    # COUNT: how its error names it, a message id translated when shown.
    label: str = ""

    def upper(self, limits: Limits) -> float:
        """The highest value accepted under the given limits."""
        if self.maximum is not None:
            return self.maximum
        return limits.max_radius if self.name == "radius" else limits.max_per_page

    def schema(self, limits: Limits) -> dict[str, Any]:
        """The parameter's JSON Schema, as the OpenAPI document gives it."""
        if self.kind is Kind.TEXT:
            return {"type": "string", "maxLength": self.max_length}
        if self.kind is Kind.NUMBER:
            return {"type": "number", "exclusiveMinimum": 0, "maximum": self.upper(limits)}
        if self.kind is Kind.MONEY:
            return {"type": "number", "minimum": 0, "maximum": self.upper(limits)}
        if self.kind is Kind.STATE:
            return {"type": "string", "enum": [code for code, _ in geo.all_states()]}
        if self.kind is Kind.CHOICE:
            return {"type": "string", "enum": list(self.values)}
        if self.kind is Kind.FLAG:
            return {"type": "string", "enum": [*TRUE_WORDS, *FALSE_WORDS]}
        if self.kind is Kind.CODES:
            return {
                "type": "array",
                "items": {"type": "string", "enum": list(self.values)},
                "maxItems": self.max_items,
            }
        return {"type": "integer", "minimum": 1, "maximum": int(self.upper(limits))}

    def openapi(self, limits: Limits) -> dict[str, Any]:
        """The parameter as an OpenAPI query parameter object."""
        return {
            "name": self.name,
            "in": "query",
            "required": False,
            "description": self.description,
            "schema": self.schema(limits),
        }

    def read(self, args: Mapping[str, str], limits: Limits) -> Any:
        """The clean value, None when not given; raises ValueError with the message to show."""
        if self.kind is Kind.CODES:
            return self._codes(args)
        text = (args.get(self.name) or "").strip()
        if not text:
            return None
        if self.kind is Kind.TEXT:
            if self.max_length is not None and len(text) > self.max_length:
                raise ValueError(self.message)
            return text
        if self.kind in (Kind.NUMBER, Kind.MONEY):
            return self._number(text, limits)
        if self.kind is Kind.STATE:
            code = geo.state_code(text) if len(text) <= 40 else None
            if code is None:
                raise ValueError(self.message)
            return code
        if self.kind is Kind.CHOICE:
            if text not in self.values:
                raise ValueError(self.message)
            return text
        if self.kind is Kind.FLAG:
            word = text.lower()
            if word not in TRUE_WORDS and word not in FALSE_WORDS:
                raise ValueError(gettext("Use 1 for yes or leave it out."))
            return is_yes(word)
        upper = int(self.upper(limits))
        if not (text.isascii() and text.isdigit()) or len(text) > 7 or not 1 <= int(text) <= upper:
            raise ValueError(
                gettext(
                    "%(name)s must be a whole number from 1 to %(upper)s.",
                    name=gettext(self.label),
                    upper=f"{upper:,}",
                )
            )
        return int(text)

    def _number(self, text: str, limits: Limits) -> float:
        if self.kind is Kind.MONEY:
            text = text.lstrip("$").replace(",", "")
        try:
            number = float(text) if len(text) <= 20 else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(self.message)
        upper = self.upper(limits)
        if self.kind is Kind.MONEY and not 0 <= number <= upper:
            raise ValueError(
                gettext(
                    "The price ceiling must be between $0 and $%(limit)s.", limit=f"{upper:,.0f}"
                )
            )
        if self.kind is Kind.NUMBER and not 0 < number <= upper:
            raise ValueError(
                gettext(
                    "The radius must be more than 0 and at most %(limit)s miles.",
                    limit=f"{upper:g}",
                )
            )
        return number

    def _codes(self, args: Mapping[str, str]) -> list[str]:
        getlist = getattr(args, "getlist", None)
        raw = getlist(self.name) if getlist else [args.get(self.name) or ""]
        codes = list(
            dict.fromkeys(c.strip().lower() for v in raw for c in (v or "").split(",") if c.strip())
        )
        if any(c not in self.values for c in codes) or len(codes) > (self.max_items or 0):
            raise ValueError(self.message)
        return [c for c in self.values if c in codes] if self.in_list_order else codes


def _yes(what: str) -> str:
    return f"1 (or true, yes, on, y; any case) to keep only clinics {what}; 0 or no: no filter."


PARAMS: tuple[Param, ...] = (
    Param(
        "near",
        Kind.TEXT,
        "A 5-digit ZIP, 'City, ST', a state name or code, or a metro area such as Chicagoland.",
        lazy_gettext(
            "That place is too long (at most %(limit)s characters).", limit=geo.MAX_PLACE_LENGTH
        ),
        max_length=geo.MAX_PLACE_LENGTH,
    ),
    Param(
        "radius",
        Kind.NUMBER,
        "Miles from the place (default 25, or the metro's own radius).",
        lazy_gettext("The radius must be a number of miles, for example 25."),
    ),
    Param(
        "state",
        Kind.STATE,
        "Two-letter state code (state names are accepted too).",
        lazy_gettext("Choose a US state, for example MI or Michigan."),
    ),
    Param(
        "treatment",
        Kind.CHOICE,
        "Treatment slug.",
        lazy_gettext("Choose a treatment from the list."),
        values=tuple(sorted(TREATMENT_SLUGS)),
        in_filters=True,
    ),
    Param(
        "condition",
        Kind.CHOICE,
        "Condition slug.",
        lazy_gettext("Choose a condition from the list."),
        values=tuple(sorted(CONDITION_SLUGS)),
        in_filters=True,
    ),
    Param(
        "max_price",
        Kind.MONEY,
        "Highest per-session price in US dollars (a leading $ and thousands commas are read): "
        "a listing matches with some published per-session price at or under it, of the "
        "treatment given, or else of any ketamine treatment (not a consultation or "
        "integration therapy).",
        lazy_gettext("The price ceiling must be an amount in dollars, for example 600."),
        maximum=MAX_PRICE_DOLLARS,
        in_filters=True,
    ),
    Param("free_consultation", Kind.FLAG, _yes("with a free consultation"), in_filters=True),
    Param("insurance", Kind.FLAG, _yes("that accept insurance"), in_filters=True),
    Param(
        "payment",
        Kind.CODES,
        "Ways to pay; repeat it or give a comma list to keep clinics taking any of them.",
        lazy_gettext(
            "Choose ways to pay from the list: %(codes)s.",
            codes=", ".join(c for c, _name in PAYMENT_OPTIONS),
        ),
        values=tuple(c for c, _ in PAYMENT_OPTIONS),
        max_items=len(PAYMENT_OPTIONS),
        in_list_order=True,
        in_filters=True,
    ),
    Param(
        "language",
        Kind.CODES,
        "ISO 639 codes of languages staff speak; clinics speaking any of them are kept.",
        lazy_gettext(
            "Choose a language by its ISO 639 code, for example es for Spanish "
            "(known codes: %(codes)s).",
            codes=", ".join(c for c, _name in LANGUAGES),
        ),
        values=tuple(c for c, _ in LANGUAGES),
        max_items=MAX_LANGUAGES,
        in_filters=True,
    ),
    Param("accepting", Kind.FLAG, _yes("that say they accept new patients"), in_filters=True),
    Param(
        "verified_within_months",
        Kind.COUNT,
        "Keep only listings confirmed within this many months, for example 6.",
        maximum=MAX_VERIFIED_MONTHS,
        in_filters=True,
        label=N_("Verified within months"),
    ),
    Param(
        "sort",
        Kind.CHOICE,
        "distance (default), price or name.",
        lazy_gettext("Sort by distance, price or name."),
        values=SORTS,
        in_filters=True,
    ),
    Param("page", Kind.COUNT, "Page number from 1.", maximum=MAX_PAGE, label=N_("Page")),
    Param(
        "per_page",
        Kind.COUNT,
        "Results a page (20 unless given), at most the site's limit.",
        label=N_("Per page"),
    ),
    Param(
        "programs_page",
        Kind.COUNT,
        "Page of the telehealth programs serving the state, or every state when neither near "
        "nor state is given (5 a page), from 1.",
        maximum=MAX_PAGE,
        label=N_("Programs page"),
    ),
)
BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
FILTER_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS if p.in_filters)


def read_all(
    args: Mapping[str, str], limits: Limits, names: tuple[str, ...] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every parameter's clean value (None when absent) and the messages for the bad ones."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for param in PARAMS if names is None else (BY_NAME[n] for n in names):
        try:
            values[param.name] = param.read(args, limits)
        except ValueError as exc:
            errors[param.name] = str(exc)
            values[param.name] = None
    return values, errors


def openapi_parameters(
    names: tuple[str, ...] | None = None, limits: Limits | None = None
) -> list[dict[str, Any]]:
    """The OpenAPI parameter objects for the named parameters (all by default), in order."""
    limits = limits or Limits()
    return [p.openapi(limits) for p in PARAMS if names is None or p.name in names]
