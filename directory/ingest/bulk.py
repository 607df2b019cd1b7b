"""Reading bulk listing files (CSV with documented columns, HSDS 3.0 JSON) row by row."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlparse

import ijson
import phonenumbers

from directory.api import hsds
from directory.listings.taxonomy import (
    CONDITION_SLUGS,
    LANGUAGE_CODES,
    PAYMENT_CODES,
    TREATMENT_NAMES,
    TREATMENT_SLUGS,
)
from directory.search import places as geo
from directory.validators import EMAIL_RE

# The CSV columns, in template order, with what each holds (the README repeats this).
CSV_COLUMNS: dict[str, str] = {
    "source": "Who publishes the file, e.g. state-board-2026 (letters, digits, . _ : -)",
    "external_id": "The listing's id in that source; with source it names the listing",
    "name": "The clinic's name",
    "address_1": "Street address",
    "address_2": "Suite, floor",
    "city": "City",
    "state": "Two-letter state code",
    "postal_code": "5-digit ZIP code (ZIP+4 accepted)",
    "service_area_states": "For telehealth programs: states served, separated by ;",
    "phones": "Phone numbers separated by ; (toll-free numbers are recognised)",
    "website": "https:// address",
    "email": "E-mail address",
    "treatments": "Treatment slugs separated by ; (e.g. iv-infusion;esketamine)",
    "conditions": "Condition slugs separated by ; (e.g. depression;ptsd)",
    "free_consultation": "yes, no or empty",
    "accepts_insurance": "yes, no or empty",
    "description": "A short description",
    "payment_options": "Ways to pay separated by ; (e.g. self-pay;hsa-fsa;medicare)",
    "languages": "ISO 639 codes of languages staff speak, separated by ; (e.g. en;es)",
}
REQUIRED_COLUMNS = ("source", "external_id", "name")
SOURCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
MAX_DESCRIPTION = 2000
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}
_TREATMENT_BY_NAME = {name.lower(): slug for slug, name in TREATMENT_NAMES.items()}
_HSDS_UNITS = {
    "per session": "session",
    "per series": "series",
    "per consultation": "consultation",
    "per month": "month",
}
_SERIES_RE = re.compile(r"^per series of (\d{1,3}) sessions$")


class BulkFileError(ValueError):
    """The file as a whole cannot be read (wrong format, missing columns)."""


@dataclass(frozen=True)
class RowError:
    """One problem with one field of one row."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.field}: {self.message}"


@dataclass
class ListingRecord:
    """A valid row: the listing it describes, in the shape of a listing snapshot."""

    row: int
    source: str
    external_id: str
    payload: dict[str, Any]
    # The snapshot fields this file format carries; others are left as they are on update.
    fields: tuple[str, ...]
    service_areas: list[str] = field(default_factory=list)
    slug: str | None = None
    is_example: bool = False
    # valid_from and valid_to of each price, in order (HSDS cost options carry them).
    price_dates: list[tuple[str | None, str | None]] = field(default_factory=list)

    @property
    def row_hash(self) -> str:
        """A fingerprint of what the row says, to tell an unchanged row from an update."""
        data = [self.payload, self.service_areas, self.is_example, self.price_dates]
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class ParsedRow:
    """A row as read: a record, or the errors that keep it out."""

    row: int
    record: ListingRecord | None
    errors: list[RowError]


def read_rows(stream: IO[bytes], filename: str, source: str | None = None) -> Iterator[ParsedRow]:
    """Rows of a CSV or HSDS JSON file, validated one at a time (never all in memory)."""
    head = stream.read(64)
    stream.seek(0)
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if filename.lower().endswith(".json") or first in (b"{", b"["):
        yield from _hsds_rows(stream, source or "hsds", first == b"[")
    else:
        yield from _csv_rows(stream, source)


# --- CSV --------------------------------------------------------------------------------------


def csv_template() -> str:
    """The CSV template: the header and one fictional example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(
        [
            "example-list",
            "1",
            "Example Ketamine Clinic",
            "100 Example Street",
            "Suite 200",
            "Ann Arbor",
            "MI",
            "48104",
            "",
            "(734) 555-0100",
            "https://clinic.example.com",
            "info@example.com",
            "iv-infusion;consultation",
            "depression;ptsd",
            "yes",
            "",
            "Fictional example row: replace it.",
        ]
    )
    return out.getvalue()


def _csv_rows(stream: IO[bytes], source: str | None) -> Iterator[ParsedRow]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    try:
        yield from _csv_reader_rows(text, source)
    finally:
        text.detach()  # the caller closes the file it opened


def _csv_reader_rows(text: IO[str], source: str | None) -> Iterator[ParsedRow]:
    reader = csv.DictReader(text)
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BulkFileError(f"The file is not a UTF-8 CSV file: {exc}") from exc
    if not header:
        raise BulkFileError("The file is empty.")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise BulkFileError(
            f"Row 1: unknown column(s) {', '.join(unknown)}; "
            f"the columns are {', '.join(CSV_COLUMNS)}."
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header and not (c == "source" and source)]
    if missing:
        raise BulkFileError(f"Row 1: missing column(s) {', '.join(missing)}.")
    reader.fieldnames = header
    try:
        for number, raw in enumerate(reader, start=2):
            if None in raw:
                yield ParsedRow(number, None, [RowError(number, "row", "more cells than columns")])
                continue
            values = {k: (v or "").strip() for k, v in raw.items()}
            if not any(values.values()):
                continue
            if source and not values.get("source"):
                values["source"] = source
            yield _csv_record(number, values)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BulkFileError(f"The file is not a readable UTF-8 CSV file: {exc}") from exc


def _csv_record(number: int, v: dict[str, str]) -> ParsedRow:
    errors: list[RowError] = []

    def err(name: str, message: str) -> None:
        errors.append(RowError(number, name, message))

    ident = _identity(v.get("source", ""), v.get("external_id", ""), err)
    name = _text(v.get("name", ""), "name", 200, err, required=True)
    location, areas = _place(v, err)
    phones = _phones(v.get("phones", ""), err)
    website = _website(v.get("website", ""), err)
    email = _email(v.get("email", ""), err)
    treatments = _slugs(v.get("treatments", ""), TREATMENT_SLUGS, "treatments", err)
    conditions = _slugs(v.get("conditions", ""), CONDITION_SLUGS, "conditions", err)
    free = _yes_no(v.get("free_consultation", ""), "free_consultation", err)
    insurance = _yes_no(v.get("accepts_insurance", ""), "accepts_insurance", err)
    description = _text(v.get("description", ""), "description", MAX_DESCRIPTION, err)
    # Only a file with these columns states them; without, an update keeps what is listed.
    access = {
        name: _slugs(v[name], known, name, err)
        for name, known in (("payment_options", PAYMENT_CODES), ("languages", LANGUAGE_CODES))
        if name in v
    }
    if errors or ident is None:
        return ParsedRow(number, None, errors)
    payload = _payload(
        name,
        description,
        website,
        email,
        location,
        phones,
        treatments,
        free_consultation=free,
        accepts_insurance=insurance,
        conditions=conditions,
        **access,
    )
    record = ListingRecord(number, ident[0], ident[1], payload, tuple(payload), areas)
    return ParsedRow(number, record, [])


def _payload(
    name: str | None,
    description: str | None,
    website: str | None,
    email: str | None,
    location: Any,
    phones: list[dict[str, Any]],
    treatments: list[str],
    **more: Any,
) -> dict[str, Any]:
    """A listing proposal from a row: the fields every file format states, and more."""
    return {
        "name": name,
        "description": description or "",
        "website": website,
        "email": email,
        "location": location,
        "phones": phones,
        "treatments": treatments,
        **more,
    }


# --- HSDS 3.0 JSON ----------------------------------------------------------------------------


def _hsds_rows(stream: IO[bytes], source: str, is_list: bool) -> Iterator[ParsedRow]:
    prefix = "item" if is_list else "contents.item"
    number = 0
    try:
        for number, org in enumerate(ijson.items(stream, prefix, use_float=True), start=1):
            if not isinstance(org, dict):
                yield ParsedRow(number, None, [RowError(number, "organization", "not an object")])
                continue
            yield _hsds_record(number, org, source)
    except ijson.JSONError as exc:
        raise BulkFileError(f"The file is not valid JSON (after record {number}): {exc}") from exc
    if number == 0 and not is_list:
        stream.seek(0)
        if not any(True for _ in ijson.items(stream, "contents")):
            raise BulkFileError(
                "No HSDS organizations found: expected a list, or an object with 'contents'."
            )


def _facts(record: Any) -> dict[str, str]:
    """The listing facts a record carries as HSDS attributes, by code ("price-unit": ...)."""
    found: dict[str, str] = {}
    for attribute in record.get("attributes") or [] if isinstance(record, dict) else []:
        if not isinstance(attribute, dict):
            continue
        term = hsds.TERM_INDEX.get(_str(attribute.get("taxonomy_term_id")))
        if term and term[0] == hsds.FACT_TAXONOMY.key and isinstance(attribute.get("value"), str):
            found.setdefault(term[1], attribute["value"])
    return found


def _slug_of(org: dict[str, Any]) -> str | None:
    """The directory's own slug, from the organization's identifiers."""
    for identifier in org.get("organization_identifiers") or []:
        if (
            isinstance(identifier, dict)
            and identifier.get("identifier_scheme") == hsds.IDENTIFIER_SCHEME
            and identifier.get("identifier_type") == "slug"
        ):
            return _str(identifier.get("identifier")) or None
    return None


def _hsds_record(number: int, org: dict[str, Any], source: str) -> ParsedRow:
    errors: list[RowError] = []

    def err(name: str, message: str) -> None:
        errors.append(RowError(number, name, message))

    ident = _identity(source, str(org.get("id") or ""), err, id_field="id")
    name = _text(_str(org.get("name")), "name", 200, err, required=True)
    description = _text(_str(org.get("description")), "description", MAX_DESCRIPTION, err)
    is_example = _facts(org).get("example-data") == "true"
    if is_example and description == "Example data: a fictional listing.":
        description = ""  # the export's label for example data, not the listing's own words
    locations = org.get("locations") or []
    values: dict[str, str] = {}
    if isinstance(locations, list) and locations and isinstance(locations[0], dict):
        addresses = locations[0].get("addresses") or []
        address = addresses[0] if isinstance(addresses, list) and addresses else {}
        if isinstance(address, dict):
            values = {
                "address_1": _str(address.get("address_1")),
                "address_2": _str(address.get("address_2")),
                "city": _str(address.get("city")),
                "state": _str(address.get("state_province")),
                "postal_code": _str(address.get("postal_code")),
                "metro": _str(address.get("region")),
            }
            if values["city"] and values["city"] == values["metro"]:
                values["city"] = ""  # the export names the metro area where no city is known
    treatments: list[str] = []
    conditions: list[str] = []
    states: list[str] = []
    prices: list[dict[str, Any]] = []
    dates: list[tuple[str | None, str | None]] = []
    for service in org.get("services") or []:
        if not isinstance(service, dict):
            err("services", "not an object")
            continue
        slug = _TREATMENT_BY_NAME.get(_str(service.get("name")).lower())
        if slug is None:
            err("services.name", f"unknown treatment {service.get('name')!r}")
            continue
        if slug not in treatments:
            treatments.append(slug)
        for attribute in service.get("attributes") or []:
            term = hsds.TERM_INDEX.get(_str(attribute.get("taxonomy_term_id")))
            if term and term[0] == hsds.CONDITION_TAXONOMY.key and term[1] not in conditions:
                conditions.append(term[1])
        for area in service.get("service_areas") or []:
            state = geo.state_code(_str(area.get("name"))) if isinstance(area, dict) else None
            if state is None:
                err("service_areas.name", f"unknown state {area!r}")
            elif state not in states:
                states.append(state)
        for option in service.get("cost_options") or []:
            if "hospital-charge" in _facts(option):
                continue  # hospital charges come from price files, not from listings
            price = _cost_option(option, slug, err)
            if price is not None:
                prices.append(price)
                dates.append((_date(option, "valid_from", err), _date(option, "valid_to", err)))
    values["service_area_states"] = ";".join(states)
    location, areas = _place(values, err)
    listed = [p for p in org.get("phones") or [] if isinstance(p, dict)]
    phones = _phones(
        ";".join(_str(p.get("number")) for p in listed),
        err,
        displays=[_str(p.get("description")) for p in listed],
    )
    for phone, listed_phone in zip(phones, listed, strict=False):
        stated = _facts(listed_phone)  # the export says what each number is for
        if stated.get("phone-kind") in ("main", "toll_free", "text"):
            phone["kind"] = stated["phone-kind"]
        phone["vanity"] = stated.get("phone-vanity", phone["vanity"])
    org_facts = _facts(org)
    hours = next(
        (
            _str(schedule.get("description"))
            for service in org.get("services") or []
            if isinstance(service, dict)
            for schedule in service.get("schedules") or []
            if isinstance(schedule, dict)
        ),
        "",
    )
    website = _website(_str(org.get("website")), err)
    email = _email(_str(org.get("email")), err)
    slug = _slug_of(org)
    if errors or ident is None:
        return ParsedRow(number, None, errors)
    payload = _payload(name, description, website, email, location, phones, treatments)
    payload["prices"] = prices
    # What the HSDS export states beyond the CSV columns, where it states it.
    if conditions:
        payload["conditions"] = conditions
    if hours:
        payload["hours"] = hours
    for code, key in (
        ("free-consultation", "free_consultation"),
        ("accepts-insurance", "accepts_insurance"),
    ):
        if org_facts.get(code) in ("true", "false"):
            payload[key] = org_facts[code] == "true"
    record = ListingRecord(
        number, ident[0], ident[1], payload, tuple(payload), areas, slug, is_example, dates
    )
    return ParsedRow(number, record, [])


def _cost_option(option: Any, treatment: str, err: Any) -> dict[str, Any] | None:
    if not isinstance(option, dict):
        err("cost_options", "not an object")
        return None
    facts = _facts(option)
    label = _str(option.get("option")).lower()
    sessions = (
        int(facts["sessions-included"]) if facts.get("sessions-included", "").isdigit() else None
    )
    series = _SERIES_RE.match(label)
    if facts.get("price-unit") in _HSDS_UNITS.values():
        unit = facts["price-unit"]
    elif series:
        unit, sessions = "series", int(series.group(1))
    elif label in _HSDS_UNITS:
        unit = _HSDS_UNITS[label]
    else:
        err("cost_options.option", f"unknown price unit {option.get('option')!r}")
        return None
    amount = option.get("amount")
    if not isinstance(amount, int | float) or isinstance(amount, bool) or not 0 <= amount < 1e6:
        err("cost_options.amount", "not an amount in dollars")
        return None
    if _str(option.get("currency") or "USD").upper() != "USD":
        err("cost_options.currency", "only USD prices are listed")
        return None
    described = _str(option.get("amount_description"))
    included = facts.get("included", "" if described == _str(option.get("option")) else described)
    as_of = facts.get("price-as-of") or None
    if as_of and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
        err("cost_options.price-as-of", "not a date (YYYY-MM-DD)")
        return None
    return {
        "treatment": treatment,
        "amount_cents": round(amount * 100),
        "unit": unit,
        "sessions_included": sessions,
        "included": included,
        "insurance_accepted": facts.get("insurance-accepted") == "true",
        "source_url": facts.get("price-source-url") or None,
        "as_of": as_of,
    }


def _date(option: dict[str, Any], name: str, err: Any) -> str | None:
    value = _str(option.get(name)) or None
    if value and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        err(f"cost_options.{name}", "not a date (YYYY-MM-DD)")
        return None
    return value


# --- fields -----------------------------------------------------------------------------------


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _identity(source: str, external_id: str, err: Any, id_field: str = "external_id") -> Any:
    ok = True
    if not source:
        err("source", "required")
        ok = False
    elif not SOURCE_RE.match(source):
        err("source", "use letters, digits and . _ : - (at most 100)")
        ok = False
    if not external_id:
        err(id_field, "required")
        ok = False
    elif len(external_id) > 200:
        err(id_field, "at most 200 characters")
        ok = False
    return (source, external_id) if ok else None


def _text(value: str, name: str, limit: int, err: Any, required: bool = False) -> str | None:
    if not value:
        if required:
            err(name, "required")
        return None
    if len(value) > limit:
        err(name, f"at most {limit} characters")
        return None
    return value


def _place(v: dict[str, str], err: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """The location fields and the states served; a listing needs one or the other."""
    areas: list[str] = []
    for part in filter(None, (p.strip() for p in v.get("service_area_states", "").split(";"))):
        code = geo.state_code(part)
        if code is None:
            err("service_area_states", f"unknown state {part!r}")
        elif code not in areas:
            areas.append(code)
    has_address = any(v.get(k) for k in ("address_1", "address_2", "city", "postal_code", "metro"))
    if not has_address:
        if not areas and not v.get("state"):
            err("postal_code", "give an address with a ZIP code, or service_area_states")
        elif not areas:
            err("postal_code", "required with an address")
        return None, areas
    state = geo.state_code(v.get("state", "")) if v.get("state") else None
    if state is None:
        err("state", "required: a two-letter state code" if not v.get("state") else "unknown state")
    postal = v.get("postal_code", "")
    if postal and not geo.ZIP_RE.match(postal):
        err("postal_code", "not a ZIP code (12345 or 12345-6789)")
    elif not postal and not v.get("city") and not v.get("metro"):
        err("postal_code", "required (or a city)")
    for name in ("address_1", "address_2", "city"):
        if len(v.get(name, "")) > (120 if name == "city" else 200):
            err(name, "too long")
    location = {
        "address_1": v.get("address_1") or None,
        "address_2": v.get("address_2") or None,
        "city": v.get("city") or None,
        "state": state,
        "postal_code": postal or None,
        "metro": v.get("metro") or None,
    }
    return location, areas


def _phones(text: str, err: Any, displays: list[str] | None = None) -> list[dict[str, Any]]:
    phones: list[dict[str, Any]] = []
    for i, part in enumerate(p.strip() for p in text.split(";")):
        if not part:
            continue
        try:
            number = phonenumbers.parse(part, "US")
        except phonenumbers.NumberParseException:
            err("phones", f"{part!r} is not a phone number")
            continue
        if number.country_code != 1 or not phonenumbers.is_possible_number(number):
            err("phones", f"{part!r} is not a US phone number")
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if any(p["e164"] == e164 for p in phones):
            continue
        display = (displays[i] if displays and i < len(displays) and displays[i] else part)[:40]
        toll_free = phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.TOLL_FREE
        phones.append(
            {
                "display": display,
                "e164": e164,
                "kind": "toll_free" if toll_free else "main",
                "vanity": display if re.search(r"[A-Za-z]{3}", display) else None,
            }
        )
    return phones


def _website(value: str, err: Any) -> str | None:
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value:
        err("website", "not a web address starting with https://")
        return None
    if len(value) > 500:
        err("website", "at most 500 characters")
        return None
    return value


def _email(value: str, err: Any) -> str | None:
    if not value:
        return None
    if len(value) > 254 or not EMAIL_RE.match(value):
        err("email", f"{value!r} is not an e-mail address")
        return None
    return value


def _slugs(value: str, known: frozenset[str], name: str, err: Any) -> list[str]:
    slugs: list[str] = []
    for part in filter(None, (p.strip().lower() for p in value.split(";"))):
        if part not in known:
            err(name, f"unknown {name[:-1]} {part!r} (one of {', '.join(sorted(known))})")
        elif part not in slugs:
            slugs.append(part)
    return slugs


def _yes_no(value: str, name: str, err: Any) -> bool | None:
    low = value.lower()
    if not low:
        return None
    if low in _YES:
        return True
    if low in _NO:
        return False
    err(name, f"{value!r}: use yes, no or leave it empty")
    return None
