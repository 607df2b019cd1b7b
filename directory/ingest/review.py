"""An admin's reviewed candidate to a pending listing or a revision, never a published one."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.ingest import pages
from directory.listings import moderation, schema, snapshots
from directory.listings.schema import Kind
from directory.listings.taxonomy import LANGUAGE_CODES, TREATMENT_SLUGS
from directory.models import Clinic, Phone, PriceUnit, Revision, SourceDocument, User
from directory.search import places as geo

MAX_FACTS = 20  # per list on the review form, which stays under the form's part limit
PHONE_KINDS = ("main", "toll_free", "text")


class ReviewError(ValueError):
    """The reviewed facts cannot be saved; the message is safe to show."""


@dataclass(frozen=True)
class Saved:
    """What saving made: the revision, its clinic, and whether the clinic is new."""

    revision: Revision
    clinic: Clinic
    is_new: bool


def trim(candidate: dict[str, Any]) -> dict[str, Any]:
    """The candidate with each list cut to what the review form shows."""
    trimmed = dict(candidate)
    for key in ("locations", "phones", "treatments", "conditions", "prices"):
        trimmed[key] = candidate[key][:MAX_FACTS]
    trimmed["payment_options"] = [
        {**o, "code": PAYMENT_FROM_PAGE.get(o["value"])}
        for o in candidate.get("payment_options", [])[:MAX_FACTS]
    ]
    trimmed["languages"] = [
        {**o, "code": o["value"] if o["value"] in LANGUAGE_CODES else None}
        for o in candidate.get("languages", [])[:MAX_FACTS]
    ]
    return trimmed


# What the page extractor calls a way to pay, as the listing's payment code (card brands
# say nothing about how a treatment is paid for, so they stay a note for the moderator).
PAYMENT_FROM_PAGE = {
    "insurance": "private-insurance",
    "self_pay": "self-pay",
    "hsa_fsa": "hsa-fsa",
    "financing": "financing",
}


def _on(values: Mapping[str, str], key: str) -> bool:
    return values.get(f"{key}-on") == "y"


def _text(values: Mapping[str, str], key: str, limit: int = 500) -> str:
    value = (values.get(key) or "").strip()
    if len(value) > limit:
        raise ReviewError(f"{key} is longer than {limit} characters.")
    return value


def _cited(
    values: Mapping[str, str], key: str, document: SourceDocument, quotes: list[str]
) -> None:
    """The ticked fact's quote must still be in the stored document."""
    quote = values.get(f"{key}-quote") or ""
    if not quote or pages.normalise(quote) not in pages.normalise(document.text):
        raise ReviewError("A ticked fact's quote is not in the stored page; extract it again.")
    quotes.append(quote)


# Facts a page states once, with one value: the listing's text and yes/no fields.
SINGLE_KINDS = (Kind.TEXT, Kind.FLAG)
# Facts a page may state several of, each a code; the form's name for the code's input.
CODE_INPUTS = {Kind.TERMS: "slug", Kind.CODES: "value"}


def _ticked(
    values: Mapping[str, str], name: str, document: SourceDocument, quotes: list[str]
) -> Iterator[str]:
    """The form keys of the ticked rows of a list fact, each row's quote checked."""
    for i in range(MAX_FACTS):
        key = f"{name}-{i}"
        if _on(values, key):
            _cited(values, key, document, quotes)
            yield key


def payload_from_review(
    values: Mapping[str, str], document: SourceDocument
) -> tuple[dict[str, Any], list[str]]:
    """The ticked, possibly edited facts as a listing payload, and the quotes behind them.

    The listing's fields are walked as the schema declares them, and the payload is checked
    against it, so a ticked fact is saved only as a listing may hold it.
    """
    payload: dict[str, Any] = copy.deepcopy(moderation.EMPTY_LISTING)
    quotes: list[str] = []
    for name, spec in schema.SPECS.items():
        if spec.kind in SINGLE_KINDS:
            if _on(values, name):
                _cited(values, name, document, quotes)
                payload[name] = _single(values, name, spec)
        elif spec.kind in CODE_INPUTS:
            payload[name] = _codes(values, name, spec, document, quotes)
        elif spec.kind is Kind.LOCATION:
            payload[name] = _location(values, document, quotes)
        elif spec.kind is Kind.PHONES:
            payload[name] = _phones(values, document, quotes)
        elif spec.kind is Kind.PRICES:
            payload[name] = _prices(values, document, quotes)
    for price in payload["prices"]:
        if price["treatment"] not in payload["treatments"]:
            payload["treatments"].append(price["treatment"])
    if not quotes:
        raise ReviewError("Tick at least one fact to save.")
    try:
        schema.validated(payload)
    except schema.InvalidListing as exc:
        raise ReviewError(str(exc)) from None
    return payload, quotes


def _single(values: Mapping[str, str], name: str, spec: schema.Spec) -> Any:
    """A ticked text or yes/no fact (the page states a yes/no fact as yes)."""
    if spec.kind is Kind.FLAG:
        return values.get(f"{name}-value", "true") != "false"
    text = _text(values, f"{name}-value", schema.max_length(name) or 500)
    return text or schema.Listing.model_fields[name].default


def _codes(
    values: Mapping[str, str],
    name: str,
    spec: schema.Spec,
    document: SourceDocument,
    quotes: list[str],
) -> list[str]:
    """The ticked codes of a list fact (treatments, ways to pay...), each once."""
    codes: list[str] = []
    for key in _ticked(values, name, document, quotes):
        code = _text(values, f"{key}-{CODE_INPUTS[spec.kind]}", 60)
        if code not in (spec.choices or {}):
            raise ReviewError(f"Unknown {spec.label.lower()}: {code!r}.")
        if code not in codes:
            codes.append(code)
    return codes


def _location(
    values: Mapping[str, str], document: SourceDocument, quotes: list[str]
) -> dict[str, Any] | None:
    for key in _ticked(values, "locations", document, quotes):
        state = geo.state_code(_text(values, f"{key}-state", 40))
        if state is None:
            raise ReviewError("A ticked location needs a US state.")
        postal = _text(values, f"{key}-postal_code", 10)
        if postal and not re.fullmatch(r"\d{5}", postal):
            raise ReviewError(f"{postal!r} is not a 5-digit ZIP code.")
        return {
            "address_1": _text(values, f"{key}-address_1", 200) or None,
            "address_2": _text(values, f"{key}-address_2", 200) or None,
            "city": _text(values, f"{key}-city", 120) or None,
            "state": state,
            "postal_code": postal or None,
            "metro": _text(values, f"{key}-metro", 120) or None,
        }
    return None


def _phones(
    values: Mapping[str, str], document: SourceDocument, quotes: list[str]
) -> list[dict[str, Any]]:
    phones: list[dict[str, Any]] = []
    for key in _ticked(values, "phones", document, quotes):
        display = _text(values, f"{key}-display", 40)
        try:
            number = phonenumbers.parse(display, "US")
        except phonenumbers.NumberParseException as exc:
            raise ReviewError(f"{display!r} is not a phone number.") from exc
        if not phonenumbers.is_valid_number(number):
            raise ReviewError(f"{display!r} is not a valid phone number.")
        kind = values.get(f"{key}-kind", "main")
        if kind not in PHONE_KINDS:
            raise ReviewError("A fax number is not listed as a phone.")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if e164 not in {p["e164"] for p in phones}:
            phones.append(
                {
                    "display": display,
                    "e164": e164,
                    "kind": kind,
                    "vanity": _text(values, f"{key}-vanity", 40) or None,
                }
            )
    return phones


def _prices(
    values: Mapping[str, str], document: SourceDocument, quotes: list[str]
) -> list[dict[str, Any]]:
    prices = []
    for key in _ticked(values, "prices", document, quotes):
        treatment = _text(values, f"{key}-treatment", 60)
        if treatment not in TREATMENT_SLUGS:
            raise ReviewError(f"Unknown treatment: {treatment!r}.")
        try:
            dollars = Decimal(_text(values, f"{key}-amount", 20).replace(",", "").lstrip("$"))
        except InvalidOperation as exc:
            raise ReviewError("A ticked price needs an amount in dollars.") from exc
        if not dollars.is_finite() or not (0 <= dollars < 1_000_000):
            raise ReviewError("A price must be between $0 and $1,000,000.")
        unit = _text(values, f"{key}-unit", 20)
        if unit not in {u.value for u in PriceUnit}:
            raise ReviewError("A ticked price needs a unit.")
        sessions = _text(values, f"{key}-sessions_included", 3)
        if sessions and not sessions.isdigit():
            raise ReviewError("Sessions included must be a whole number.")
        prices.append(
            {
                "treatment": treatment,
                "amount_cents": int(dollars * 100),
                "unit": unit,
                "sessions_included": int(sessions) if sessions else None,
                "included": _text(values, f"{key}-included", 500),
                "insurance_accepted": False,
                "source_url": document.url,
                "as_of": document.fetched_at.date().isoformat(),
            }
        )
    return prices


def _site_key(url: str | None) -> str:
    if not url:
        return ""
    key = re.sub(r"^https?://(?:www\.)?", "", url.strip().lower())
    return key.rstrip("/")


def matching_clinic(session: Session, payload: dict[str, Any]) -> Clinic | None:
    """An existing listing with one of these phone numbers (E.164) or this website."""
    numbers = [p["e164"] for p in payload["phones"]]
    if numbers:
        clinic = session.execute(
            select(Clinic).join(Phone).where(Phone.e164.in_(numbers)).order_by(Clinic.id)
        ).scalar()
        if clinic is not None:
            return clinic
    site = _site_key(payload.get("website"))
    if site:
        host = site.split("/", 1)[0]
        for clinic in session.execute(
            select(Clinic).where(Clinic.website.contains(host)).order_by(Clinic.id)
        ).scalars():
            if _site_key(clinic.website) == site:
                return clinic
    return None


def _merge(current: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    """The current listing with the ticked facts added (nothing on it is removed)."""
    merged = copy.deepcopy(current)
    for name, spec in schema.SPECS.items():
        if spec.kind in CODE_INPUTS:
            merged[name] = merged[name] + [s for s in found[name] if s not in merged[name]]
        elif spec.kind is Kind.PHONES:
            known = {p["e164"] for p in merged[name]}
            merged[name] = merged[name] + [p for p in found[name] if p["e164"] not in known]
        elif spec.kind is Kind.PRICES:
            merged[name] = merged[name] + found[name]
        elif found.get(name) not in (None, ""):
            merged[name] = found[name]
    return merged


def save(
    session: Session, admin: User, document: SourceDocument, values: Mapping[str, str]
) -> Saved:
    """A pending new clinic, or a proposed revision of the listing it matches; never published."""
    found, quotes = payload_from_review(values, document)
    note = _note(document, quotes, _text(values, "note", 2000))
    existing = matching_clinic(session, found)
    if existing is not None:
        payload = _merge(snapshots.snapshot(existing), found)
        try:
            revision = moderation.propose_edit(session, admin, existing, payload, note)
        except moderation.ModerationError as exc:
            raise ReviewError(f"{existing.display_name} already lists these facts.") from exc
        return Saved(revision, existing, is_new=False)
    if not found["name"]:
        raise ReviewError("A new listing needs its name: tick the name (or fix it) to save.")
    # The clinic row is left as submit_new_clinic made it: touching it would move its version
    # past the revision's base and show the moderator a false conflict.
    revision = moderation.submit_new_clinic(session, admin, found, note)
    return Saved(revision, revision.clinic, is_new=True)


def _note(document: SourceDocument, quotes: list[str], note: str) -> str:
    unique = list(dict.fromkeys(pages.normalise(q)[:300] for q in quotes))
    cited = "\n".join(f"- “{q}”" for q in unique[:40])
    header = (
        f"From {document.label} (source document {document.id}, fetched "
        f"{document.fetched_at:%Y-%m-%d %H:%M} UTC, SHA-256 {document.sha256[:16]}…)."
    )
    return "\n".join(part for part in (note, header, "The page's words:", cited) if part)[:8000]
