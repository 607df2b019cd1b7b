"""Reading an HSDS 3.0 tabular data package (a zip or a folder) back into listings."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import models as m
from directory.api import hsds, hsds_datapackage
from directory.listings.slugs import slugify
from directory.listings.taxonomy import LANGUAGE_NAMES
from directory.models.clinic import join_codes
from directory.search import places as geo
from directory.search.geocoding import GazetteerGeocoder
from directory.validators import us_phone_e164

MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
EXAMPLE_DESCRIPTION = "Example data: a fictional listing."
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


class DatapackageError(ValueError):
    """The package cannot be imported; nothing was written. The message names the problems."""

    def __init__(self, problems: list[str]):
        shown = problems[:20]
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__("; ".join(shown) + more)
        self.problems = problems


@dataclass
class ImportSummary:
    """What an import did."""

    status: m.ClinicStatus
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # slugs already in the directory


Rows = dict[str, list[dict[str, str]]]


def read_tables(path: Path) -> Rows:
    """Every HSDS table of the package at path (a .zip or a folder), as rows of text."""
    known = {t["path"]: t["name"] for t in hsds_datapackage.tables()}
    tables: Rows = {name: [] for name in known.values()}
    try:
        if path.is_dir():
            descriptor = json.loads((path / "datapackage.json").read_text("utf-8"))
            for resource in _resources(descriptor, known):
                text = (path / resource).read_text("utf-8-sig")
                tables[known[resource]] = _csv_rows(text)
            return tables
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise DatapackageError(["The package is too large to import."])
            names = set(archive.namelist())
            descriptor = json.loads(archive.read("datapackage.json").decode("utf-8"))
            for resource in _resources(descriptor, known):
                if resource in names:
                    text = archive.read(resource).decode("utf-8-sig")
                    tables[known[resource]] = _csv_rows(text)
            return tables
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatapackageError(
            [f"{path.name} is not a readable HSDS data package ({exc})."]
        ) from exc
    except csv.Error as exc:
        raise DatapackageError([f"A CSV file in {path.name} is malformed ({exc})."]) from exc


def _resources(descriptor: Any, known: dict[str, str]) -> list[str]:
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise DatapackageError(["datapackage.json has no list of resources."])
    # Only the HSDS tables' own file names are read: never a path out of the package.
    paths = [r.get("path") for r in descriptor["resources"] if isinstance(r, dict)]
    return [p for p in paths if isinstance(p, str) and p in known]


def _csv_rows(text: str) -> list[dict[str, str]]:
    return [
        {k: (v or "") for k, v in row.items() if k} for row in csv.DictReader(io.StringIO(text))
    ]


def import_datapackage(session: Session, path: Path | str, *, publish: bool) -> ImportSummary:
    """Add the package's organizations as listings, published or pending a moderator.

    Listings whose slug is already in the directory are left as they are. Either every new
    listing is added or, when any row is unusable, none is (DatapackageError).
    """
    path = Path(path)
    tables = read_tables(path)
    status = m.ClinicStatus.PUBLISHED if publish else m.ClinicStatus.PENDING
    summary = ImportSummary(status)
    reader = _Reader(session, tables, status)
    existing = set(session.execute(select(m.Clinic.slug)).scalars())
    clinics: list[m.Clinic] = []
    seen: set[str] = set()
    for n, org in enumerate(tables["organization"], start=2):
        clinic = reader.clinic(org, f"organizations.csv row {n}")
        if clinic is None:
            continue
        if clinic.slug in existing:
            summary.skipped.append(clinic.slug)
            continue
        if clinic.slug in seen:
            reader.problems.append(f"organizations.csv row {n}: slug {clinic.slug} appears twice")
            continue
        seen.add(clinic.slug)
        clinics.append(clinic)
    if reader.problems:
        raise DatapackageError(reader.problems)
    session.add_all(clinics)
    session.flush()
    summary.created = [c.slug for c in clinics]
    return summary


class _Reader:
    """Turns the rows of one package into Clinic objects, collecting every problem."""

    def __init__(self, session: Session, tables: Rows, status: m.ClinicStatus) -> None:
        self.session = session
        self.status = status
        self.problems: list[str] = []
        self.treatments = {t.slug: t for t in session.execute(select(m.Treatment)).scalars()}
        self.conditions = {c.slug: c for c in session.execute(select(m.Condition)).scalars()}
        self.by: dict[str, dict[str, list[dict[str, str]]]] = {}
        for table, key in (
            ("attribute", "link_id"),
            ("phone", "organization_id"),
            ("location", "organization_id"),
            ("address", "location_id"),
            ("service", "organization_id"),
            ("cost_option", "service_id"),
            ("service_area", "service_id"),
            ("schedule", "service_id"),
            ("language", "service_id"),
            ("organization_identifier", "organization_id"),
            ("metadata", "resource_id"),
        ):
            grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
            for row in tables[table]:
                grouped[row.get(key, "")].append(row)
            self.by[table] = grouped
        # Terms of other publishers' packages are matched by their code.
        self.terms = dict(hsds.TERM_INDEX)
        for term in tables["taxonomy_term"]:
            code = term.get("code", "")
            if term.get("id") and term["id"] not in self.terms:
                if code in self.treatments:
                    self.terms[term["id"]] = ("treatments", code)
                elif code in self.conditions:
                    self.terms[term["id"]] = ("conditions", code)

    def rows(self, table: str, key: str) -> list[dict[str, str]]:
        return self.by[table].get(key, []) if key else []

    def facts(self, link_id: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for attribute in self.rows("attribute", link_id):
            term = self.terms.get(attribute.get("taxonomy_term_id", ""))
            if term:
                found[term[1] if term[0] == "listing-facts" else f"{term[0]}:{term[1]}"].append(
                    attribute.get("value", "")
                )
        return found

    def clinic(self, org: dict[str, str], where: str) -> m.Clinic | None:
        org_id = org.get("id", "")
        name = org.get("name", "").strip()
        if not org_id or not name:
            self.problems.append(f"{where}: an organization needs an id and a name")
            return None
        facts = self.facts(org_id)
        example = _bool(_first(facts, "example-data")) is True
        description = org.get("description", "")
        if example and description == EXAMPLE_DESCRIPTION:
            description = ""
        clinic = m.Clinic(
            slug=self.slug(org_id, name),
            name=name,
            description=description,
            website=org.get("website") or None,
            email=org.get("email") or None,
            status=self.status,
            is_example=example,
            administered_by=_first(facts, "administered-by") or None,
            monitoring=_first(facts, "monitoring") or None,
            private_room=_bool(_first(facts, "private-room")),
            year_opened=_int(_first(facts, "year-opened")),
            payment_options=join_codes(
                [key.split(":", 1)[1] for key in facts if key.startswith("payment-options:")]
            ),
            languages=self.languages(org_id),
            access_as_of=_date(_first(facts, "access-as-of")),
            **hsds.read_listing_facts(lambda code: _first(facts, code)),
            status_note="Imported from an HSDS data package.",
        )
        self.verification(clinic, org_id, where)
        clinic.sources = [self.source(v, where) for v in facts.get("source", [])]
        clinic.quotes = [self.quote(v, where) for v in facts.get("clinic-statement", [])]
        clinic.locations = [
            loc
            for loc in (self.location(row, where) for row in self.rows("location", org_id))
            if loc is not None
        ]
        clinic.phones = [
            phone
            for row in self.rows("phone", org_id)
            if not _linked_elsewhere(row) and (phone := self.phone(row, where)) is not None
        ]
        self.services(clinic, org_id, where)
        return clinic

    def languages(self, org_id: str) -> str:
        """The languages the organization's services are offered in, as stored codes."""
        codes = [
            row.get("code", "").strip().lower()
            for service in self.rows("service", org_id)
            for row in self.rows("language", service.get("id", ""))
        ]
        return join_codes([code for code in codes if code in LANGUAGE_NAMES])

    def slug(self, org_id: str, name: str) -> str:
        for identifier in self.rows("organization_identifier", org_id):
            if (
                identifier.get("identifier_scheme") == hsds.IDENTIFIER_SCHEME
                and identifier.get("identifier_type") == "slug"
                and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,119}", identifier.get("identifier", ""))
            ):
                return identifier["identifier"]
        return slugify(name)

    def verification(self, clinic: m.Clinic, org_id: str, where: str) -> None:
        for record in self.rows("metadata", org_id):
            if record.get("last_action_type") != "verified":
                continue
            clinic.last_verified_on = _date(record.get("last_action_date", ""))
            by = record.get("replacement_value", "")
            known = {v.value for v in m.VerifiedBy}
            clinic.last_verified_by = m.VerifiedBy(by) if by in known else None
            if clinic.last_verified_on is None:
                self.problems.append(f"{where}: the verification date is not a date")

    def source(self, value: str, where: str) -> m.Provenance:
        data = _json_object(value)
        if not data.get("field"):
            self.problems.append(f"{where}: a source attribute has no field")
        return m.Provenance(
            field=str(data.get("field", ""))[:60],
            source_document=data.get("source_document"),
            source_url=data.get("source_url"),
            quote=str(data.get("quote", "")),
        )

    def quote(self, value: str, where: str) -> m.ClinicQuote:
        data = _json_object(value)
        if not data.get("quote") or not data.get("source_document"):
            self.problems.append(f"{where}: a clinic statement needs a quote and its source")
        return m.ClinicQuote(
            topic=str(data.get("topic", "")),
            quote=str(data.get("quote", "")),
            source_document=str(data.get("source_document", "")),
        )

    def location(self, row: dict[str, str], where: str) -> m.Location | None:
        addresses = self.rows("address", row.get("id", ""))
        if not addresses:
            self.problems.append(f"{where}: location {row.get('id')} has no address")
            return None
        address = addresses[0]
        state = geo.state_code(address.get("state_province", "")) or ""
        if not state:
            self.problems.append(f"{where}: {address.get('state_province')!r} is not a US state")
            return None
        precision = _first(self.facts(row.get("id", "")), "geocode-precision")
        loc = m.Location(
            address_1=address.get("address_1") or None,
            address_2=address.get("address_2") or None,
            city=address.get("city") or None,
            state=state,
            postal_code=address.get("postal_code") or None,
            metro=address.get("region") or None,
        )
        latitude, longitude = _float(row.get("latitude")), _float(row.get("longitude"))
        point = geo.real_point(latitude, longitude)
        if point is not None:
            loc.latitude, loc.longitude = point
            loc.geocode_precision = (
                m.GeocodePrecision(precision)
                if precision in {p.value for p in m.GeocodePrecision}
                else m.GeocodePrecision.ADDRESS
            )
            return loc
        try:
            position = GazetteerGeocoder().locate(
                self.session,
                {"postal_code": loc.postal_code, "city": loc.city, "state": loc.state},
            )
        except geo.UnknownPlace:
            self.problems.append(f"{where}: location {row.get('id')} cannot be placed on the map")
            return None
        loc.latitude, loc.longitude = position.latitude, position.longitude
        loc.geocode_precision = position.precision
        return loc

    def phone(self, row: dict[str, str], where: str) -> m.Phone | None:
        number = row.get("number", "").strip()
        e164 = number if _E164.match(number) else us_phone_e164(number)
        if e164 is None:
            self.problems.append(f"{where}: {number!r} is not a phone number")
            return None
        facts = self.facts(row.get("id", ""))
        kind = _first(facts, "phone-kind") or ("text" if row.get("type") == "text" else "main")
        return m.Phone(
            e164=e164,
            display=(row.get("description") or number)[:40],
            vanity=_first(facts, "phone-vanity") or None,
            kind=m.PhoneKind(kind) if kind in {k.value for k in m.PhoneKind} else m.PhoneKind.MAIN,
        )

    def services(self, clinic: m.Clinic, org_id: str, where: str) -> None:
        treatments: list[m.Treatment] = []
        conditions: set[str] = set()
        areas: set[str] = set()
        for row in self.rows("service", org_id):
            sid = row.get("id", "")
            facts = self.facts(sid)
            slugs = [k.split(":", 1)[1] for k in facts if k.startswith("treatments:")]
            if not slugs:
                by_name = {t.name.lower(): s for s, t in self.treatments.items()}
                slugs = (
                    [by_name[row["name"].lower()]] if row.get("name", "").lower() in by_name else []
                )
            if not slugs:
                self.problems.append(f"{where}: service {row.get('name')!r} is no known treatment")
                continue
            treatment = self.treatments[slugs[0]]
            treatments.append(treatment)
            conditions.update(k.split(":", 1)[1] for k in facts if k.startswith("conditions:"))
            for area in self.rows("service_area", sid):
                code = geo.state_code(area.get("extent") or area.get("name") or "")
                if code is None:
                    self.problems.append(f"{where}: service area {area.get('name')!r} is no state")
                else:
                    areas.add(code)
            for schedule in self.rows("schedule", sid):
                clinic.hours = clinic.hours or schedule.get("description", "")
            modified = _datetime(row.get("last_modified", ""))
            if modified is not None:
                clinic.updated_at = modified
            for option in self.rows("cost_option", sid):
                price = self.price(option, treatment, where)
                if price is not None:
                    clinic.prices.append(price)
        clinic.treatments = sorted(set(treatments), key=lambda t: t.position)
        clinic.conditions = sorted(
            (self.conditions[c] for c in conditions), key=lambda c: c.position
        )
        clinic.service_areas = [m.ServiceArea(state=s) for s in sorted(areas)]

    def price(self, row: dict[str, str], treatment: m.Treatment, where: str) -> m.Price | None:
        facts = self.facts(row.get("id", ""))
        amount = _float(row.get("amount"))
        unit = _first(facts, "price-unit") or _unit_from_text(row.get("option", ""))
        if amount is None or amount < 0 or unit not in {u.value for u in m.PriceUnit}:
            self.problems.append(f"{where}: cost option {row.get('id')} has no amount or unit")
            return None
        return m.Price(
            treatment=treatment,
            amount_cents=int(round(amount * 100)),
            currency=(row.get("currency") or "USD")[:3].upper(),
            unit=m.PriceUnit(unit),
            sessions_included=_int(_first(facts, "sessions-included")),
            included=_first(facts, "included"),
            insurance_accepted=_bool(_first(facts, "insurance-accepted")) is True,
            valid_from=_date(row.get("valid_from", "")),
            valid_to=_date(row.get("valid_to", "")),
            source_url=_first(facts, "price-source-url") or None,
            as_of=_date(_first(facts, "price-as-of")),
        )


def _linked_elsewhere(row: dict[str, str]) -> bool:
    """Organization phones only: the copies on services and locations repeat them."""
    return any(row.get(k) for k in ("service_id", "location_id", "service_at_location_id"))


def _first(facts: dict[str, list[str]], code: str) -> str:
    values = facts.get(code)
    return values[0] if values else ""


def _bool(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text.strip() else None
    except ValueError:
        return None


def _datetime(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _unit_from_text(text: str) -> str:
    for unit in m.PriceUnit:
        if unit.value in text.lower():
            return unit.value
    return ""
