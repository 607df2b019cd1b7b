"""What a price file holds once read: its header, the kept charges, and the counts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from directory.ingest.hpt.codes import Match

SUPPORTED_MAJOR_VERSIONS = ("2", "3")
# Placeholders hospitals write where no amount exists; treated as blank.
BLANK_AMOUNTS = frozenset({"", "N/A", "NA", "-", "--", "NULL", "NONE", "UNKNOWN"})
MAX_CENTS = 10**13  # a hundred billion dollars: anything larger is a typo or garbage
# Kept charges are held until the file has been read whole (so a bad line writes nothing).
# Real files keep a few thousand; this bounds the memory a hostile file can take.
MAX_KEPT_CHARGES = 250_000


class HptFormatError(ValueError):
    """The file is not a readable price file; the message names the line or JSON path."""


@dataclass
class FileHeader:
    """The general data stated once at the top of a price file."""

    hospital_name: str
    last_updated_on: date
    version: str
    location_names: list[str]
    addresses: list[str]
    licence_state: str | None
    licence_number: str | None
    npis: list[str]
    attestation: str
    attestation_confirmed: bool
    attester_name: str | None


@dataclass(frozen=True, slots=True)
class ChargeRecord:
    """One standard charge for a kept item, in the directory's terms."""

    code: str
    code_type: str
    treatment: str
    covers: str
    description: str
    setting: str
    kind: str
    amount_cents: int | None = None
    payer_name: str | None = None
    plan_name: str | None = None
    percentage: str | None = None
    algorithm: str | None = None
    methodology: str | None = None
    modifiers: str | None = None
    drug_unit: str | None = None
    drug_unit_type: str | None = None
    median_cents: int | None = None
    p10_cents: int | None = None
    p90_cents: int | None = None
    estimated_cents: int | None = None
    count: str | None = None
    notes: str | None = None


@dataclass
class ParsedFile:
    """A whole file read: header, kept charges (without repeats) and the counts."""

    header: FileHeader
    file_format: str
    charges: list[ChargeRecord] = field(default_factory=list)
    items_seen: int = 0
    items_kept: int = 0

    @property
    def items_skipped(self) -> int:
        """Items whose codes the directory does not take."""
        return self.items_seen - self.items_kept


def check_kept(count: int, where: str) -> None:
    """Refuse a file whose kept charges would not fit the memory an import may use."""
    if count > MAX_KEPT_CHARGES:
        raise HptFormatError(
            f"{where}: more than {MAX_KEPT_CHARGES:,} charges for the kept codes; "
            "this is not a single hospital's price file."
        )


def major_version(version: str, where: str) -> str:
    """The template's major version ("2" or "3"); anything else is refused."""
    major = version.strip().lstrip("vV").split(".", 1)[0]
    if major not in SUPPORTED_MAJOR_VERSIONS:
        raise HptFormatError(
            f"{where}: template version {version!r} is not supported (2.0 to 2.2 and 3.0 are)."
        )
    return major


def parse_date(value: Any, where: str) -> date:
    """last_updated_on: ISO 8601, or M/D/YYYY as the CSV dictionary also allows."""
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise HptFormatError(f"{where}: last_updated_on {text[:40]!r} is not a date (YYYY-MM-DD).")


def to_cents(value: Any, where: str) -> int | None:
    """A dollar amount (number or text such as "$1,200.50") in cents; None when blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise HptFormatError(f"{where}: {value!r} is not an amount.")
    text = str(value).strip().replace("$", "").replace(",", "")
    if text.upper() in BLANK_AMOUNTS:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise HptFormatError(f"{where}: {str(value)[:40]!r} is not an amount.") from None
    if not amount.is_finite() or amount < 0:
        raise HptFormatError(f"{where}: {str(value)[:40]!r} is not an amount.")
    # Compared before rounding: "1E100" has more digits than a Decimal may round to.
    if amount * 100 >= MAX_CENTS:
        raise HptFormatError(f"{where}: {str(value)[:40]!r} is too large to be a charge.")
    return int((amount * 100).quantize(Decimal(1)))


def text_or_none(value: Any, limit: int = 2000) -> str | None:
    """A trimmed string, or None for blanks."""
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


def split_list(value: Any) -> list[str]:
    """A CSV header cell holding several values separated by "|"."""
    return [p.strip() for p in str(value or "").split("|") if p.strip()]


def is_true(value: Any) -> bool:
    """The attestation flag: true/false as a boolean or as text."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("true", "yes", "y", "1")


_SPACES = re.compile(r"\s+")


def clean_description(value: Any) -> str:
    """An item description on one line."""
    return _SPACES.sub(" ", str(value or "")).strip()[:1000]


@dataclass(frozen=True)
class Item:
    """One item of a price file as its charges share it: the kept code, words and units.

    Its charges are read from values named as below, whichever layout the file has.
    """

    match: Match
    description: str
    setting: str
    modifiers: str | None = None
    drug_unit: Any = None
    drug_unit_type: Any = None

    def charges(self, values: Mapping[str, Any], where: str) -> list[ChargeRecord]:
        """The charges that do not depend on a payer: gross, cash, minimum, maximum."""
        out = []
        for kind, name in (
            ("discounted_cash", "cash"),
            ("gross", "gross"),
            ("minimum", "minimum"),
            ("maximum", "maximum"),
        ):
            cents = to_cents(values.get(name), f"{where} ({kind})")
            if cents is not None:
                notes = text_or_none(values.get("notes"))
                out.append(
                    ChargeRecord(**self._common(), kind=kind, amount_cents=cents, notes=notes)
                )
        return out

    def payer_charge(self, values: Mapping[str, Any], where: str) -> ChargeRecord | None:
        """One payer and plan's negotiated charge; None when it states no rate at all."""
        cents = to_cents(values.get("dollar"), f"{where} (negotiated_dollar)")
        pct = text_or_none(values.get("percentage"), 40)
        algo = text_or_none(values.get("algorithm"))
        if cents is None and pct is None and algo is None:
            return None
        if cents is not None:
            kind = "negotiated_dollar"
        elif pct is not None:
            kind = "negotiated_percentage"
        else:
            kind = "negotiated_algorithm"
        return ChargeRecord(
            **self._common(),
            kind=kind,
            amount_cents=cents,
            payer_name=text_or_none(values.get("payer"), 200),
            plan_name=text_or_none(values.get("plan"), 200),
            percentage=pct,
            algorithm=algo,
            methodology=text_or_none(values.get("methodology"), 60),
            median_cents=to_cents(values.get("median"), f"{where} (median_amount)"),
            p10_cents=to_cents(values.get("p10"), f"{where} (10th_percentile)"),
            p90_cents=to_cents(values.get("p90"), f"{where} (90th_percentile)"),
            estimated_cents=to_cents(values.get("estimated"), f"{where} (estimated_amount)"),
            count=text_or_none(values.get("count"), 20),
            notes=text_or_none(values.get("notes")),
        )

    def _common(self) -> dict[str, Any]:
        return {
            "code": self.match.code,
            "code_type": self.match.code_type,
            "treatment": self.match.treatment,
            "covers": self.match.rule.covers,
            "description": self.description,
            "setting": (text_or_none(self.setting, 20) or "").lower(),
            "modifiers": text_or_none(self.modifiers, 200),
            "drug_unit": text_or_none(self.drug_unit, 40),
            "drug_unit_type": text_or_none(self.drug_unit_type, 4),
        }
