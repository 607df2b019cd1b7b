"""Published listings as Open Referral HSDS 3.0 records that validate against its schemas.

Absent optional fields are left out, never null. How to pay, languages, new patients and
REMS certification use HSDS's own fields where it has them (service fees_description,
languages, application_process, accreditations, assured_date and alert) and are repeated
as attributes for machines. What HSDS has no field for (the
listing's slug, an example flag, a price's source and as-of date, a phone's kind)
travels as `attributes` whose taxonomy term names the fact; verification and
approved changes travel as `metadata` records.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from directory.formatting import is_stale
from directory.listings import hsds_ids, schema
from directory.listings.hsds_ids import make_id
from directory.listings.taxonomy import CONDITIONS, LANGUAGE_NAMES, PAYMENT_OPTIONS, TREATMENTS
from directory.models import Clinic, HospitalCharge, Location, Phone, Price, Treatment

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/v3.0/"
IDENTIFIER_SCHEME = "ketamine-clinic-directory"


def _utc(moment: datetime) -> datetime:
    """The moment in UTC (SQLite hands back naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def timestamp(moment: datetime) -> str:
    """An RFC 3339 UTC timestamp with milliseconds."""
    return _utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- taxonomies ---------------------------------------------------------------------------

# The listing's own fields HSDS has no field for (the schema's `hsds_fact`), as
# attribute code, field name and description; the access facts are dated by access-as-of.
FACT_FIELDS = tuple(
    (name.replace("_", "-"), name, spec)
    for name, spec in schema.SPECS.items()
    if spec.hsds_fact is not None
)


def read_listing_facts(value_of: Callable[[str], str]) -> dict[str, Any]:
    """The listing fields carried as fact attributes, as the clinic row holds them, read back
    from each attribute's value (`value_of` gives it by code, "" when absent)."""
    columns: dict[str, Any] = {}
    for code, name, spec in FACT_FIELDS:
        text = value_of(code)
        if spec.kind is schema.Kind.FLAG:
            columns[name] = {"true": True, "false": False}.get(text.strip().lower())
        else:
            columns[name] = text[: schema.max_length(name)] or spec.column_empty
    return columns


def _listing_facts(access: bool) -> dict[str, str]:
    return {code: spec.hsds_fact or "" for code, _, spec in FACT_FIELDS if spec.access is access}


def _listing_values(clinic: Clinic, access: bool) -> list[tuple[str, Any]]:
    return [(code, getattr(clinic, n)) for code, n, spec in FACT_FIELDS if spec.access is access]


# Facts a listing holds that HSDS has no field for; each is an attribute whose value holds it.
FACTS: dict[str, str] = {
    "example-data": "A fictional example listing, not a real clinic.",
    **_listing_facts(access=False),
    "administered-by": "Who administers the treatment, as the source states it.",
    "monitoring": "How patients are monitored during treatment, as the source states it.",
    "private-room": "Whether treatment is given in a private room: true or false.",
    "year-opened": "The year the clinic opened.",
    "geocode-precision": "How exactly the coordinates place the location: address, "
    "postal_code, city or region.",
    "phone-kind": "What the number is for: main, toll_free or text.",
    "phone-vanity": "The number as the clinic advertises it in letters.",
    "price-unit": "What one amount pays for: session, series, consultation or month.",
    "sessions-included": "How many sessions a series price covers.",
    "insurance-accepted": "Whether insurance is accepted for this price: true or false.",
    "included": "What the price includes, in the clinic's words.",
    "price-source-url": "The page that publishes the price.",
    "price-as-of": "The date on which the published price was true.",
    "hospital-charge": "A hospital standard charge's code, code type, kind (gross, "
    "discounted_cash, negotiated_dollar, minimum, maximum), setting, payer and plan: JSON.",
    "source": "Where a fact about the listing came from: JSON with field, "
    "source_document, source_url and quote.",
    "clinic-statement": "A claim the clinic makes on its own page, shown only as its words: "
    "JSON with topic, quote and source_document.",
    **_listing_facts(access=True),
    "access-as-of": "The date on which the payment options, languages and new-patient "
    "status were stated.",
}
REMS_ACCREDITATION = "Esketamine (Spravato) REMS-certified treatment center"
STALE_ALERT = (
    "This listing has not been verified by the clinic or the directory for over 12 months."
)


@dataclass(frozen=True)
class Taxonomy:
    """One of the directory's taxonomies, in HSDS terms."""

    key: str
    name: str
    description: str
    terms: tuple[tuple[str, str, str], ...]  # code, name, description

    @property
    def id(self) -> str:
        """The taxonomy's stable id."""
        return make_id("taxonomy", self.key)

    def term_id(self, code: str) -> str:
        """A term's stable id."""
        return make_id("taxonomy_term", self.key, code)


TAXONOMIES = (
    Taxonomy(
        "treatments",
        "Ketamine treatments",
        "The kinds of ketamine treatment a clinic offers; each is an HSDS service.",
        tuple(TREATMENTS),
    ),
    Taxonomy(
        "conditions",
        "Conditions treated",
        "The conditions a clinic says it treats.",
        tuple((slug, name, f"The clinic says it treats {name}.") for slug, name in CONDITIONS),
    ),
    Taxonomy(
        "payment-options",
        "Ways to pay",
        "How patients can pay the clinic; each is an attribute of the organization.",
        tuple((code, name, f"The clinic accepts: {name}.") for code, name in PAYMENT_OPTIONS),
    ),
    Taxonomy(
        "listing-facts",
        "Listing facts",
        "Facts the directory records about a listing that HSDS has no field for; the "
        "attribute's value holds the fact.",
        tuple((code, code.replace("-", " ").capitalize(), text) for code, text in FACTS.items()),
    ),
)
TREATMENT_TAXONOMY, CONDITION_TAXONOMY, PAYMENT_TAXONOMY, FACT_TAXONOMY = TAXONOMIES
PAYMENT_TAXONOMY_CODES = frozenset(code for code, _, _ in PAYMENT_TAXONOMY.terms)
# term id -> (taxonomy key, code), for filters and the importer
TERM_INDEX: dict[str, tuple[str, str]] = {
    t.term_id(code): (t.key, code) for t in TAXONOMIES for code, _, _ in t.terms
}


def taxonomy(t: Taxonomy) -> dict[str, Any]:
    """A taxonomy record."""
    return {"id": t.id, "name": t.name, "description": t.description, "version": "1"}


def taxonomy_terms() -> list[dict[str, Any]]:
    """Every term of every taxonomy, in order."""
    return [
        {
            "id": t.term_id(code),
            "code": code,
            "name": name,
            "description": description,
            "taxonomy": t.name,
            "taxonomy_id": t.id,
            "language": "en",
        }
        for t in TAXONOMIES
        for code, name, description in t.terms
    ]


# --- change history -----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One approved change to a listing, from the audit log, in HSDS metadata terms."""

    key: str
    at: datetime
    action: str  # create, update, verify, status
    field: str
    before: str
    after: str
    by: str  # owner or moderator


def _metadata(resource_id: str, resource_type: str, change: Change) -> dict[str, Any]:
    return {
        "id": make_id("metadata", resource_id, change.key, change.field),
        "resource_id": resource_id,
        "resource_type": resource_type,
        "last_action_date": _utc(change.at).date().isoformat(),
        "last_action_type": change.action,
        "field_name": change.field,
        "previous_value": change.before,
        "replacement_value": change.after,
        "updated_by": change.by,
    }


_VERIFIER = {"owner-confirmed": "owner", "admin-checked": "moderator"}


def _verification(clinic: Clinic, org_id: str) -> list[dict[str, Any]]:
    if clinic.last_verified_on is None:
        return []
    by = clinic.last_verified_by
    return [
        {
            "id": make_id("metadata", org_id, "verified"),
            "resource_id": org_id,
            "resource_type": "organization",
            "last_action_date": clinic.last_verified_on.isoformat(),
            "last_action_type": "verified",
            "field_name": "listing",
            "previous_value": "",
            "replacement_value": by.value if by else "verified",
            "updated_by": _VERIFIER.get(by.value, "unknown") if by else "unknown",
        }
    ]


# --- attributes ---------------------------------------------------------------------------


def _attribute(
    link_id: str, entity: str, t: Taxonomy, code: str, value: str | None = None, n: int = 0
) -> dict[str, Any]:
    link_type = {
        "treatments": "treatment",
        "conditions": "condition",
        "payment-options": "payment_option",
    }.get(t.key, "listing_fact")
    record: dict[str, Any] = {
        "id": make_id("attribute", link_id, t.key, code, n),
        "link_id": link_id,
        "link_type": link_type,
        "link_entity": entity,
        "taxonomy_term_id": t.term_id(code),
    }
    if value is not None:
        record["value"] = value
    return record


def _facts(link_id: str, entity: str, facts: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Attributes for the facts that are known; None means unknown and is left out."""
    out = []
    for n, (code, value) in enumerate(facts):
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        out.append(_attribute(link_id, entity, FACT_TAXONOMY, code, str(value), n))
    return out


def _json(data: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in data.items() if v is not None}, sort_keys=True)


# --- records ------------------------------------------------------------------------------


def organization_id(clinic: Clinic) -> str:
    """The organization id of a listing."""
    return hsds_ids.organization_uuid(clinic.slug)


def service_id(clinic: Clinic, treatment_slug: str) -> str:
    """The id of the service a listing offers for one treatment."""
    return hsds_ids.service_uuid(clinic.slug, treatment_slug)


def location_id(clinic: Clinic, index: int) -> str:
    """The id of a listing's location by its position (database ids differ between copies)."""
    return hsds_ids.location_uuid(clinic.slug, index)


def service_at_location_id(service: str, location: str) -> str:
    """The id of a service offered at a location."""
    return hsds_ids.service_at_location_uuid(service, location)


def _description(clinic: Clinic) -> str:
    if clinic.description:
        return clinic.description
    return "Example data: a fictional listing." if clinic.is_example else ""


def organization_summary(clinic: Clinic) -> dict[str, Any]:
    """The one-to-one fields of an organization (the `_list` shape)."""
    record: dict[str, Any] = {
        "id": organization_id(clinic),
        "name": clinic.display_name,
        "description": _description(clinic),
    }
    if clinic.email:
        record["email"] = clinic.email
    if clinic.website:
        record["website"] = clinic.website
    return record


def organization(clinic: Clinic, changes: list[Change] | None = None) -> dict[str, Any]:
    """A listing as a fully nested HSDS organization with its services."""
    org_id = organization_id(clinic)
    record = organization_summary(clinic)
    record["organization_identifiers"] = [
        {
            "id": make_id("organization_identifier", clinic.slug),
            "organization_id": org_id,
            "identifier_scheme": IDENTIFIER_SCHEME,
            "identifier_type": "slug",
            "identifier": clinic.slug,
        }
    ]
    record["phones"] = [_phone(p, i, organization_id=org_id) for i, p in enumerate(clinic.phones)]
    record["locations"] = [location(clinic, i) for i in range(len(clinic.locations))]
    record["services"] = [service(clinic, t, nested=False) for t in offered(clinic)]
    attributes = _facts(
        org_id,
        "organization",
        [
            ("example-data", True if clinic.is_example else None),
            *_listing_values(clinic, access=False),
            ("administered-by", clinic.administered_by),
            ("monitoring", clinic.monitoring),
            ("private-room", clinic.private_room),
            ("year-opened", clinic.year_opened),
            *_listing_values(clinic, access=True),
            ("access-as-of", clinic.access_as_of.isoformat() if clinic.access_as_of else None),
        ],
    )
    attributes += [
        _attribute(org_id, "organization", PAYMENT_TAXONOMY, code)
        for code in clinic.payment_codes
        if code in PAYMENT_TAXONOMY_CODES
    ]
    for n, s in enumerate(clinic.sources):
        value = _json(
            {
                "field": s.field,
                "source_document": s.source_document,
                "source_url": s.source_url,
                "quote": s.quote,
            }
        )
        attributes.append(_attribute(org_id, "organization", FACT_TAXONOMY, "source", value, n))
    for n, q in enumerate(clinic.quotes):
        value = _json({"topic": q.topic, "quote": q.quote, "source_document": q.source_document})
        attributes.append(
            _attribute(org_id, "organization", FACT_TAXONOMY, "clinic-statement", value, n)
        )
    record["attributes"] = attributes
    record["metadata"] = _verification(clinic, org_id) + [
        _metadata(org_id, "organization", c) for c in changes or []
    ]
    return record


def offered(clinic: Clinic) -> list[Treatment]:
    """The listed treatments plus any that only appear in a published price, in taxonomy order."""
    found = {t.id: t for t in clinic.treatments}
    for price in clinic.public_prices:
        found.setdefault(price.treatment.id, price.treatment)
    return sorted(found.values(), key=lambda t: (t.position, t.slug))


def _phone(p: Phone, index: int, **links: str) -> dict[str, Any]:
    owner = next(iter(links.values()))
    record: dict[str, Any] = {"id": make_id("phone", owner, index, p.e164), **links}
    record.update(
        number=p.e164,
        type="text" if p.kind.value == "text" else "voice",
        description=p.display,
        attributes=_facts(
            record["id"], "phone", [("phone-kind", p.kind.value), ("phone-vanity", p.vanity)]
        ),
    )
    return record


def location(clinic: Clinic, index: int) -> dict[str, Any]:
    """A listing's location with its address, fully nested."""
    loc: Location = clinic.locations[index]
    loc_id = location_id(clinic, index)
    address: dict[str, Any] = {
        "id": make_id("address", clinic.slug, index),
        "location_id": loc_id,
        "address_1": loc.address_1 or "",
        "city": loc.city or "",
        "state_province": loc.state,
        "postal_code": loc.postal_code or "",
        "country": "US",
        "address_type": "physical",
    }
    if loc.address_2:
        address["address_2"] = loc.address_2
    if loc.metro:
        address["region"] = loc.metro
    return {
        "id": loc_id,
        "location_type": "physical",
        "organization_id": organization_id(clinic),
        "name": clinic.display_name,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "languages": languages(clinic, location_id=loc_id),
        "addresses": [address],
        "attributes": _facts(loc_id, "location", [("geocode-precision", loc.geocode_precision)]),
    }


def location_summary(clinic: Clinic, index: int) -> dict[str, Any]:
    """The one-to-one fields of a location (for the service_at_location list)."""
    full = location(clinic, index)
    return {k: v for k, v in full.items() if k not in ("addresses", "attributes", "languages")}


def service_summary(clinic: Clinic, treatment: Treatment) -> dict[str, Any]:
    """The one-to-one fields of a service (the `_list` shape)."""
    record: dict[str, Any] = {
        "id": service_id(clinic, treatment.slug),
        "organization_id": organization_id(clinic),
        "name": treatment.name,
        "description": treatment.description or treatment.name,
        "status": "active",
        "last_modified": timestamp(clinic.updated_at),
    }
    if clinic.website:
        record["url"] = clinic.website
    if clinic.email:
        record["email"] = clinic.email
    record.update(access_fields(clinic, treatment))
    return record


def access_fields(clinic: Clinic, treatment: Treatment) -> dict[str, str]:
    """How to pay, new patients, REMS and verification age in HSDS's own service fields."""
    fields: dict[str, str] = {}
    if clinic.payment_codes:
        fields["fees_description"] = f"Ways to pay: {', '.join(clinic.payment_labels)}."
    if clinic.accepting_new_patients is not None or clinic.first_appointment_wait:
        statuses: dict[bool | None, str] = {
            True: "Accepting new patients",
            False: "Not taking new patients",
        }
        status = statuses.get(clinic.accepting_new_patients, "New-patient status not stated")
        wait = clinic.first_appointment_wait
        fields["application_process"] = (
            f"{status}; first appointment: {wait}." if wait else f"{status}."
        )
    if clinic.rems_certified and treatment.slug == "esketamine":
        fields["accreditations"] = REMS_ACCREDITATION
    if clinic.last_verified_on is not None:
        fields["assured_date"] = clinic.last_verified_on.isoformat()
        if is_stale(clinic.last_verified_on):
            fields["alert"] = STALE_ALERT
    return fields


def languages(clinic: Clinic, **link: str) -> list[dict[str, Any]]:
    """The languages staff speak, as HSDS language records linked to a service or location."""
    owner = next(iter(link.values()))
    return [
        {
            "id": make_id("language", owner, code),
            **link,
            "name": LANGUAGE_NAMES.get(code, code),
            "code": code,
        }
        for code in clinic.language_codes
    ]


def service(clinic: Clinic, treatment: Treatment, *, nested: bool = True) -> dict[str, Any]:
    """One treatment a listing offers, as a fully nested HSDS service."""
    record = service_summary(clinic, treatment)
    sid = record["id"]
    if nested:
        record["organization"] = organization_summary(clinic)
    record["phones"] = [_phone(p, i, service_id=sid) for i, p in enumerate(clinic.phones)]
    record["languages"] = languages(clinic, service_id=sid)
    if clinic.hours:
        record["schedules"] = [
            {"id": make_id("schedule", sid), "service_id": sid, "description": clinic.hours}
        ]
    record["service_areas"] = [
        {
            "id": make_id("service_area", sid, a.state),
            "service_id": sid,
            "name": a.state,
            "description": "A US state the program serves by telehealth or at home.",
            "extent": a.state,
            "extent_type": "text",
        }
        for a in clinic.service_areas
    ]
    record["service_at_locations"] = [
        {
            "id": service_at_location_id(sid, location_id(clinic, i)),
            "service_id": sid,
            "location_id": location_id(clinic, i),
        }
        for i in range(len(clinic.locations))
    ]
    prices = [p for p in clinic.public_prices if p.treatment.slug == treatment.slug]
    record["cost_options"] = [cost_option(sid, p, n) for n, p in enumerate(prices)] + [
        charge_option(sid, c)
        for c in clinic.current_charges
        if c.treatment.slug == treatment.slug and c.amount_cents is not None
    ]
    attributes = [_attribute(sid, "service", TREATMENT_TAXONOMY, treatment.slug)]
    attributes += [
        _attribute(sid, "service", CONDITION_TAXONOMY, c.slug) for c in clinic.conditions
    ]
    record["attributes"] = attributes
    return record


_UNITS = {
    "session": "per session",
    "series": "per series",
    "consultation": "per consultation",
    "month": "per month",
}


def cost_option(sid: str, p: Price, n: int) -> dict[str, Any]:
    """A published price as an HSDS cost option, with its source and as-of date."""
    unit = _UNITS[p.unit.value]
    if p.unit.value == "series" and p.sessions_included:
        unit = f"per series of {p.sessions_included} sessions"
    cid = make_id("cost_option", sid, n)
    record: dict[str, Any] = {
        "id": cid,
        "service_id": sid,
        "option": unit,
        "currency": p.currency,
        "amount": p.amount_cents / 100,
        "amount_description": p.included or unit,
    }
    if p.valid_from:
        record["valid_from"] = p.valid_from.isoformat()
    if p.valid_to:
        record["valid_to"] = p.valid_to.isoformat()
    record["attributes"] = _facts(
        cid,
        "cost_option",
        [
            ("price-unit", p.unit.value),
            ("sessions-included", p.sessions_included),
            ("insurance-accepted", p.insurance_accepted),
            ("included", p.included),
            ("price-source-url", p.source_url),
            ("price-as-of", p.as_of.isoformat() if p.as_of else None),
        ],
    )
    return record


CHARGE_LABELS = {
    "gross": "hospital gross charge",
    "discounted_cash": "hospital cash price",
    "negotiated_dollar": "hospital rate negotiated with an insurer",
    "minimum": "lowest hospital rate negotiated with insurers",
    "maximum": "highest hospital rate negotiated with insurers",
}


def charge_option(sid: str, c: HospitalCharge) -> dict[str, Any]:
    """A hospital's standard charge from its price transparency file, as a cost option;
    the code, kind and payer travel as attributes."""
    label = CHARGE_LABELS.get(c.kind.value, "hospital charge")
    cid = make_id(
        "hospital_charge",
        sid,
        c.code,
        c.code_type,
        c.kind.value,
        c.setting,
        c.payer_name,
        c.plan_name,
    )
    record: dict[str, Any] = {
        "id": cid,
        "service_id": sid,
        "option": f"{label}, code {c.code} ({c.covers})",
        "currency": "USD",
        "amount": (c.amount_cents or 0) / 100,
        "amount_description": c.description or label,
        "valid_from": c.valid_from.isoformat(),
    }
    if c.valid_to:
        record["valid_to"] = c.valid_to.isoformat()
    record["attributes"] = _facts(
        cid,
        "cost_option",
        [
            (
                "hospital-charge",
                _json(
                    {
                        "code": c.code,
                        "code_type": c.code_type,
                        "kind": c.kind.value,
                        "setting": c.setting,
                        "payer_name": c.payer_name,
                        "plan_name": c.plan_name,
                    }
                ),
            ),
            ("price-source-url", c.source.source),
            ("price-as-of", c.as_of.isoformat()),
        ],
    )
    return record


def service_at_location(
    clinic: Clinic, treatment: Treatment, index: int, *, full: bool
) -> dict[str, Any]:
    """A service at one of the listing's locations: the list shape, or fully nested."""
    sid = service_id(clinic, treatment.slug)
    lid = location_id(clinic, index)
    record: dict[str, Any] = {
        "id": service_at_location_id(sid, lid),
        "service_id": sid,
        "location_id": lid,
    }
    if full:
        record["location"] = location(clinic, index)
        svc = service(clinic, treatment)
        record["service"] = {k: v for k, v in svc.items() if k != "service_at_locations"}
        record["phones"] = [
            _phone(p, i, service_at_location_id=record["id"]) for i, p in enumerate(clinic.phones)
        ]
    else:
        record["location"] = location_summary(clinic, index)
        record["service"] = service_summary(clinic, treatment)
    return record


def envelope(total: int, number: int, size: int, contents: list[Any]) -> dict[str, Any]:
    """The HSDS paging envelope around one page of contents."""
    pages = max(1, -(-total // size))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": len(contents) == 0,
        "contents": contents,
    }
